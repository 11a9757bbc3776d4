"""`show(thing)`: display arrays as images in Jupyter, or a readable summary elsewhere.

IPython is optional and imported lazily: HTML output is used only inside a running
IPython kernel (Jupyter, Colab, nbclient); terminals and scripts get text.
"""
import base64
import html
import logging

import numpy as np

from .serialize_array import _as_array, serialize_array

log = logging.getLogger(__name__)


def _in_notebook():
    """True inside an IPython kernel that can render HTML (not a terminal or plain Python)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def _display_html(html_str):
    """Render an HTML string in the notebook."""
    import IPython.display

    IPython.display.display(IPython.display.HTML(html_str))


def _image_url(array, fmt="png", mode="data", quality=90, domain=None):
    """Encode an image array as a base64 data: URL (lenient: out-of-range values clipped)."""
    if mode != "data":
        raise ValueError("Unsupported mode %r; only 'data' URLs are supported." % (mode,))
    data = serialize_array(array, domain=domain, fmt=fmt, quality=quality, strict=False)
    fmt = "jpeg" if fmt.lower() in ("jpg", "jpeg") else fmt.lower()
    return "data:image/%s;base64,%s" % (fmt, base64.b64encode(data).decode("ascii"))


def _img_tag(array, domain=None, w=None, fmt="png"):
    style = ' style="image-rendering: pixelated;" width="%d"' % int(w) if w else ""
    return '<img src="%s"%s>' % (_image_url(array, fmt=fmt, domain=domain), style)


def _describe(array):
    """One-line text summary of an image array: size, channels, dtype and value range."""
    array = _as_array(array)
    if array.ndim == 4 and array.shape[0] == 1:
        array = array[0]
    kinds = {1: "grey", 2: "grey+alpha", 3: "RGB", 4: "RGBA"}
    channels = array.shape[2] if array.ndim == 3 else 1
    kind = kinds.get(channels, "%d-channel" % channels)
    if array.size and np.issubdtype(array.dtype, np.number):
        stats = ", range [%.3g, %.3g], mean %.3g" % (np.nanmin(array), np.nanmax(array),
                                                      np.nanmean(array))
        if np.issubdtype(array.dtype, np.floating) and not np.isfinite(array).all():
            stats += ", %d non-finite" % int((~np.isfinite(array)).sum())
    else:
        stats = ""
    return "%dx%d %s image, %s%s" % (array.shape[1], array.shape[0], kind, array.dtype, stats)


def image(array, domain=None, w=None, format="png"):
    """Display one image (float in [0, 1] / `domain`, or uint8); `w` sets display width."""
    if _in_notebook():
        _display_html(_img_tag(array, domain=domain, w=w, fmt=format))
    else:
        print("<%s>" % _describe(array))


def images(arrays, labels=None, domain=None, w=None):
    """Display several images side by side (wrapping), each under its label or index."""
    arrays = list(arrays)
    if labels is not None and len(labels) != len(arrays):
        raise ValueError("Got %d labels for %d images." % (len(labels), len(arrays)))
    names = [str(labels[i]) if labels is not None else str(i) for i in range(len(arrays))]
    if _in_notebook():
        cells = "".join(
            '<div style="margin-right:10px; margin-bottom:10px;">%s<br/>%s</div>'
            % (html.escape(name), _img_tag(a, domain=domain, w=w))
            for name, a in zip(names, arrays))
        _display_html('<div style="display:flex; flex-direction:row; flex-wrap:wrap;">%s</div>'
                      % cells)
    else:
        print("<%d images>" % len(arrays))
        for name, a in zip(names, arrays):
            print("  %s: %s" % (name, _describe(a)))


def show(thing, domain=None, labels=None, w=None, **kwargs):
    """Display `thing`, inferring what it is: rank 2/3 arrays are images, rank 4 arrays and
    lists of arrays are image grids, anything else is printed."""
    del kwargs
    if hasattr(thing, "getbands") or (hasattr(thing, "numpy") and callable(thing.numpy)):
        thing = _as_array(thing)  # PIL image or tf.Tensor
    is_numeric = isinstance(thing, np.ndarray) and (
        np.issubdtype(thing.dtype, np.number) or thing.dtype == np.bool_)
    if is_numeric:
        if thing.ndim == 4:
            images(list(thing), labels=labels, domain=domain, w=w)
            return
        if thing.ndim in (2, 3):
            image(thing, domain=domain, w=w)
            return
    elif isinstance(thing, (list, tuple)) and thing and all(
            hasattr(t, "shape") and len(t.shape) in (2, 3, 4) for t in thing):
        # A list of batches (e.g. render_vis output) is flattened into one grid.
        flat = []
        for t in thing:
            t = _as_array(t)
            flat.extend(list(t) if t.ndim == 4 else [t])
        images(flat, labels=labels, domain=domain, w=w)
        return
    if _in_notebook():
        import IPython.display

        IPython.display.display(thing)
    else:
        print(repr(thing))
