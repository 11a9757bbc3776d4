"""Dimensionality reduction over the channel axis of activation tensors.

`ChannelReducer` wraps any `sklearn.decomposition` or `sklearn.manifold` estimator so it
can be applied to tensors of any rank: every axis but the last is flattened into samples,
the estimator runs on the resulting 2-D matrix, and the result is reshaped back.
"""
import inspect
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
import sklearn.decomposition
import sklearn.manifold
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

# Estimators that reject negative input; we check first to give a helpful message.
_NON_NEGATIVE_ALGS = ("NMF", "MiniBatchNMF", "LatentDirichletAllocation")


def _algorithm_map() -> dict[str, type[BaseEstimator]]:
    """Name -> class for every sklearn decomposition/manifold estimator taking n_components."""
    algs: dict[str, type[BaseEstimator]] = {}
    for module in (sklearn.decomposition, sklearn.manifold):
        for name in dir(module):
            obj = getattr(module, name)
            if not (isinstance(obj, type) and issubclass(obj, BaseEstimator)):
                continue
            try:
                params = inspect.signature(obj).parameters  # the constructor's
            except (TypeError, ValueError):  # pragma: no cover - exotic builtins
                continue
            if "n_components" in params:
                algs[name] = obj
    return algs


def _check_finite(acts: np.ndarray) -> None:
    """Refuse NaN or infinite activations, naming how many there are and where the first one is."""
    if not np.issubdtype(acts.dtype, np.number):
        return  # sklearn's own conversion reports non-numeric input
    bad = ~np.isfinite(acts)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            "ChannelReducer input holds %d NaN or infinite values (the first, %r, at index %s of "
            "an array of shape %s): check the activations (a render that diverged gives NaN), or "
            "replace them with np.nan_to_num(acts) before reducing."
            % (int(bad.sum()), acts[first].item(), first, tuple(acts.shape)))


class ChannelReducer:
    """Reduce the innermost (channel) axis of an array with an sklearn estimator.

    A port of Lucid's ChannelReducer: NMF by default, any estimator by name, class or
    instance, fitted attributes (e.g. `components_`) forwarded from the estimator.
    """

    def __init__(self, n_components: int = 3,
                 reduction_alg: str | type[BaseEstimator] | BaseEstimator = "NMF",
                 **kwargs: Any) -> None:
        """Build the estimator; `kwargs` (e.g. `random_state=0`) go to its constructor."""
        if isinstance(n_components, bool) or not isinstance(n_components, (int, np.integer)):
            raise ValueError("n_components must be an int, not %r." % (n_components,))
        if n_components < 1:
            raise ValueError("n_components must be at least 1, got %d." % n_components)
        n_components = int(n_components)

        if isinstance(reduction_alg, str):
            algs = _algorithm_map()
            if reduction_alg not in algs:
                raise ValueError(
                    "Unknown dimensionality reduction method %r. Valid names: %s."
                    % (reduction_alg, ", ".join(sorted(algs))))
            reduction_alg = algs[reduction_alg]

        if isinstance(reduction_alg, type):
            reducer = reduction_alg(n_components=n_components, **kwargs)
        elif hasattr(reduction_alg, "fit") and hasattr(reduction_alg, "get_params"):
            # An estimator instance is used as given; only an unset n_components is filled.
            reducer = reduction_alg
            if kwargs:
                reducer.set_params(**kwargs)
            params = reducer.get_params(deep=False)
            if "n_components" in params:
                if params["n_components"] is None:
                    reducer.set_params(n_components=n_components)
                n_components = reducer.get_params(deep=False)["n_components"]
        else:
            raise TypeError(
                "reduction_alg must be an sklearn algorithm name, class or instance, not %r."
                % (reduction_alg,))

        self.n_components = n_components
        self._reducer = reducer
        self._is_fit = False

    # -- helpers -----------------------------------------------------------------------

    @classmethod
    def _apply_flat(cls, f: Callable[[np.ndarray], Any], acts: npt.ArrayLike) -> Any:
        """Apply `f` to `acts` flattened to [samples, channels]; reshape array results back."""
        acts = np.asarray(acts)
        if acts.ndim < 1:
            raise ValueError("ChannelReducer needs an array with a channel axis, got a scalar.")
        orig_shape = acts.shape
        new_flat = f(acts.reshape([-1, orig_shape[-1]]))
        if not isinstance(new_flat, np.ndarray):
            return new_flat
        return new_flat.reshape(list(orig_shape[:-1]) + [-1])

    def _alg_name(self) -> str:
        return type(self._reducer).__name__

    def _check_input(self, acts: npt.ArrayLike, fitting: bool) -> np.ndarray:
        """Turn `acts` into a numpy array and raise clear errors for inputs sklearn would reject."""
        acts = np.asarray(acts)
        if acts.ndim < 1:
            raise ValueError("ChannelReducer needs an array with a channel axis, got a scalar.")
        n_channels = acts.shape[-1]
        if fitting:
            self._check_fit_shape(acts)
        else:
            self._check_fitted(n_channels, acts.shape)
        _check_finite(acts)
        if self._alg_name() in _NON_NEGATIVE_ALGS and acts.size:
            lowest = float(np.min(acts))
            if lowest < 0:
                raise ValueError(
                    "%s needs non-negative input, but the minimum value is %g. Use activations "
                    "taken after a ReLU (e.g. 'conv4_1/conv4_1'), clip them with "
                    "np.maximum(acts, 0), or choose an algorithm that accepts negative values "
                    "such as reduction_alg='PCA' or 'FastICA'." % (self._alg_name(), lowest))
        return acts

    def _check_fit_shape(self, acts: np.ndarray) -> None:
        """Refuse fewer than 2 samples, or more components than channels, before fitting."""
        n_channels = acts.shape[-1]
        n_samples = acts.size // n_channels if n_channels else 0
        if n_samples < 2:
            raise ValueError(
                "ChannelReducer needs at least 2 samples (positions x images) to fit, but an "
                "array of shape %s has %d sample(s): fit on the activations of a whole image, "
                "e.g. of shape [h, w, channels], not of a single position."
                % (tuple(acts.shape), n_samples))
        if isinstance(self.n_components, int) and self.n_components > n_channels:
            raise ValueError(
                "n_components=%d is larger than the number of channels (%d, the last axis of "
                "an array of shape %s); choose n_components <= %d."
                % (self.n_components, n_channels, tuple(acts.shape), n_channels))

    def _check_fitted(self, n_channels: int, shape: tuple[int, ...]) -> None:
        """Refuse `transform` before fitting, or on another number of channels than fitted."""
        try:
            check_is_fitted(self._reducer)
        except NotFittedError:
            raise NotFittedError(
                "This ChannelReducer (%s) is not fitted yet: call fit(acts) or fit_transform(acts) "
                "before transform(acts)." % self._alg_name()) from None
        fitted = getattr(self._reducer, "n_features_in_", None)
        if fitted is not None and fitted != n_channels:
            raise ValueError(
                "ChannelReducer was fitted on %d channels but transform got %d (the last axis of "
                "an array of shape %s): transform activations of the layer it was fitted on, or "
                "fit a new reducer." % (fitted, n_channels, tuple(shape)))

    def _run(self, method: Callable[[np.ndarray], Any], acts: np.ndarray) -> Any:
        """Apply an estimator method to `acts`, our sentence first if scikit-learn refuses them."""
        try:
            return ChannelReducer._apply_flat(method, acts)
        except (ValueError, TypeError) as err:
            n_channels = acts.shape[-1]
            raise ValueError(
                "%s could not reduce %d samples x %d channels (an array of shape %s) to "
                "n_components=%s: %s. Use more samples (positions x images), fewer components, "
                "or another reduction_alg." % (self._alg_name(), acts.size // max(n_channels, 1),
                                               n_channels, tuple(acts.shape), self.n_components,
                                               str(err).rstrip("."))) from err

    # -- sklearn-style API ---------------------------------------------------------------

    def fit(self, acts: npt.ArrayLike) -> "ChannelReducer":
        """Fit the estimator on `acts` ([..., channels]) and return this reducer."""
        acts = self._check_input(acts, fitting=True)
        self._run(self._reducer.fit, acts)
        self._is_fit = True
        return self

    def fit_transform(self, acts: npt.ArrayLike) -> np.ndarray:
        """Fit on `acts` and return them reduced to shape [..., n_components]."""
        acts = self._check_input(acts, fitting=True)
        out = self._run(self._reducer.fit_transform, acts)
        self._is_fit = True
        return out

    def transform(self, acts: npt.ArrayLike) -> np.ndarray:
        """Project `acts` with the already-fitted estimator; shape [..., n_components]."""
        if not hasattr(self._reducer, "transform"):
            raise AttributeError(
                "%s cannot transform new data (it has no transform method); use fit_transform "
                "on all the data at once." % self._alg_name())
        acts = self._check_input(acts, fitting=False)
        return self._run(self._reducer.transform, acts)

    def __call__(self, acts: npt.ArrayLike) -> np.ndarray:
        """Lucid's shorthand: fit_transform the first time, transform once fitted."""
        if self._is_fit:
            return self.transform(acts)
        return self.fit_transform(acts)

    # -- attribute forwarding ------------------------------------------------------------

    def __getattr__(self, name: str) -> Any:
        """Forward unknown attributes to the estimator: `components_`, or Lucid's `components`."""
        # Only reached when normal lookup fails; guard against recursion before __init__ ran.
        if name.startswith("__") or "_reducer" not in self.__dict__:
            raise AttributeError(name)
        reducer = self.__dict__["_reducer"]
        for candidate in (name, name + "_"):
            if not candidate.startswith("_") and hasattr(reducer, candidate):
                return getattr(reducer, candidate)
        raise AttributeError(
            "'ChannelReducer' object has no attribute %r, and its %s estimator has neither %r "
            "nor %r (fitted attributes exist only after fit)."
            % (name, self._alg_name(), name, name + "_"))

    def __dir__(self) -> list[str]:
        """List own attributes plus the estimator's public fitted ones, with and without '_'."""
        fitted = [n for n in dir(self._reducer)
                  if n.endswith("_") and not n.startswith("_") and hasattr(self._reducer, n)]
        names = set(super().__dir__()) | set(fitted) | {n[:-1] for n in fitted}
        return sorted(names)

    def __repr__(self) -> str:
        return "ChannelReducer(%r)" % (self._reducer,)
