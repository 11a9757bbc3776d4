"""Load, save and show: Lucid's `lucid.misc.io` for local files and notebooks, plus `image_grid`."""
from . import grid, loading, saving, serialize_array, showing, writing
from .grid import image_grid
from .loading import load
from .saving import save
from .showing import show

__all__ = ["show", "save", "load", "image_grid", "showing", "saving", "loading",
           "serialize_array", "writing", "grid"]
