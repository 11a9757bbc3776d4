"""Lucid's notebook helpers in misc.io.showing: `_image_url` (data URLs for HTML widgets) and
`_display_html`, which Lucid's building-blocks notebooks import."""
import base64
import io

import numpy as np
import PIL.Image
import pytest

from lucid_vgg.misc.io import showing


def _decode(url, kind):
    head, payload = url.split(",", 1)
    assert head == f"data:image/{kind};base64"
    return np.asarray(PIL.Image.open(io.BytesIO(base64.b64decode(payload))))


def test_png_data_url_holds_the_exact_pixels():
    img = np.random.default_rng(0).integers(0, 256, (5, 7, 3)).astype(np.uint8)
    np.testing.assert_array_equal(_decode(showing._image_url(img), "png"), img)
    floats = img / 255.0
    np.testing.assert_array_equal(_decode(showing._image_url(floats), "png"), img)


def test_domain_and_jpeg():
    ramp = np.linspace(-1, 1, 64, dtype=np.float32).reshape(8, 8, 1).repeat(3, -1)
    back = _decode(showing._image_url(ramp, domain=(-1, 1)), "png").astype(float)
    np.testing.assert_allclose(back, (ramp + 1) / 2 * 255, atol=1)
    jpeg = _decode(showing._image_url(ramp, fmt="jpg", domain=(-1, 1), quality=95), "jpeg")
    assert jpeg.shape == (8, 8, 3) and abs(jpeg.astype(float).mean() - 127.5) < 4


def test_display_html_displays_html(monkeypatch):
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", shown.append)
    showing._display_html("<h2>Linear Attribution</h2>")
    assert isinstance(shown[0], IPython.display.HTML) and shown[0].data == "<h2>Linear Attribution</h2>"


@pytest.mark.parametrize("kwargs, words", [({"mode": "url"}, "unsupported mode"),
                                           ({"fmt": "gif"}, "unsupported fmt")])
def test_bad_arguments(kwargs, words):
    with pytest.raises(ValueError, match=words):
        showing._image_url(np.zeros((2, 2, 3)), **kwargs)
