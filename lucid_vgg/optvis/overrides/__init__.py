"""Gradient overrides used while rendering (redirected ReLU)."""
from lucid_vgg.optvis.overrides.redirected_relu import (  # noqa: F401
    gradient_override_map,
    redirected_relu6_grad,
    redirected_relu_grad,
    redirected_relu_override,
)

__all__ = ["gradient_override_map", "redirected_relu_grad", "redirected_relu6_grad",
           "redirected_relu_override"]
