"""Import original Lucid 0.3.10 (a TF1 library) on TensorFlow 2 for benchmarks/peers.py.

While Lucid's modules load, `import tensorflow` resolves to a proxy of tf.compat.v1 (v2 behaviour
disabled) that also carries stubs for what TF2 removed and Lucid touches at import time
(tf.contrib pieces); `future` (Python 2 compatibility) is stubbed when absent. After loading, the
real modules are back in sys.modules, so only Lucid's own modules hold the proxy.
"""
import contextlib
import importlib
import sys
import types
from typing import Any, Dict, Iterator, Optional


@contextlib.contextmanager
def aliased_modules(aliases: Dict[str, types.ModuleType]) -> Iterator[None]:
    """Within the block, `import NAME` gives aliases[NAME]; the previous entries come back after."""
    missing = object()
    saved = {name: sys.modules.get(name, missing) for name in aliases}
    sys.modules.update(aliases)
    try:
        yield
    finally:
        for name, old in saved.items():
            if old is missing:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = old


class ModuleProxy(types.ModuleType):
    """A module whose attributes come from `target`, with `extra` attributes taking precedence."""

    def __init__(self, name: str, target: Any, extra: Optional[Dict[str, Any]] = None) -> None:
        super().__init__(name)
        self.__dict__.update(extra or {})
        self._target = target

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._target, attr)


def _missing(name: str) -> Any:
    def fail(*args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{name} is not available on TensorFlow 2 (lucid_shim stub)")
    return fail


def rotate(images: Any, angles: Any, interpolation: str = "NEAREST") -> Any:
    """tf.contrib.image.rotate on TF2: rotate [b, h, w, c] images counter-clockwise by `angles`
    (radians, scalar or per image) about their centre, zeros outside (ImageProjectiveTransformV3)."""
    import tensorflow as tf

    images = tf.convert_to_tensor(images)
    shape = tf.shape(images)
    b, h, w = shape[0], tf.cast(shape[1], tf.float32), shape[2]
    wf = tf.cast(w, tf.float32)
    angles = tf.broadcast_to(tf.cast(angles, tf.float32), [b])
    cos, sin = tf.cos(angles), tf.sin(angles)
    # output pixel (x, y) reads input pixel (cos x - sin y + dx, sin x + cos y + dy)
    dx = ((wf - 1) - (cos * (wf - 1) - sin * (h - 1))) / 2
    dy = ((h - 1) - (sin * (wf - 1) + cos * (h - 1))) / 2
    zeros = tf.zeros_like(cos)
    transforms = tf.stack([cos, -sin, dx, sin, cos, dy, zeros, zeros], axis=1)
    return tf.raw_ops.ImageProjectiveTransformV3(
        images=images, transforms=transforms, output_shape=shape[1:3], fill_value=0.0,
        interpolation=interpolation.upper(), fill_mode="CONSTANT")


def contrib_stub() -> types.ModuleType:
    """tf.contrib as far as Lucid names it: image.rotate works (rotate above); the rest fails
    with a clear message if called."""
    contrib = types.ModuleType("tensorflow.contrib")
    for sub in ("slim", "layers", "image", "framework", "graph_editor"):
        mod = types.ModuleType(f"tensorflow.contrib.{sub}")
        mod.__getattr__ = lambda attr, sub=sub: _missing(f"tf.contrib.{sub}.{attr}")  # type: ignore
        setattr(contrib, sub, mod)
    contrib.image.rotate = rotate  # type: ignore[attr-defined]
    return contrib


def future_stub() -> Dict[str, types.ModuleType]:
    """`future` and `future.standard_library.install_aliases` (a no-op on Python 3)."""
    future = types.ModuleType("future")
    standard_library = types.ModuleType("future.standard_library")
    standard_library.install_aliases = lambda: None  # type: ignore[attr-defined]
    future.standard_library = standard_library  # type: ignore[attr-defined]
    return {"future": future, "future.standard_library": standard_library}


def tf1_proxy() -> ModuleProxy:
    """`tensorflow` as Lucid expects it: tf.compat.v1 with v2 behaviour off, plus tf.contrib stubs."""
    import tensorflow as tf

    tf.compat.v1.disable_v2_behavior()
    return ModuleProxy("tensorflow", tf.compat.v1, {"contrib": contrib_stub(), "__version__": tf.__version__})


def import_lucid(path: str, modules=("lucid.optvis.render", "lucid.modelzoo.vision_base")) -> Dict[str, Any]:
    """Import Lucid's `modules` from the folder `path` (a `pip install --target` of lucid==0.3.10)
    through the TF1 proxy; returns {module name: module}."""
    if path not in sys.path:
        sys.path.insert(0, path)
    proxy = tf1_proxy()
    aliases: Dict[str, types.ModuleType] = {"tensorflow": proxy, "tensorflow.contrib": proxy.contrib}
    aliases.update({f"tensorflow.contrib.{k}": v for k, v in vars(proxy.contrib).items()
                    if isinstance(v, types.ModuleType)})
    try:
        importlib.import_module("future.standard_library")
    except ImportError:
        aliases.update(future_stub())
    with aliased_modules(aliases):
        loaded = {name: importlib.import_module(name) for name in modules}
    lucid_file = getattr(sys.modules["lucid"], "__file__", "") or ""
    if not lucid_file.startswith(path):
        raise ImportError(f"imported lucid from {lucid_file}, not from {path}")
    return loaded
