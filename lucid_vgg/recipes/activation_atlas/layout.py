"""2-D layouts of activation vectors for the atlas grid: UMAP (umap-learn, the `atlas` extra)
or, without it, scikit-learn's t-SNE; then outliers clipped and both axes scaled into [0, 1].
"""
import importlib.util
import logging
import warnings
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["normalize_layout", "aligned_umap", "embed_2d", "umap_available"]

log = logging.getLogger(__name__)

#: Lucid's UMAP settings for atlases (cosine distance: directions matter, not magnitudes).
UMAP_DEFAULTS: Dict[str, Any] = dict(n_components=2, n_neighbors=50, min_dist=0.05, metric="cosine")


def umap_available() -> bool:
    """Whether umap-learn is installed (`pip install lucid-vgg[atlas]`)."""
    return importlib.util.find_spec("umap") is not None


def normalize_layout(layout: ArrayLike, min_percentile: float = 1, max_percentile: float = 99,
                     relative_margin: float = 0.1) -> np.ndarray:
    """`layout` [n, d] with each axis clipped to its [min, max] percentiles widened by
    `relative_margin` of their span, then scaled to [0, 1] (an axis without spread maps to 0.5)."""
    points = np.array(layout, dtype=np.float64)
    if points.ndim != 2 or not len(points):
        raise ValueError(f"layout must be a non-empty array [n_points, n_dims], got shape "
                         f"{points.shape}")
    if not 0 <= min_percentile <= max_percentile <= 100:
        raise ValueError(f"need 0 <= min_percentile <= max_percentile <= 100, got "
                         f"{min_percentile} and {max_percentile}")
    lo = np.percentile(points, min_percentile, axis=0)
    hi = np.percentile(points, max_percentile, axis=0)
    span = hi - lo
    lo, hi = lo - relative_margin * span, hi + relative_margin * span
    clipped = np.clip(points, lo, hi)
    clipped -= clipped.min(axis=0)
    top = clipped.max(axis=0)
    flat = top <= 0
    clipped[:, flat] = 0.5
    clipped[:, ~flat] /= top[~flat]
    return clipped


def embed_2d(activations: ArrayLike, method: str = "auto", options: Optional[Mapping[str, Any]] = None,
             verbose: bool = False, seed: Optional[int] = 0) -> np.ndarray:
    """A 2-D embedding [n, 2] of `activations` [n, depth]: `method` "umap", "tsne" or "auto"
    (UMAP when umap-learn is installed, else t-SNE with a one-line notice). `options` go to the
    estimator (UMAP: Lucid's settings by default; t-SNE: cosine metric, perplexity <= n/4)."""
    acts = np.asarray(activations, np.float32)
    if acts.ndim != 2 or len(acts) < 3:
        raise ValueError(f"activations must be an array [n_samples >= 3, depth], got shape "
                         f"{acts.shape}")
    if method not in ("auto", "umap", "tsne"):
        raise ValueError(f"method must be 'auto', 'umap' or 'tsne', got {method!r}")
    if method == "auto":
        method = "umap" if umap_available() else "tsne"
        if method == "tsne":
            log.warning("umap-learn is not installed (pip install lucid-vgg[atlas]); laying out "
                        "the atlas with scikit-learn's t-SNE instead.")
    if method == "umap":
        if not umap_available():
            raise ImportError("method='umap' needs umap-learn: pip install umap-learn (or the "
                              "lucid-vgg 'atlas' extra)")
        UMAP = importlib.import_module("umap").UMAP  # optional, untyped: imported by name

        kwargs = {**UMAP_DEFAULTS, "verbose": verbose, "random_state": seed, **dict(options or {})}
        kwargs["n_neighbors"] = min(int(kwargs["n_neighbors"]), len(acts) - 1)
        try:
            with warnings.catch_warnings():  # a seed makes UMAP single-threaded, and it says so
                warnings.filterwarnings("ignore", message="n_jobs value", category=UserWarning)
                return np.asarray(UMAP(**kwargs).fit_transform(acts))
        except (RecursionError, SystemError) as exc:
            raise ValueError(f"UMAP failed to fit these activations: {exc}") from exc
    from sklearn.manifold import TSNE  # pylint: disable=import-outside-toplevel

    kwargs = {"n_components": 2, "metric": "cosine", "init": "pca", "random_state": seed,
              "perplexity": float(min(30.0, max(1.0, (len(acts) - 1) / 4))),
              "verbose": int(verbose), **dict(options or {})}
    return np.asarray(TSNE(**kwargs).fit_transform(acts))


def aligned_umap(activations: Union[ArrayLike, Sequence[ArrayLike]],
                 umap_options: Optional[Mapping[str, Any]] = None, normalize: bool = True,
                 verbose: bool = False, *, method: str = "auto",
                 seed: Optional[int] = 0) -> Union[np.ndarray, List[np.ndarray]]:
    """One layout [n, 2] of `activations`, or, for a list/tuple of arrays with the same number of
    rows, one joint layout split back into a list (so the layouts are aligned). Normalised to
    [0, 1] with `normalize_layout` unless `normalize=False`. Without umap-learn the layout is
    t-SNE's (see `embed_2d`); `method` forces one."""
    grouped = isinstance(activations, (list, tuple))
    parts: List[Any] = list(activations) if isinstance(activations, (list, tuple)) else [activations]
    groups = [np.asarray(a, np.float32) for a in parts]
    if grouped and len({g.shape for g in groups}) != 1:
        raise ValueError(f"aligned_umap needs activation arrays of one shape, got "
                         f"{[g.shape for g in groups]}")
    layout = embed_2d(np.concatenate(groups), method, umap_options, verbose, seed)
    if normalize:
        layout = normalize_layout(layout)
    return np.split(layout, len(groups)) if grouped else layout
