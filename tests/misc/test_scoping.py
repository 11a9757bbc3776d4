"""misc.io.scoping: io_scope nesting, replacement, per-thread scopes, and scope_url's rules."""
import threading

import numpy as np
import pytest

from lucid_vgg.misc.io import io_scope, load, save, scope_url
from lucid_vgg.misc.io.scoping import current_io_scopes, set_io_scopes


def test_scopes_nest_and_restore():
    assert current_io_scopes() == []
    with io_scope("gs://bucket/a"):
        with io_scope("b/../c"):
            assert current_io_scopes() == ["gs://bucket/a", "b/../c"]
            assert scope_url("x.npy") == "gs://bucket/a/c/x.npy"  # the scheme's '//' survives normpath
        assert scope_url("./y.png") == "gs://bucket/a/y.png"
    assert current_io_scopes() == [] and scope_url("x.npy") == "x.npy"


def test_absolute_paths_and_urls_ignore_scopes():
    with io_scope("/tmp/out"):
        assert scope_url("/abs/f.json") == "/abs/f.json"
        assert scope_url("https://host/f.json") == "https://host/f.json"
        assert scope_url("f.json", io_scopes=["rel", "dir"]) == "rel/dir/f.json"


def test_replace_current_scopes_and_restore_after_an_error():
    with io_scope("/outer"):
        with pytest.raises(RuntimeError):
            with io_scope(["/x", "y"], replace_current_scopes=True):
                assert scope_url("f") == "/x/y/f"
                raise RuntimeError("boom")
        assert current_io_scopes() == ["/outer"]
    with pytest.raises(TypeError, match="replace_current_scopes=True"):
        with io_scope(["/a", "b"]):
            pass


def test_scopes_are_per_thread():
    seen = []
    with io_scope("/main-thread"):
        t = threading.Thread(target=lambda: seen.append(list(current_io_scopes())))
        t.start()
        t.join()
    assert seen == [[]]
    set_io_scopes([])


def test_save_and_load_use_the_scope(tmp_path):
    with io_scope(str(tmp_path)):
        result = save(np.arange(3), "sub/a.npy")
        np.testing.assert_array_equal(load("sub/a.npy"), np.arange(3))
    assert result["url"] == str(tmp_path / "sub" / "a.npy") and (tmp_path / "sub" / "a.npy").exists()
