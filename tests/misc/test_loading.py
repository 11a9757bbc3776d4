"""misc.io.loading beyond the basic round trips (tests/misc/test_io.py): open handles, compressed
files, unknown extensions tried as images, lists of paths."""
import gzip
import io
import lzma

import numpy as np
import pytest
from PIL import Image

from lucid_vgg.misc.io import load
from lucid_vgg.misc.io.loading import is_handle


def test_load_from_open_handles(tmp_path):
    np.save(tmp_path / "a.npy", np.arange(5))
    with open(tmp_path / "a.npy", "rb") as handle:
        assert is_handle(handle)
        np.testing.assert_array_equal(load(handle), np.arange(5))
    buf = io.BytesIO(b'{"k": [1, 2]}')
    buf.name = "mem.json"
    assert load(buf) == {"k": [1, 2]}
    with pytest.raises(TypeError, match="needs one with a name"):
        load(io.BytesIO(b"{}"))


@pytest.mark.parametrize("ext, compress", [(".xz", lzma.compress), (".gz", gzip.compress)])
def test_compressed_files(tmp_path, ext, compress):
    (tmp_path / ("t.txt" + ext)).write_bytes(compress("one\ntwo\n".encode()))
    assert load(tmp_path / ("t.txt" + ext), split=True) == ["one", "two"]
    (tmp_path / ("bad.json" + ext)).write_bytes(b"not compressed at all")
    with pytest.raises(ValueError, match="Could not decompress.*bad.json"):
        load(tmp_path / ("bad.json" + ext))


def test_unknown_extensions_are_tried_as_images(tmp_path):
    pixels = np.random.default_rng(0).integers(0, 256, (4, 6, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(tmp_path / "p.bmp")
    np.testing.assert_array_equal(load(tmp_path / "p.bmp"), pixels / np.float32(255))
    np.testing.assert_array_equal(load(tmp_path / "p.bmp", size=(3, 2)).shape, (2, 3, 3))
    (tmp_path / "n.dat").write_bytes(b"not an image")
    with pytest.raises(ValueError, match="unknown extension '.dat', and it is not an image.*Supported"):
        load(tmp_path / "n.dat")


def test_list_of_paths(tmp_path):
    np.save(tmp_path / "a.npy", np.ones(2))
    (tmp_path / "b.txt").write_text("b")
    out = load([str(tmp_path / "a.npy"), str(tmp_path / "missing.npy"), str(tmp_path / "b.txt")])
    np.testing.assert_array_equal(out[0], np.ones(2))
    assert isinstance(out[1], FileNotFoundError) and out[2] == "b"
