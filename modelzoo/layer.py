"""A model's layer as Lucid describes it (name, depth, tags, owning model) and the conversion of
Lucid-style layer dicts into Layers; vision_base.Model holds a tuple of them.
"""
from typing import Any, Iterable, Mapping, Optional, Tuple, Union

import numpy as np

from modelzoo.aligned_activations import get_aligned_activations


class Layer:
    """One named layer of a model: its tensor name, channel depth and tags ('conv', 'dense')."""

    def __init__(self, model_class: type, name: str, depth: Optional[int], tags: Iterable[str]) -> None:
        self.model_class = model_class
        self.name = name
        self.depth = depth
        self.tags = set(tags)

    def __getitem__(self, key: str) -> Any:
        """Dict-style access kept from old Lucid code (`layer['name']`)."""
        if key == "type":
            return sorted(self.tags)[0]
        try:
            return getattr(self, key)
        except AttributeError:
            raise KeyError(key) from None

    @property
    def size(self) -> Optional[int]:
        """Lucid's deprecated name of `depth`."""
        return self.depth

    def to_json(self) -> str:
        """The layer's name: how Lucid's JSON encoders write a Layer."""
        return self.name

    @property
    def model_name(self) -> str:
        """The owning model's name (its `modelname`, else its class name), as Lucid's Layer has it."""
        return str(getattr(self.model_class, "modelname", None) or getattr(self.model_class, "__name__", ""))

    @property
    def activations(self) -> np.ndarray:
        """Lucid's aligned ImageNet activations of this layer (a download: aligned_activations)."""
        return get_aligned_activations(self)

    def __repr__(self) -> str:
        owner = getattr(self.model_class, "__name__", self.model_class)
        return f"Layer (belonging to {owner}) <{self.name}: {self.depth}> ({sorted(self.tags)})"


def as_layers(model_class: type, entries: Iterable[Union[Layer, Mapping[str, Any]]]) -> Tuple[Layer, ...]:
    """Turn Lucid-style layer dicts ({'name', 'depth', 'tags'} or legacy 'size'/'type') into Layers."""
    layers = []
    for e in entries:
        if isinstance(e, Layer):
            layers.append(e)
            continue
        depth = e.get("depth", e.get("size"))
        tags = e.get("tags", [e["type"]] if "type" in e else [])
        layers.append(Layer(model_class, e["name"], depth, tags))
    return tuple(layers)
