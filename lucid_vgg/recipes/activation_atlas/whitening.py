"""Second-moment statistics of collected activations: Lucid's whitening matrix and the
translation of activations between two layers (its `aligned_activations` helpers, on arrays).

Lucid computed these from its downloaded per-layer samples (`layer.activations`); here they take
the arrays `collect_activations` returns, row i of both arrays coming from the same place.
"""
from typing import Optional

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["layer_covariance", "layer_inverse_covariance", "whiten", "push_activations"]


def _matrix(activations: ArrayLike, name: str) -> np.ndarray:
    acts = np.asarray(activations, np.float64)
    if acts.ndim != 2 or not acts.shape[0]:
        raise ValueError(f"{name} must be a non-empty array [n_samples, depth], got shape "
                         f"{acts.shape}")
    if not np.all(np.isfinite(acts)):
        raise ValueError(f"{name} holds NaN or inf values")
    return acts


def layer_covariance(activations1: ArrayLike, activations2: Optional[ArrayLike] = None
                     ) -> np.ndarray:
    """`A1.T @ A2 / n` (uncentred, as Lucid): [depth1, depth2]; `activations2` defaults to
    `activations1` (the layer's symmetric second-moment matrix)."""
    a1 = _matrix(activations1, "activations1")
    a2 = a1 if activations2 is None else _matrix(activations2, "activations2")
    if a1.shape[0] != a2.shape[0]:
        raise ValueError(f"activations1 and activations2 must hold the same samples (rows), got "
                         f"{a1.shape[0]} and {a2.shape[0]}")
    return (a1.T @ a2 / float(a1.shape[0])).astype(np.float32)


def layer_inverse_covariance(activations: ArrayLike, ridge: float = 1e-6) -> np.ndarray:
    """The whitening matrix S = inverse of `layer_covariance(activations)`: [depth, depth].

    `ridge` * mean(diagonal) is added to the diagonal first, so channels that never fire (all
    zeros after a ReLU: a singular matrix, where Lucid's `np.linalg.inv` failed) stay finite.
    """
    cov = layer_covariance(activations).astype(np.float64)
    scale = float(np.mean(np.diag(cov))) or 1.0
    return np.linalg.inv(cov + ridge * scale * np.eye(len(cov))).astype(np.float32)


def whiten(activations: ArrayLike) -> np.ndarray:
    """Lucid's atlas-notebook `whiten`: the whitening matrix S of these activations (an alias of
    `layer_inverse_covariance`); directions `v @ S` are what `render_icons(..., S=S)` renders."""
    return layer_inverse_covariance(activations)


def push_activations(activations: ArrayLike, from_activations: ArrayLike,
                     to_activations: ArrayLike) -> np.ndarray:
    """Translate `activations` of one layer into another's space through their aligned samples:
    `activations @ inv(C_from) @ C_from,to` (a least-squares linear map, as Lucid)."""
    acts = _matrix(activations, "activations")
    inverse = layer_inverse_covariance(from_activations)
    if acts.shape[1] != inverse.shape[0]:
        raise ValueError(f"activations have {acts.shape[1]} channels but from_activations "
                         f"{inverse.shape[0]}")
    return (acts @ inverse @ layer_covariance(from_activations, to_activations)).astype(np.float32)
