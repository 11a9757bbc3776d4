"""misc.io.saving beyond the basic round trips (tests/misc/test_io.py): save contexts, batch_save,
save_str, compressors, open handles, pickles on opt-in, remote URLs refused."""
import gzip
import lzma
import os
import pickle
import threading

import numpy as np
import pytest

from lucid_vgg.misc.io import CaptureSaveContext, batch_save, io_scope, load, save
from lucid_vgg.misc.io.saving import compress_gz, compress_xz, save_json, save_npy, save_str
from lucid_vgg.misc.io.writing import write, write_handle


def test_capture_save_context_collects_results_and_nests(tmp_path):
    with CaptureSaveContext() as outer:
        save([1, 2], tmp_path / "a.json")
        with CaptureSaveContext() as inner:
            save(np.zeros((2, 3), np.float32), tmp_path / "b.npy")
        explicit = CaptureSaveContext()
        save("x", tmp_path / "c.txt", save_context=explicit)
    assert [r["url"] for r in outer.captured_saves] == [str(tmp_path / "a.json")]
    assert inner.captured_saves == [{"type": "npy", "shape": (2, 3), "dtype": "float32",
                                     "url": str(tmp_path / "b.npy")}]
    assert explicit.captured_saves[0]["url"] == str(tmp_path / "c.txt")
    assert CaptureSaveContext.current_save_context() is None


def test_batch_save_keeps_order_scope_and_context(tmp_path):
    ops = [(np.full(3, i), f"n{i}.npy") for i in range(20)] + [({"k": 1}, "d.json", {"indent": None})]
    with CaptureSaveContext() as ctx, io_scope(str(tmp_path)):
        results = batch_save(ops, num_workers=4)
    assert [r["url"] for r in results] == [str(tmp_path / op[1]) for op in ops]
    assert sorted(r["url"] for r in ctx.captured_saves) == sorted(r["url"] for r in results)
    np.testing.assert_array_equal(load(tmp_path / "n7.npy"), np.full(3, 7))
    assert (tmp_path / "d.json").read_text() == '{"k": 1}'
    with pytest.raises(ValueError, match="op 0 must be"):
        batch_save([(1,)])


def test_strings_save_under_any_extension_other_things_do_not(tmp_path):
    assert save("<svg/>", tmp_path / "pic.svg")["type"] == "txt"
    assert (tmp_path / "pic.svg").read_text() == "<svg/>"
    with pytest.raises(ValueError, match="unknown extension '.svg'.*only a str"):
        save(np.zeros(2), tmp_path / "pic2.svg")
    with pytest.raises(TypeError, match="save_str takes a str"):
        save_str(3, tmp_path / "s.txt")


@pytest.mark.parametrize("ext, opener", [(".xz", lzma.open), (".gz", gzip.open)])
def test_compressed_saves_round_trip(tmp_path, ext, opener):
    arr = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    save(arr, tmp_path / ("a.npy" + ext))
    with opener(tmp_path / ("a.npy" + ext)) as f:
        np.testing.assert_array_equal(np.load(f), arr)
    np.testing.assert_array_equal(load(tmp_path / ("a.npy" + ext)), arr)
    img = np.random.default_rng(0).integers(0, 256, (5, 4, 3), dtype=np.uint8)
    save(img, tmp_path / ("i.png" + ext))
    np.testing.assert_array_equal(load(tmp_path / ("i.png" + ext)), img / np.float32(255))
    assert not [n for n in os.listdir(tmp_path) if n.endswith(".tmp")]


def test_compressor_functions_wrap_handles(tmp_path):
    with open(tmp_path / "x.xz", "wb") as raw, compress_xz(raw) as packed:
        packed.write(b"abc" * 100)
    assert lzma.decompress((tmp_path / "x.xz").read_bytes()) == b"abc" * 100
    with open(tmp_path / "x.gz", "wb") as raw, compress_gz(raw) as packed:
        packed.write(b"abc")
    assert gzip.decompress((tmp_path / "x.gz").read_bytes()) == b"abc"


def test_save_into_open_handles(tmp_path):
    with open(tmp_path / "h.npy", "wb") as handle:
        result = save(np.arange(4), handle)
    assert result["url"] == str(tmp_path / "h.npy")
    np.testing.assert_array_equal(np.load(tmp_path / "h.npy"), np.arange(4))
    with open(tmp_path / "t.json", "w", encoding="utf-8") as handle:  # a text handle gets text
        save_json({"a": np.int64(2)}, handle)
    assert load(tmp_path / "t.json") == {"a": 2}
    with write_handle(tmp_path / "w.bin") as handle:  # Lucid's write_handle, default mode 'wb'
        save_npy(np.ones(2), handle)
    np.testing.assert_array_equal(np.load(tmp_path / "w.bin"), np.ones(2))
    write("text", str(tmp_path / "w.txt"), mode="w")
    assert (tmp_path / "w.txt").read_text() == "text"


def test_pickles_only_on_opt_in(tmp_path):
    obj = {"a": (1, 2), "b": {3}}
    with pytest.raises(ValueError, match="allow_unsafe_formats=True"):
        save(obj, tmp_path / "o.pkl")
    assert not (tmp_path / "o.pkl").exists()
    save(obj, tmp_path / "o.pkl", allow_unsafe_formats=True)
    assert pickle.loads((tmp_path / "o.pkl").read_bytes()) == obj
    with pytest.raises(ValueError, match="allow_unsafe_formats=True"):
        load(tmp_path / "o.pkl")
    assert load(tmp_path / "o.pkl", allow_unsafe_formats=True) == obj
    objs = np.array([{"x": 1}], dtype=object)
    save(objs, tmp_path / "o.npy", allow_unsafe_formats=True)
    assert load(tmp_path / "o.npy", allow_unsafe_formats=True)[0] == {"x": 1}


@pytest.mark.parametrize("url", ["gs://bucket/a.npy", "https://host/a.npy", "s3://b/a.npy"])
def test_remote_destinations_are_refused(url):
    with pytest.raises(ValueError, match="remote URLs.*local path"):
        save(np.zeros(2), url)
    with pytest.raises(ValueError, match="remote URLs"):
        write(b"x", url)


def test_save_context_is_per_thread(tmp_path):
    with CaptureSaveContext() as ctx:
        t = threading.Thread(target=save, args=("x", str(tmp_path / "t.txt")))
        t.start()
        t.join()
    assert ctx.captured_saves == [] and (tmp_path / "t.txt").exists()
