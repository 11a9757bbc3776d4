"""Lucid's model factory: `models_map` (name -> zoo class) and `get_model(name)` (an instance).

The map holds every model class exported by modelzoo.vision_models (not the base classes), so a
zoo entry added there is found here by its class name, as in Lucid.
"""
import difflib
import inspect
from typing import Dict, Type

from modelzoo import vision_base, vision_models
from modelzoo.vision_base import Model


def _generate_models_map() -> Dict[str, Type[Model]]:
    """{class name: class} for the Model subclasses in vision_models, base classes left out."""
    bases = {obj for _, obj in inspect.getmembers(vision_base, inspect.isclass)}
    return {name: obj for name, obj in inspect.getmembers(vision_models, inspect.isclass)
            if issubclass(obj, Model) and obj not in bases}


models_map: Dict[str, Type[Model]] = _generate_models_map()


def get_model(name: str) -> Model:
    """An instance of the zoo model called `name` (its class name, e.g. "VGG16_caffe").

    ValueError for an unknown name, listing the close matches and every known name.
    """
    if name not in models_map:
        known = sorted(models_map)
        close = [k for k in known if str(name).lower() in k.lower()]
        close += [k for k in difflib.get_close_matches(str(name), known, n=3, cutoff=0.5) if k not in close]
        hint = f" Did you mean one of {', '.join(close)}?" if close else ""
        raise ValueError(f"No network named {name!r}.{hint} Known networks: {', '.join(known)}.")
    return models_map[name]()
