"""misc.io.sanitizing.sanitize: layer names become single path components."""
import pytest

from lucid_vgg.misc.io.sanitizing import sanitize


def test_slashes_become_underscores():
    assert sanitize("conv4_1/conv4_1") == "conv4_1_conv4_1"
    assert sanitize("a/b/c:3") == "a_b_c:3"
    assert sanitize("") == ""


@pytest.mark.parametrize("bad", [3, None, b"conv/1", ["a/b"]])
def test_non_strings_are_refused(bad):
    with pytest.raises(TypeError, match="sanitize takes a str"):
        sanitize(bad)
