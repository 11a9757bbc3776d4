"""recipes.activation_atlas: whitening and translation against NumPy, layout normalisation,
binning and canvas against Lucid's formulas, activation collection, icons, and whole atlases
on the tiny VGG (and one small real VGG16 atlas)."""
import numpy as np
import pytest
import tensorflow as tf

from lucid_vgg.misc import io as mio
from lucid_vgg.recipes.activation_atlas import collect, layout, main, render, whitening
from lucid_vgg.recipes.activation_atlas import activation_atlas, aligned_activation_atlas

L21, L31 = "conv2_1/conv2_1", "conv3_1/conv3_1"


@pytest.fixture(scope="module")
def photos():
    return np.random.default_rng(0).uniform(0, 1, (6, 40, 36, 3)).astype(np.float32)


@pytest.fixture(scope="module")
def acts(tiny_model, photos):
    return collect.collect_activations(tiny_model, L21, photos, patch_size=32, patches_per_image=8)


# -- whitening ---------------------------------------------------------------------------

def test_whitening_matrix_is_numpys_inverse_second_moment_and_whitens():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(500, 6)) @ rng.normal(size=(6, 6)) + 1.0
    S = whitening.layer_inverse_covariance(A, ridge=0)
    np.testing.assert_allclose(S, np.linalg.inv(A.T @ A / len(A)), rtol=1e-4)
    np.testing.assert_allclose(whitening.whiten(A), S, rtol=1e-3, atol=1e-5)  # ridge 1e-6
    L = np.linalg.cholesky(S.astype(np.float64))  # A @ L has identity second moment
    Z = A @ L
    np.testing.assert_allclose(Z.T @ Z / len(Z), np.eye(6), atol=1e-3)


def test_whitening_survives_dead_channels_and_push_matches_numpy():
    rng = np.random.default_rng(1)
    A = np.maximum(rng.normal(size=(300, 5)), 0)
    A[:, 2] = 0  # a channel that never fires: Lucid's np.linalg.inv raised here
    assert np.all(np.isfinite(whitening.layer_inverse_covariance(A)))
    B = np.maximum(A @ rng.normal(size=(5, 4)), 0)
    X = rng.normal(size=(7, 5))
    X[:, 2] = 0
    full = A[:, [0, 1, 3, 4]]  # without the dead channel the plain formula applies
    ref = X[:, [0, 1, 3, 4]] @ np.linalg.inv(full.T @ full / 300) @ (full.T @ B / 300)
    np.testing.assert_allclose(whitening.push_activations(X, A, B), ref, rtol=1e-3, atol=1e-3)
    np.testing.assert_allclose(whitening.layer_covariance(A, B), A.T @ B / 300, rtol=1e-5)
    with pytest.raises(ValueError, match="same samples"):
        whitening.layer_covariance(A, B[:10])


# -- layout, binning, canvas -------------------------------------------------------------

def test_normalize_layout_matches_the_percentile_formula_and_stays_in_unit_square():
    pts = np.random.default_rng(2).standard_cauchy(size=(400, 2))  # heavy outliers
    out = layout.normalize_layout(pts)
    lo, hi = np.percentile(pts, 1, axis=0), np.percentile(pts, 99, axis=0)
    lo, hi = lo - 0.1 * (hi - lo), hi + 0.1 * (hi - lo)
    ref = np.clip(pts, lo, hi)
    ref = (ref - ref.min(0)) / (ref - ref.min(0)).max(0)
    np.testing.assert_allclose(out, ref, rtol=1e-6)
    assert out.min() == 0 and out.max() == 1
    flat = layout.normalize_layout(np.c_[np.arange(5.0), np.ones(5)])
    assert np.all(flat[:, 1] == 0.5) and flat[:, 0].max() == 1


def test_bins_keep_full_cells_with_their_means_and_leave_empty_cells_out():
    pts = np.array([[0.1, 0.1], [0.2, 0.05], [0.9, 0.1], [1.0, 1.0], [0.95, 0.7], [0.1, 0.1]])
    vecs = np.arange(12.0).reshape(6, 2)
    means, coords, counts = main.bin_laid_out_activations(pts, vecs, 2, threshold=0)
    assert [tuple(c) for c in coords] == [(0, 0), (1, 0), (1, 1)]  # x varies fastest; (0, 1) empty
    assert counts == [3, 1, 2]
    np.testing.assert_allclose(means[0], vecs[[0, 1, 5]].mean(0))
    np.testing.assert_allclose(means[2], vecs[[3, 4]].mean(0))  # 1.0 falls in the last cell
    assert len(main.bin_laid_out_activations(pts, vecs, 2, threshold=1)[0]) == 2
    with pytest.raises(RuntimeError, match="threshold"):
        main.bin_laid_out_activations(pts, vecs, 2, threshold=5)


def test_canvas_matches_lucids_hstack_layout_and_keeps_empty_cells_white():
    icons = [(np.full((3, 4, 3), v) * np.arange(1, 4) / 10).astype(np.float32) for v in (1.0, 2.0)]
    coords = [np.array([0, 1]), np.array([2, 0])]
    canvas = main.make_canvas(icons, coords, 3)
    ref = np.ones((3, 3, 3, 4, 3), np.float32)
    ref[0, 1], ref[2, 0] = icons
    np.testing.assert_array_equal(canvas, np.hstack(np.hstack(ref)))  # Lucid's assembly
    assert canvas.shape == (9, 12, 3)
    np.testing.assert_array_equal(canvas[0:3, 4:8], icons[0])  # cell (x=0, y=1): rows 0.., cols 4..
    assert np.all(canvas[3:6] == 1)  # the row of cells x=1 has no icon: white


def test_tsne_layouts_aligned_and_single(acts):
    quick = {"max_iter": 250}  # options reach the estimator (t-SNE's minimum iterations)
    joint = layout.aligned_umap([acts, acts * 2], quick, method="tsne")
    assert len(joint) == 2 and joint[0].shape == (len(acts), 2)
    single = layout.aligned_umap(acts, quick, method="tsne")
    for lay in joint + [single]:
        assert lay.min() >= 0 and lay.max() <= 1
    raw = layout.aligned_umap(acts, quick, method="tsne", normalize=False)
    np.testing.assert_allclose(layout.normalize_layout(raw), single)  # same seed, same layout


@pytest.mark.slow  # umap-learn compiles its numba kernels on first use (minutes on 2 busy cores)
def test_umap_layout_when_installed(acts):
    pytest.importorskip("umap", reason="umap-learn is the optional 'atlas' extra")
    out = layout.aligned_umap(acts[:40])
    assert out.shape == (40, 2) and out.min() >= 0 and out.max() <= 1


# -- collecting --------------------------------------------------------------------------

def test_collect_reads_each_patch_at_its_sampled_position(tiny_model, photos):
    got = collect.collect_activations(tiny_model, L31, photos[:3, :32, :32], patch_size=32,
                                      patches_per_image=2, seed=3)
    assert got.shape == (6, 32) and got.dtype == np.float32
    full = tiny_model.get_activations(photos[:3, :32, :32], L31)  # patches = the whole images
    for i in range(3):
        _, where = collect.sample_patches(photos[i, :32, :32], 32, 2, np.random.default_rng([3, i]))
        rows, cols = (where * 8).astype(int).T
        np.testing.assert_allclose(got[2 * i:2 * i + 2], full[i, rows, cols], rtol=1e-5, atol=1e-5)


def test_collect_from_a_folder_is_reproducible_and_batch_independent(tiny_model, photos, tmp_path):
    as_uint8 = (photos * 255).round().astype(np.uint8)
    for i, img in enumerate(as_uint8):
        mio.save(img, str(tmp_path / f"p{i}.png"))
    from_folder = collect.collect_activations(tiny_model, L21, str(tmp_path), patch_size=24,
                                              patches_per_image=3, batch_size=5)
    from_list = collect.collect_activations(tiny_model, L21, list(as_uint8), patch_size=24,
                                            patches_per_image=3, batch_size=32)
    assert from_folder.shape == (18, 16)
    np.testing.assert_allclose(from_folder, from_list, rtol=1e-5, atol=1e-5)
    other_seed = collect.collect_activations(tiny_model, L21, list(as_uint8), patch_size=24,
                                             patches_per_image=3, seed=1)
    assert not np.allclose(other_seed, from_list)
    small = collect.collect_activations(tiny_model, L21, [as_uint8[0][:10, :12]], patch_size=24)
    assert small.shape == (4, 16)  # a photo smaller than the patch is enlarged first


# -- icons ---------------------------------------------------------------------------------

def test_direction_objectives_match_numpy():
    rng = np.random.default_rng(4)
    acts = rng.uniform(0, 1, (2, 5, 6, 4)).astype(np.float32)
    vec, S = rng.normal(size=4).astype(np.float32), rng.normal(size=(4, 4)).astype(np.float32)
    T = lambda name: tf.constant(acts)  # noqa: E731
    centre = acts[1, 2, 3]
    dot = np.mean(centre * (vec @ S))
    assert float(render.direction_neuron_S("x", vec, batch=1, S=S)(T)) == pytest.approx(dot, rel=1e-5)
    cos = max(0.1, dot / (1e-4 + np.linalg.norm(centre)))
    got = render.direction_neuron_cossim_S("x", vec, batch=1, S=S, cossim_pow=2)(T)
    assert float(got) == pytest.approx(dot * cos ** 2, rel=1e-5)
    with pytest.raises(RuntimeError, match="batch"):
        render.direction_neuron_S("x", vec)(T)


def test_render_icons_one_icon_per_direction(tiny_model, acts):
    dirs = acts[:3]
    icons, values = render.render_icons(dirs, tiny_model, L21, size=32, n_steps=6, num_attempts=2,
                                        S=whitening.layer_inverse_covariance(acts), seed=0)
    assert len(icons) == len(values) == 3
    for icon in icons:
        assert icon.shape == (32, 32, 3) and icon.min() >= 0 and icon.max() <= 1
    assert all(np.isfinite(values))
    with pytest.raises(ValueError, match="16 channels"):
        render.render_icons(acts[:2, :8], tiny_model, L21, size=32)


# -- whole atlases -------------------------------------------------------------------------

def test_activation_atlas_from_images_leaves_empty_cells_white(tiny_model, photos, acts):
    opts = dict(patch_size=32, patches_per_image=8)
    canvas = activation_atlas(tiny_model, L21, grid_size=5, icon_size=16, images=photos,
                              collect_options=opts, n_steps=4, threshold=0, layout_method="tsne")
    assert canvas.shape == (80, 80, 3) and canvas.min() >= 0 and canvas.max() <= 1
    lay = layout.aligned_umap(acts, method="tsne", seed=0)  # the atlas's own layout, recomputed
    cells = {tuple(c) for c in np.clip((lay * 5).astype(int), 0, 4)}  # cells holding a point
    for x in range(5):
        for y in range(5):
            cell = canvas[16 * x:16 * x + 16, 16 * y:16 * y + 16]
            assert np.all(cell == 1) == ((x, y) not in cells), (x, y)
    assert 0 < len(cells) < 25  # the check above saw empty cells and icons


@pytest.mark.slow
def test_aligned_activation_atlas_yields_two_progressive_canvases(tiny_model, photos):
    from conftest import TinyVGG

    other = TinyVGG(seed=1)
    atlases = list(aligned_activation_atlas(
        tiny_model, L21, other, L31, grid_size=2, icon_size=16, num_steps=2, images=photos[:2],
        collect_options=dict(patch_size=32, patches_per_image=4), threshold=0,
        icon_batch_size=3, layout_method="tsne"))
    assert len(atlases) == 2
    for progressive in atlases:
        canvases = list(progressive)
        assert 1 <= len(canvases) <= 2 and canvases[-1].shape == (32, 32, 3)
        assert np.sum(canvases[-1] != 1) >= np.sum(canvases[0] != 1)  # icons only get added


def test_atlas_checks_before_work(tiny_model, acts):
    with pytest.raises(ValueError, match="too sparse for a 10x10 grid"):
        activation_atlas(tiny_model, L21, grid_size=10, activations=acts[:40])
    with pytest.raises(ValueError, match="images="):
        activation_atlas(tiny_model, L21, grid_size=2)
    with pytest.raises(ValueError, match=r"depth=16"):
        activation_atlas(tiny_model, L21, grid_size=2, activations=acts[:, :8])
    with pytest.raises(ValueError, match="icon_batch_size must be a positive integer"):
        activation_atlas(tiny_model, L21, grid_size=2, activations=acts, icon_batch_size=0)


@pytest.mark.weights
@pytest.mark.slow
def test_small_vgg16_atlas_has_pictures():
    from skimage import data

    from modelzoo import vision_models as models

    model = models.VGG16_caffe()
    photos = [data.chelsea(), data.coffee(), data.astronaut()]
    canvas = activation_atlas(model, L31, grid_size=2, icon_size=32, images=photos,
                              collect_options=dict(patch_size=48, patches_per_image=12),
                              n_steps=24, threshold=1, layout_method="tsne", icon_batch_size=4)
    assert canvas.shape == (64, 64, 3)
    icons = [canvas[32 * x:32 * x + 32, 32 * y:32 * y + 32] for x in range(2) for y in range(2)]
    drawn = [icon for icon in icons if not np.all(icon == 1)]
    assert drawn and all(icon.std() > 0.03 for icon in drawn)  # structure, not flat grey


# -- any folder or iterable of images; early checks (issue 19 item 6) ----------------------------

def test_collect_patches_are_the_crops_behind_each_vector(tiny_model, photos):
    crops, where = collect.collect_patches(photos[:4], 24, patches_per_image=3, seed=5)
    assert crops.shape == (12, 24, 24, 3) and where.shape == (12, 2)
    full = tiny_model.get_activations(crops, L21)  # [12, 12, 12, 16]
    rows, cols = (where * full.shape[1]).astype(int).T
    want = full[np.arange(12), rows, cols]
    got = collect.collect_activations(tiny_model, L21, photos[:4], patch_size=24,
                                      patches_per_image=3, seed=5, batch_size=5)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    assert collect.count_patches(photos[:4], 3) == 12 and collect.count_patches(iter([]), 3) is None


def test_atlas_from_a_folder_of_pngs_equals_the_same_photos_as_a_list_and_a_generator(
        tiny_model, photos, tmp_path):
    as_uint8 = (photos * 255).round().astype(np.uint8)
    for i, img in enumerate(as_uint8):
        mio.save(img, str(tmp_path / f"photo_{i}.png"))
    (tmp_path / "notes.txt").write_text("not an image")  # ignored: not an image file
    kw = dict(grid_size=3, icon_size=16, n_steps=3, threshold=0, layout_method="tsne",
              collect_options=dict(patch_size=32, patches_per_image=6), whiten=True)
    from_folder = activation_atlas(tiny_model, L21, images=str(tmp_path), **kw)
    from_list = activation_atlas(tiny_model, L21, images=list(as_uint8), **kw)
    from_generator = activation_atlas(tiny_model, L21, images=(img for img in as_uint8), **kw)
    assert from_folder.shape == (48, 48, 3)
    assert np.sum(np.any(from_folder != 1, axis=-1)) > 16 * 16  # more than one icon drawn
    np.testing.assert_allclose(from_folder, from_list, atol=1e-5)
    np.testing.assert_allclose(from_generator, from_list, atol=1e-5)


class ReadSpy(list):
    """A list of photos that records whether anything read them (len() is not a read)."""

    def __init__(self, items):
        super().__init__(items)
        self.read = False

    def __iter__(self):
        self.read = True
        return super().__iter__()

    def __getitem__(self, index):
        self.read = True
        return super().__getitem__(index)


def test_too_sparse_grid_is_refused_before_any_photo_is_read(tiny_model, photos):
    spy = ReadSpy(list(photos))  # 6 photos x 4 patches = 24 < 25 cells
    with pytest.raises(ValueError, match=r"24 activation vectors \(patches\) is too sparse for a 5x5"):
        activation_atlas(tiny_model, L21, grid_size=5, images=spy,
                         collect_options=dict(patch_size=32, patches_per_image=4))
    assert not spy.read
    with pytest.raises(ValueError, match="too sparse for a 5x5"):
        next(aligned_activation_atlas(tiny_model, L21, tiny_model, L31, grid_size=5, images=spy,
                                      collect_options=dict(patch_size=32, patches_per_image=4)))
    assert not spy.read
    with pytest.raises(ValueError, match="too sparse for a 3x3"):  # number_activations caps it
        activation_atlas(tiny_model, L21, grid_size=3, images=spy, number_activations=8,
                         collect_options=dict(patch_size=32, patches_per_image=4))
    assert not spy.read


def test_too_sparse_grid_from_a_one_pass_iterator_is_refused_before_layout(tiny_model, photos,
                                                                           monkeypatch):
    def no_layout(*args, **kwargs):
        raise AssertionError("the layout ran although the grid was too sparse")

    monkeypatch.setattr(main, "aligned_umap", no_layout)
    with pytest.raises(ValueError, match="24 activation vectors .* too sparse for a 5x5"):
        activation_atlas(tiny_model, L21, grid_size=5, images=(p for p in photos),
                         collect_options=dict(patch_size=32, patches_per_image=4))


def test_normalized_icon_objective_is_the_whitened_direction_scaled_to_a_largest_entry_of_1(
        tiny_model, acts, monkeypatch):
    """render_icons(normalize=True) renders v @ S / max|v @ S| (S=None in the objective): on
    VGG16 the raw whitened objective was ~100x below the boundary penalty and icons came out grey."""
    seen = []
    real = render.direction_neuron_cossim_S

    def spy(name, vec, batch=None, S=None, **kw):
        seen.append((np.asarray(vec), S))
        return real(name, vec, batch=batch, S=S, **kw)

    monkeypatch.setattr(render, "direction_neuron_cossim_S", spy)
    S = whitening.layer_inverse_covariance(acts)
    render.render_icons(acts[:2], tiny_model, L21, size=32, n_steps=1, num_attempts=1, S=S, seed=0)
    for (vec, s), v in zip(seen, acts[:2]):
        want = v @ S
        np.testing.assert_allclose(vec, want / np.abs(want).max(), rtol=1e-4, atol=1e-6)
        assert s is None and np.abs(vec).max() == pytest.approx(1.0)
