"""Lucid's older path `lucid.misc.gradient_override`: the same objects as `optvis.overrides.gradient_override`."""
from lucid_vgg.optvis.overrides.gradient_override import (gradient_override_map,  # noqa: F401
                                                          register_to_random_name, use_gradient)

__all__ = ["gradient_override_map", "register_to_random_name", "use_gradient"]
