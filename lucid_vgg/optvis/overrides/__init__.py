"""Gradient overrides (Lucid's `optvis.overrides`): redirected ReLU, identity, smoothed max-pool.

Each `*_overrides()` is a context manager; graph ops created inside it (the imported model)
differentiate with the mapped gradient functions:

    with overrides.relu_overrides():                  # inside a tf.function, or a v1 graph
        T = render.import_model(model, t_image, t_image)
    with overrides.gradient_override_map(overrides.pooling_overrides_map): ...
    with overrides.gradient_override_map({"MaxPool": overrides.avg_smoothed_maxpool_grad}): ...

The render step uses `redirected_relu_override(step)`, which keys the redirection on its own
step counter; Lucid's `redirected_relu_grad` keys it on the graph's global step.
"""
from contextlib import AbstractContextManager

from lucid_vgg.optvis.overrides.gradient_override import (gradient_override_map,
                                                          register_to_random_name, use_gradient)
from lucid_vgg.optvis.overrides.identity_grad import identity_grad
from lucid_vgg.optvis.overrides.redirected_relu import redirected_relu_override
from lucid_vgg.optvis.overrides.redirected_relu_grad import (redirected_relu6_grad,
                                                             redirected_relu_grad)
from lucid_vgg.optvis.overrides.smoothed_maxpool_grad import (avg_smoothed_maxpool_grad,
                                                              l2_smoothed_maxpool_grad,
                                                              make_smoothed_maxpool_grad)

__all__ = [
    "gradient_override_map", "use_gradient", "register_to_random_name", "identity_grad",
    "redirected_relu_grad", "redirected_relu6_grad", "redirected_relu_override",
    "avg_smoothed_maxpool_grad", "l2_smoothed_maxpool_grad", "make_smoothed_maxpool_grad",
    "pooling_overrides_map", "relu_overrides_map", "default_overrides_map",
    "linearization_overrides_map", "relu_overrides", "pooling_overrides", "default_overrides",
    "linearization_overrides",
]

pooling_overrides_map = {"MaxPool": avg_smoothed_maxpool_grad}
relu_overrides_map = {"Relu": redirected_relu_grad, "Relu6": redirected_relu6_grad}
default_overrides_map = {**pooling_overrides_map, **relu_overrides_map}
linearization_overrides_map = {"Relu": identity_grad, **pooling_overrides_map}
"""ReLUs as the identity and max-pools as average pools: the network's linear part (Lucid builds
this map inside `linearization_overrides`)."""


def relu_overrides() -> AbstractContextManager[None]:
    """Redirected ReLU and ReLU6 gradients for ops created inside (while global step <= 16)."""
    return gradient_override_map(relu_overrides_map)


def pooling_overrides() -> AbstractContextManager[None]:
    """Average-smoothed max-pool gradients for ops created inside."""
    return gradient_override_map(pooling_overrides_map)


def default_overrides() -> AbstractContextManager[None]:
    """Both: redirected ReLU/ReLU6 and average-smoothed max-pool gradients."""
    return gradient_override_map(default_overrides_map)


def linearization_overrides() -> AbstractContextManager[None]:
    """Identity ReLU and average-smoothed max-pool gradients: differentiate the linear part."""
    return gradient_override_map(linearization_overrides_map)
