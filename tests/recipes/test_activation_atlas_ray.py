"""Atlas activations collected on a real local Ray cluster (127.0.0.1, 2 CPUs, the `cluster`
fixture of tests/conftest.py): the same vectors, in the same order, as in-process; a whole atlas
through collect_options; an unreachable address refused before any image is read."""
import socket

import numpy as np
import pytest

from lucid_vgg.recipes.activation_atlas import activation_atlas, collect

ray = pytest.importorskip("ray", reason="the `ray` extra: pip install -e '.[ray]'")

L21, L31 = "conv2_1/conv2_1", "conv3_1/conv3_1"


@pytest.fixture(scope="module")
def photos():
    """scikit-image's photos, downsampled to 35-60 px, of several shapes (a grey one as RGB)."""
    from skimage import data

    grey = data.camera()[::10, ::10]
    return [np.asarray(img, np.float32) / 255.0 for img in (
        data.astronaut()[::10, ::10], data.coffee()[::10, ::10], data.chelsea()[::7, ::7],
        data.rocket()[::10, ::10], np.repeat(grey[..., None], 3, -1))]


def test_ray_collection_equals_in_process_row_for_row(cluster, tiny_model, photos):
    kw = dict(patch_size=32, patches_per_image=5, batch_size=4, seed=2)  # 25 patches, 7 batches
    local = collect.collect_activations(tiny_model, L31, photos, **kw)
    on_ray = collect.collect_activations(tiny_model, L31, photos, ray_address=cluster,
                                         ray_workers=2, **kw)
    assert on_ray.shape == local.shape == (25, 32)
    np.testing.assert_allclose(on_ray, local, rtol=1e-5, atol=1e-6)
    # not a trivial agreement: the rows differ from each other, so a reordering would show
    assert len({tuple(np.round(r, 4)) for r in local}) == 25


def test_atlas_with_ray_in_collect_options_equals_in_process(cluster, tiny_model, photos):
    kw = dict(grid_size=2, icon_size=16, n_steps=3, threshold=0, layout_method="tsne")
    opts = dict(patch_size=32, patches_per_image=4, batch_size=6)
    local = activation_atlas(tiny_model, L21, images=photos, collect_options=opts, **kw)
    on_ray = activation_atlas(tiny_model, L21, images=photos, **kw,
                              collect_options=dict(opts, ray_address=cluster, ray_workers=1))
    np.testing.assert_allclose(on_ray, local, atol=1e-5)


def test_unreachable_address_is_refused_before_any_image_is_read(tiny_model, photos):
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        closed = f"127.0.0.1:{sock.getsockname()[1]}"
    read = []

    def images():
        for i, img in enumerate(photos):
            read.append(i)
            yield img

    with pytest.raises(ValueError, match="cannot reach a Ray cluster at .*ray start --head"):
        collect.collect_activations(tiny_model, L21, images(), patch_size=32, ray_address=closed)
    assert read == []
