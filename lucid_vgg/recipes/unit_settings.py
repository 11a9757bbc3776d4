"""Render settings as plain JSON for the manifest: transforms and optimizers described by value.

A resumed job may reuse a unit only when the settings are equal, so each setting must have the
same description in every process. Transforms are closures (`jitter(8)` is `jitter.<locals>.
inner` over d=8): they are described by their maker's name and closed-over values. What cannot
be described that way gets a one-off description, so its units are rendered again, never reused.
"""
import dataclasses
import uuid
from typing import Any, Dict, Optional

import numpy as np

_SIMPLE = (bool, int, float, str, type(None))


def _value(value: Any, depth: int) -> Any:
    if isinstance(value, _SIMPLE):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)) and len(value) <= 64:
        return [_value(v, depth) for v in value]
    if isinstance(value, dict) and len(value) <= 64:  # e.g. a learning-rate schedule's config
        return {str(k): _value(v, depth) for k, v in value.items()}
    if isinstance(value, np.ndarray) and value.size <= 64:
        return value.tolist()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {"class": type(value).__name__,
                **{f.name: _value(getattr(value, f.name), depth) for f in dataclasses.fields(value)}}
    if callable(value):
        return describe_callable(value, depth + 1)
    raise TypeError(type(value).__name__)


def describe_callable(fn: Any, depth: int = 0) -> Dict[str, Any]:
    """{"fn": maker or function name, "args": {closed-over name: value}}; TypeError when a
    value is not plain data (an object, a large array, recursion deeper than 8)."""
    if depth > 8:
        raise TypeError("too deep")
    code = getattr(fn, "__code__", None)
    qualname = getattr(fn, "__qualname__", None)
    if code is None or qualname is None:
        raise TypeError(type(fn).__name__)
    name = f"{getattr(fn, '__module__', '')}.{qualname.replace('.<locals>.inner', '')}"
    cells = getattr(fn, "__closure__", None) or ()
    args = {var: _value(cell.cell_contents, depth) for var, cell in zip(code.co_freevars, cells)}
    return {"fn": name, "args": args}


def describe_transforms(transforms: Any) -> Any:
    """"standard" for None (Lucid's standard_transforms), else a list of transform descriptions;
    an undescribable transform makes the whole value unique to this call."""
    if transforms is None:
        return "standard"
    try:
        return [describe_callable(t) for t in transforms]
    except TypeError:
        return f"undescribed-{uuid.uuid4().hex}"


def describe_optimizer(optimizer: Any) -> Any:
    """"default" for None (Adam, learning rate 0.05, as Lucid), a Keras optimizer's class and
    config, a callable's description, or a one-off value when none of these applies."""
    if optimizer is None:
        return "default"
    config = _optimizer_config(optimizer)
    if config is not None:
        return {"class": type(optimizer).__name__, "config": config}
    try:
        described = describe_callable(optimizer)
    except TypeError:
        return f"undescribed-{uuid.uuid4().hex}"
    try:  # a function making the optimizer (render calls it so): also what it makes
        made = optimizer()
    except Exception:  # pylint: disable=broad-except
        return described
    config = _optimizer_config(made)
    return described if config is None else {**described, "config": config}


def _optimizer_config(optimizer: Any) -> Optional[Dict[str, Any]]:
    """A Keras optimizer's config as plain data (its name left out); None when there is none."""
    config = getattr(optimizer, "get_config", None)
    if not callable(config):
        return None
    try:
        return {k: _value(v, 0) for k, v in config().items() if k != "name"}
    except (TypeError, ValueError):
        return None


def reusable(settings: Dict[str, Any]) -> bool:
    """False when some setting could not be described (its units are never reused)."""
    return not any(isinstance(v, str) and v.startswith("undescribed-") for v in settings.values())


def steps_value(steps: Any) -> Any:
    """An int, or the list of thresholds (whose last one is kept)."""
    from lucid_vgg.recipes._common import thresholds_of

    ts = thresholds_of(steps)
    return ts[0] if len(ts) == 1 and isinstance(steps, (int, np.integer)) else list(ts)


def seed_value(seed: Optional[int]) -> Optional[int]:
    return None if seed is None else int(seed)
