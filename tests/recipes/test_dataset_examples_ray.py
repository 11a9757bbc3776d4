"""dataset_examples on a real local Ray cluster (127.0.0.1, 2 CPUs, started by this module): the
same top-k as in-process on scikit-image's photos, the same files and rows, an unreachable
address refused before any image is read, and a worker killed mid-batch (its batch retried,
every image counted once)."""
import json
import os
import signal

import numpy as np
import pytest

from lucid_vgg.recipes import dataset_examples as dx

ray = pytest.importorskip("ray", reason="the `ray` extra: pip install -e '.[ray]'")

C11, C21, C31 = "conv1_1/conv1_1", "conv2_1/conv2_1", "conv3_1/conv3_1"


@pytest.fixture(scope="module")
def photos():
    """scikit-image's photos, downsampled to 30-60 px, in several shapes, by name."""
    from skimage import data

    return {name: np.asarray(getattr(data, name)()[::s, ::s, :3], np.float32) / 255.0
            for name, s in (("astronaut", 12), ("coffee", 12), ("chelsea", 9), ("rocket", 12),
                            ("hubble_deep_field", 14), ("immunohistochemistry", 12))}


def assert_same_examples(got, want):
    assert set(got) == set(want)
    for layer in want:
        np.testing.assert_allclose(got[layer].values, want[layer].values, rtol=1e-5)
        assert got[layer].sources.tolist() == want[layer].sources.tolist(), layer
        np.testing.assert_array_equal(got[layer].boxes, want[layer].boxes)
        for row_got, row_want in zip(got[layer].crops, want[layer].crops):
            for a, b in zip(row_got, row_want):
                assert (a is None) == (b is None)
                if a is not None:
                    np.testing.assert_array_equal(a, b)


def rows_of(out):
    with open(os.path.join(out, "manifest.jsonl"), encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def test_ray_examples_equal_in_process_and_write_the_same_files(cluster, tiny_model, photos,
                                                                tmp_path):
    kw = dict(k=3, batch_size=2)
    local = dx.dataset_examples(tiny_model, [C11, C31], photos, out=str(tmp_path / "local"), **kw)
    on_ray = dx.dataset_examples(tiny_model, [C11, C31], photos, out=str(tmp_path / "ray"),
                                 ray_address=cluster, ray_workers=2, **kw)
    assert_same_examples(on_ray, local)
    # not a trivial agreement: most photos reach some unit's top 3 in conv1_1
    assert len(set(on_ray[C11].sources.ravel())) >= 4
    ray_rows, local_rows = rows_of(tmp_path / "ray"), rows_of(tmp_path / "local")
    assert len(ray_rows) == len(local_rows) == (8 + 32) * 3
    strip = ("finished",)
    assert ([{k: v for k, v in r.items() if k not in strip} for r in ray_rows]
            == [{k: v for k, v in r.items() if k not in strip} for r in local_rows])
    for r in ray_rows:
        assert (tmp_path / "ray" / r["file"]).read_bytes() == (tmp_path / "local" / r["file"]).read_bytes()


def test_ray_with_a_given_crop_and_one_worker(cluster, tiny_model, photos):
    kw = dict(k=2, batch_size=4, crop=12)
    local = dx.dataset_examples(tiny_model, C21, photos, **kw)
    on_ray = dx.dataset_examples(tiny_model, C21, photos, ray_address=cluster, ray_workers=1, **kw)
    assert_same_examples(on_ray, local)
    assert all(c is None or c.shape[:2] == (12, 12) or min(c.shape[:2]) < 12
               for row in on_ray[C21].crops for c in row)


def test_unreachable_address_is_refused_before_any_image_is_read(tiny_model, photos, tmp_path):
    import socket

    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        closed = f"127.0.0.1:{sock.getsockname()[1]}"
    read = []

    def images():
        for name, img in photos.items():
            read.append(name)
            yield img

    out = tmp_path / "never"
    with pytest.raises(ValueError, match="cannot reach a Ray cluster at .*ray start --head"):
        dx.dataset_examples(tiny_model, C21, images(), k=2, out=str(out), ray_address=closed)
    assert read == [] and not out.exists()


def crashing(model, marker):
    """`model` whose get_activations SIGKILLs its process the first time any process calls it
    (the marker file makes it once per test, across processes): a worker lost mid-batch. The
    class is local, so Ray's pickler ships it by value to the workers."""
    base = type(model)

    class Crashing(base):
        def get_activations(self, *args, **kwargs):
            try:
                fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                return base.get_activations(self, *args, **kwargs)
            os.write(fd, str(os.getpid()).encode())
            os.close(fd)
            os.kill(os.getpid(), signal.SIGKILL)  # no clean-up, as the OOM killer or `kill -9`

    crash = Crashing.__new__(Crashing)
    crash.__dict__.update({k: v for k, v in model.__dict__.items() if k != "_activation_fns"})
    return crash


def test_killed_worker_batch_is_retried_and_every_image_counted_once(cluster, tiny_model, photos,
                                                                     tmp_path):
    marker = str(tmp_path / "crashed")
    k = len(photos)  # every image in every unit's top-k: a lost or doubled batch would show
    got = dx.dataset_examples(crashing(tiny_model, marker), C21, photos, k=k, batch_size=2,
                              ray_address=cluster, ray_workers=2, out=str(tmp_path / "out"))
    assert os.path.exists(marker)  # a worker really died mid-batch
    with open(marker) as f:
        assert int(f.read()) != os.getpid()  # ...and it was a Ray worker, not this process
    for u in range(got[C21].values.shape[0]):
        assert sorted(got[C21].sources[u]) == sorted(photos)  # each image once per unit
    assert_same_examples(got, dx.dataset_examples(tiny_model, C21, photos, k=k, batch_size=2))
    rows = rows_of(tmp_path / "out")
    assert len(rows) == 16 * k and len({(r["unit"], r["index"]) for r in rows}) == 16 * k
