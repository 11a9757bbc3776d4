"""`show(thing)`: display arrays as images in Jupyter, or a readable summary elsewhere.

IPython is optional and imported lazily. Inside a running IPython kernel (Jupyter, Colab,
nbclient) each call displays ONE `image/png` output (Jupyter's standard picture output, which
GitHub and nbviewer render; several images become one labelled grid); terminals and scripts get
text.
"""
import logging
from typing import Any, Optional, Sequence

import numpy as np

from modelzoo.notebook import in_notebook

from .grid import image_grid
from .serialize_array import _as_array, serialize_array

log = logging.getLogger(__name__)


def _display_picture(array, domain=None, w=None, fmt="png"):
    """Display an image array as one image/png (or image/jpeg) output; `w`: display width."""
    import IPython.display

    fmt = "jpeg" if fmt.lower() in ("jpg", "jpeg") else fmt.lower()
    data = serialize_array(array, domain=domain, fmt=fmt, strict=False)  # lenient: clipped
    IPython.display.display(IPython.display.Image(data=data, format=fmt,
                                                  width=int(w) if w else None))


def _clipped(array, domain=None):
    """A float image with NaN and out-of-range values clipped into `domain` (display is lenient)."""
    array = _as_array(array)
    if not np.issubdtype(array.dtype, np.floating):
        return array
    lo, hi = domain or (0.0, 1.0)
    return np.clip(np.nan_to_num(array, nan=lo, posinf=hi, neginf=lo), lo, hi)


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


def image(array: Any, domain: Optional[Sequence[float]] = None, w: Optional[int] = None,
          format: str = "png") -> None:
    """Display one image (float in [0, 1] / `domain`, or uint8); `w` sets display width."""
    if in_notebook():
        _display_picture(array, domain=domain, w=w, fmt=format)
    else:
        print("<%s>" % _describe(array))


def images(arrays: Any, labels: Optional[Sequence[Any]] = None,
           domain: Optional[Sequence[float]] = None, w: Optional[int] = None) -> None:
    """Display several images side by side (wrapping), each under its label or index."""
    arrays = list(arrays)
    if labels is not None and len(labels) != len(arrays):
        raise ValueError("Got %d labels for %d images." % (len(labels), len(arrays)))
    names = [str(labels[i]) if labels is not None else str(i) for i in range(len(arrays))]
    if in_notebook():
        grid = image_grid([_clipped(a, domain) for a in arrays], labels=names, domain=domain)
        _display_picture(grid, w=w * len(arrays) if w else None)
    else:
        print("<%d images>" % len(arrays))
        for name, a in zip(names, arrays):
            print("  %s: %s" % (name, _describe(a)))


def show(thing: Any, domain: Optional[Sequence[float]] = None, labels: Optional[Sequence[Any]] = None,
         w: Optional[int] = None, **kwargs: Any) -> None:
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
    if in_notebook():
        import IPython.display

        IPython.display.display(thing)
    else:
        print(repr(thing))


def graph(graph_def: Any, max_const_size: int = 32) -> None:
    """Lucid's `show.graph`: display a GraphDef (or a tf.Graph) as an outline of its ops, types and
    output shapes; HTML in a notebook, text elsewhere (the view `Model.show_graph` uses).

    Lucid embedded TensorBoard's graph viewer from the network; this works offline. The outline
    never shows constant values, so `max_const_size` (Lucid's cap on them) is accepted and unused.
    """
    from modelzoo.graph_outline import graph_outline, show_outline  # TensorFlow, only when used

    if hasattr(graph_def, "as_graph_def"):
        graph_def = graph_def.as_graph_def()
    if not hasattr(graph_def, "node"):
        raise TypeError(f"graph() takes a GraphDef or a tf.Graph, got {type(graph_def).__name__}")
    show_outline(graph_outline(graph_def))
