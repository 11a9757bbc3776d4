"""Load, save, show and read: Lucid's `lucid.misc.io` (local files, http(s)/gs URLs through the
download cache, notebooks), with io scopes, save capture, and `image_grid`."""
from . import (collapse_channels, grid, loading, reading, sanitizing, saving, scoping, serialize_array,
               showing, writing)
from .grid import image_grid
from .loading import load
from .reading import read, read_handle
from .saving import CaptureSaveContext, batch_save, save
from .scoping import io_scope, scope_url
from .showing import show

__all__ = ["show", "save", "load", "CaptureSaveContext", "batch_save", "io_scope", "scope_url",
           "read", "read_handle", "image_grid", "showing", "saving", "loading", "reading", "writing",
           "scoping", "sanitizing", "collapse_channels", "serialize_array", "grid"]
