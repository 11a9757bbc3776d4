"""Lucid's older path `lucid.misc.redirected_relu_grad`: the same objects as `optvis.overrides.redirected_relu_grad`."""
from lucid_vgg.optvis.overrides.redirected_relu_grad import (redirected_relu6_grad,  # noqa: F401
                                                             redirected_relu_grad)

__all__ = ["redirected_relu_grad", "redirected_relu6_grad"]
