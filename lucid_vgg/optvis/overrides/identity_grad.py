"""Lucid's `identity_grad`: a gradient function that passes the incoming gradient through.

Mapped onto `Relu` (see `linearization_overrides`) it differentiates the network as if its ReLUs
were the identity, i.e. through its linear parts only.
"""
from typing import Any

import tensorflow as tf


def identity_grad(_op: Any, grad: tf.Tensor) -> tf.Tensor:
    """The incoming gradient, unchanged (for single-input ops such as Relu)."""
    return grad
