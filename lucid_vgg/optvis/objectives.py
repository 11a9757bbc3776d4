"""Objectives: what a visualisation maximises.

An objective is a function `T -> tensor` wrapped in `Objective`, where `T(name)` returns the
tensor of a layer (`"conv4_1/conv4_1"`), the image being optimised (`"input"`) or the model's
labels (`"labels"`). Objectives are declared outside the optimisation and evaluated inside the
traced render step, so every function here only builds TensorFlow ops.

Objectives compose with ordinary arithmetic:

    obj = objectives.channel("conv4_1/conv4_1", 12) - 1e-3 * objectives.total_variation()
    obj = 0.2 * channel("conv4_1/conv4_1", 20) + 0.8 * channel("conv4_1/conv4_1", 21)

Batch semantics follow Lucid: with `batch=None` an objective averages (or sums) over the whole
batch; with an integer `batch=b` it only looks at batch entry `b` (sliced as `t[b:b+1]`), which
lets one render several objectives at once, one per image of a batch. Some objectives return a
vector (e.g. `total_variation`: one value per image); the render step maximises its sum.
"""
import functools
import inspect
import numbers
from typing import Any, Callable, Iterable, Optional, ParamSpec, Sequence, Union, overload

import numpy as np
import tensorflow as tf
from numpy.typing import ArrayLike

from lucid_vgg.optvis.objectives_util import (TensorAccessor, _dot, _dot_cossim,  # noqa: F401
                                              _extract_act_pos, _make_arg_str, _T_force_NHWC,
                                              _T_handle_batch, _tf_blur, check_channel, check_vec,
                                              dim, static_batch)

__all__ = [
    "Objective", "wrap_objective", "handle_batch", "as_objective",
    "neuron", "channel", "direction", "direction_cossim", "direction_neuron", "tensor_direction",
    "deepdream", "total_variation", "L1", "L2", "blur_input_each_step", "blur_alpha_each_step",
    "channel_interpolate", "penalize_boundary_complexity", "alignment", "diversity",
    "input_diff", "class_logit",
]

# T is Lucid's name for the tensor accessor; keep it.
# pylint: disable=invalid-name

ObjectiveFunc = Callable[[TensorAccessor], Any]
"""An objective's body: T -> a float tensor (a scalar, or one value per batch entry)."""
ObjectiveLike = Union["Objective", str, ObjectiveFunc]
"""What `as_objective` (and render_vis' `objective_f`) accepts."""
_P = ParamSpec("_P")


def _is_number(x: Any) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, (np.ndarray,))


def _operand(other: Any, op: str) -> Any:
    """Return `other` as a number or an objective-like callable, else raise TypeError."""
    if _is_number(other):
        return other
    if isinstance(other, Objective):
        return other
    if callable(other) and not isinstance(other, type):
        return Objective(other, name=getattr(other, "__name__", "objective"),
                         description=getattr(other, "__name__", repr(other)))
    raise TypeError(f"unsupported operand type(s) for {op}: 'Objective' and "
                    f"'{type(other).__name__}' (objectives combine with numbers and other "
                    "objectives)")


class Objective:
    """A function `T -> tensor` that composes with `+`, `-`, `*`, `/` and `Objective.sum`.

    `name` is a short identifier (comma-joined for sums), `description` a readable formula
    (`"Sum(Channel [...] +\\nTotal_Variation [...])"`), both as in Lucid. Scaling by a number keeps
    the name and description of the scaled objective.
    """

    __array_ufunc__ = None  # make NumPy scalars defer to Objective's operators

    def __init__(self, objective_func: ObjectiveFunc, name: str = "", description: str = "") -> None:
        self.objective_func = objective_func
        self.name = name
        self.description = description

    def __call__(self, T: TensorAccessor) -> Any:
        return self.objective_func(T)

    # -- algebra --------------------------------------------------------------------------
    def __add__(self, other: Any) -> "Objective":
        other = _operand(other, "+")
        if _is_number(other):
            return Objective(lambda T: other + self(T), self.name, self.description)
        return Objective(lambda T: self(T) + other(T),
                         name=", ".join([self.name, other.name]),
                         description="Sum(" + " +\n".join([self.description, other.description]) + ")")

    def __radd__(self, other: Any) -> "Objective":
        # makes the builtin sum([obj1, obj2]) work (it starts from 0)
        return self.__add__(other)

    def __neg__(self) -> "Objective":
        return -1 * self

    def __sub__(self, other: Any) -> "Objective":
        other = _operand(other, "-")
        return self + (-1 * other)

    def __rsub__(self, other: Any) -> "Objective":
        other = _operand(other, "-")
        return (-1 * self) + other

    def __mul__(self, other: Any) -> "Objective":
        other = _operand(other, "*")
        if _is_number(other) and other == 0:
            # 0 * obj has gradient 0, not None: cut the path so the render's "does not depend on
            # the image" check sees it as the constant it is (the value stays 0 * obj)
            return Objective(lambda T: other * tf.stop_gradient(self(T)), self.name,
                             self.description)
        if _is_number(other):
            return Objective(lambda T: other * self(T), self.name, self.description)
        return Objective(lambda T: self(T) * other(T), self.name, self.description)

    def __rmul__(self, other: Any) -> "Objective":
        return self.__mul__(other)

    def __truediv__(self, other: Any) -> "Objective":
        other = _operand(other, "/")
        if _is_number(other):
            if other == 0:
                raise ZeroDivisionError("objective divided by zero")
            return Objective(lambda T: self(T) / other, self.name, self.description)
        return Objective(lambda T: self(T) / other(T), self.name, self.description)

    def __rtruediv__(self, other: Any) -> "Objective":
        other = _operand(other, "/")
        if _is_number(other):
            return Objective(lambda T: other / self(T), self.name, self.description)
        return other.__truediv__(self)

    @staticmethod
    def sum(objs: Iterable[ObjectiveLike]) -> "Objective":
        """Sum a list of objectives into one (name and description list every term)."""
        terms = [as_objective(o) for o in objs]
        return Objective(lambda T: sum(obj(T) for obj in terms),
                         name=", ".join(obj.name for obj in terms),
                         description="Sum(" + " +\n".join(obj.description for obj in terms) + ")")

    def __repr__(self) -> str:
        return f"Objective({self.description or self.name or '?'})"

    def __str__(self) -> str:
        return self.description


# -- decorator ----------------------------------------------------------------------------
def handle_batch(batch: Optional[int] = None) -> Callable[[ObjectiveFunc], ObjectiveFunc]:
    """Decorator for an objective's inner function: apply Lucid's `batch=` semantics to T."""
    return lambda f: lambda T: f(_T_handle_batch(T, batch=batch))


@overload
def wrap_objective(require_format: Callable[_P, ObjectiveFunc]) -> Callable[_P, Objective]: ...


@overload
def wrap_objective(require_format: Optional[str] = None, handle_batch: bool = False
                   ) -> Callable[[Callable[_P, ObjectiveFunc]], Callable[_P, Objective]]: ...


def wrap_objective(require_format: Any = None, handle_batch: bool = False) -> Any:  # pylint: disable=redefined-outer-name
    """Turn a closure factory `(args) -> (T -> tensor)` into an Objective factory.

    Use as `@wrap_objective()` (Lucid >= 0.3.9) or bare `@wrap_objective` (older Lucid). The
    objective's name is the function name, its description the title-cased name followed by
    the bound arguments (defaults included), e.g. `"Channel [conv1_1/conv1_1, 3, None]"`.
    `require_format="NHWC"` presents dense [N, C] layers as [N, 1, 1, C].
    """
    if callable(require_format):  # bare @wrap_objective
        return wrap_objective()(require_format)

    def decorate(f):
        sig = inspect.signature(f)

        @functools.wraps(f)
        def factory(*args, **kwargs):
            bound = sig.bind(*args, **kwargs)
            bound.apply_defaults()
            objective_func = f(*bound.args, **bound.kwargs)
            args_str = " [" + ", ".join(_make_arg_str(a) for a in bound.args) + "]"
            description = f.__name__.title() + args_str
            if require_format == "NHWC":
                func = lambda T: objective_func(_T_force_NHWC(T))  # noqa: E731
            else:
                func = objective_func
            return Objective(func, f.__name__, description)

        return factory

    return decorate


# -- objectives ---------------------------------------------------------------------------
@wrap_objective(require_format="NHWC")
def neuron(layer_name: str, channel_n: int, x: Optional[int] = None, y: Optional[int] = None,
           batch: Optional[int] = None) -> ObjectiveFunc:
    """One neuron: channel `channel_n` at position (x, y), default the centre.

    For even sizes the centre is the bottom-right of the central 2x2. Averaged over the batch.
    """
    @handle_batch(batch)
    def inner(T):
        layer = T(layer_name)
        check_channel(layer, layer_name, channel_n)
        layer = _extract_act_pos(layer, x, y)
        return tf.reduce_mean(layer[..., channel_n])
    return inner


@wrap_objective(require_format="NHWC")
def channel(layer: str, n_channel: int, batch: Optional[int] = None) -> ObjectiveFunc:
    """Mean activation of one channel over positions (and the batch, unless `batch` is set)."""
    @handle_batch(batch)
    def inner(T):
        t = T(layer)
        check_channel(t, layer, n_channel)
        return tf.reduce_mean(t[..., n_channel])
    return inner


@wrap_objective(require_format="NHWC")
def direction(layer: str, vec: ArrayLike, cossim_pow: float = 0,
              batch: Optional[int] = None) -> ObjectiveFunc:
    """Mean dot product of the activations with direction `vec` (one entry per channel)."""
    vec = np.asarray(vec, np.float32)[None, None, None]

    @handle_batch(batch)
    def inner(T):
        t = T(layer)
        check_vec(t, layer, vec)
        return _dot_cossim(t, vec, cossim_pow=cossim_pow)
    return inner


direction_cossim = direction


@wrap_objective(require_format="NHWC")
def direction_neuron(layer_name: str, vec: ArrayLike, x: Optional[int] = None,
                     y: Optional[int] = None, cossim_pow: float = 0,
                     batch: Optional[int] = None) -> ObjectiveFunc:
    """Like `direction`, at a single (x, y) position (default the centre)."""
    vec = np.asarray(vec, np.float32)

    @handle_batch(batch)
    def inner(T):
        layer = T(layer_name)
        check_vec(layer, layer_name, vec)
        layer = _extract_act_pos(layer, x, y)
        return _dot_cossim(layer, vec[None, None, None], cossim_pow=cossim_pow)
    return inner


@wrap_objective(require_format="NHWC")
def tensor_direction(layer: str, vec: ArrayLike, cossim_pow: float = 0,
                     batch: Optional[int] = None) -> ObjectiveFunc:
    """Match a whole activation patch `vec` ([h, w, c] or [n, h, w, c]) at the layer's centre."""
    vec = np.asarray(vec, np.float32)
    if vec.ndim not in (3, 4):
        raise ValueError(f"tensor_direction needs vec of rank 3 [h, w, c] or 4 [n, h, w, c], "
                         f"got shape {vec.shape}")
    if vec.ndim == 3:
        vec = vec[None]

    @handle_batch(batch)
    def inner(T):
        t_acts = T(layer)
        check_vec(t_acts, layer, vec)
        t_shp = tf.shape(t_acts)
        v_shp = vec.shape
        M1 = (t_shp[1] - v_shp[1]) // 2
        M2 = (t_shp[2] - v_shp[2]) // 2
        t_acts_ = t_acts[:, M1:M1 + v_shp[1], M2:M2 + v_shp[2], :]
        return _dot_cossim(t_acts_, vec, cossim_pow=cossim_pow)
    return inner


@wrap_objective()
def deepdream(layer: str) -> ObjectiveFunc:
    """Maximise 'interestingness': the mean squared activation (Mordvintsev et al., 2015)."""
    return lambda T: tf.reduce_mean(T(layer) ** 2)


@wrap_objective()
def total_variation(layer: str = "input") -> ObjectiveFunc:
    """Total variation of the image (or a layer), one value per batch entry; use as a penalty."""
    return lambda T: tf.image.total_variation(T(layer))


@wrap_objective()
def L1(layer: str = "input", constant: Any = 0, batch: Optional[int] = None) -> ObjectiveFunc:
    """Sum of |T(layer) - constant|; generally a penalty."""
    return handle_batch(batch)(lambda T: tf.reduce_sum(tf.abs(T(layer) - constant)))


@wrap_objective()
def L2(layer: str = "input", constant: Any = 0, epsilon: float = 1e-6,
       batch: Optional[int] = None) -> ObjectiveFunc:
    """sqrt(epsilon + sum((T(layer) - constant)**2)); generally a penalty."""
    return handle_batch(batch)(
        lambda T: tf.sqrt(epsilon + tf.reduce_sum((T(layer) - constant) ** 2)))


@wrap_objective()
def blur_input_each_step() -> ObjectiveFunc:
    """0.5 * ||input - stop_gradient(blur(input))||^2.

    Optimising `-k * blur_input_each_step()` moves the input towards
    `(1 - k) * input + k * blur(input)` each step (Nguyen et al., 2015).
    """
    def inner(T):
        t_input = T("input")
        t_input_blurred = tf.stop_gradient(_tf_blur(t_input))
        return 0.5 * tf.reduce_sum((t_input - t_input_blurred) ** 2)
    return inner


@wrap_objective()
def blur_alpha_each_step() -> ObjectiveFunc:
    """`blur_input_each_step` for the alpha channel (channel 3) of an RGBA input."""
    def inner(T):
        depth = dim(T("input"), -1)
        if depth is not None and depth < 4:
            raise ValueError("blur_alpha_each_step needs an RGBA image with an alpha channel, e.g. "
                             f"param.image(size, alpha=True); the image has shape {T('input').shape}")
        t_input = T("input")[..., 3:4]
        t_input_blurred = tf.stop_gradient(_tf_blur(t_input))
        return 0.5 * tf.reduce_sum((t_input - t_input_blurred) ** 2)
    return inner


@wrap_objective()
def channel_interpolate(layer1: str, n_channel1: int, layer2: str,
                        n_channel2: int) -> ObjectiveFunc:
    """Interpolate across the batch from (layer1, n_channel1) at entry 0 to (layer2, n_channel2)
    at the last entry: entry n weighs them (1 - n/(N-1)) and n/(N-1)."""
    def inner(T):
        t1, t2 = T(layer1), T(layer2)
        check_channel(t1, layer1, n_channel1)
        check_channel(t2, layer2, n_channel2)
        batch_n = static_batch(t1, layer1, "channel_interpolate")
        if batch_n < 2:
            raise ValueError(f"channel_interpolate needs a batch of at least 2 images, got {batch_n}")
        arr1 = t1[..., n_channel1]
        arr2 = t2[..., n_channel2]
        weights = np.arange(batch_n) / float(batch_n - 1)
        S = 0
        for n in range(batch_n):
            S += (1 - weights[n]) * tf.reduce_mean(arr1[n])
            S += weights[n] * tf.reduce_mean(arr2[n])
        return S
    return inner


@wrap_objective()
def penalize_boundary_complexity(shp: Sequence[int], w: int = 20, mask: Optional[ArrayLike] = None,
                                 C: float = 0.5) -> ObjectiveFunc:
    """Penalise variation and distance from colour C in a border of width w (or in `mask`).

    `shp` is the shape of T("input"). Returns minus the penalty, so maximise it as is.
    """
    def inner(T):
        arr = T("input")
        if mask is None:
            mask_ = np.ones(shp, np.float32)
            mask_[:, w:-w, w:-w] = 0
        else:
            mask_ = np.asarray(mask, np.float32)
        if not arr.shape.is_compatible_with(mask_.shape):
            raise ValueError(f"penalize_boundary_complexity: shp/mask shape {mask_.shape} does not "
                             f"match the image shape {arr.shape}; pass shp=the image's "
                             "[batch, h, w, channels]")
        blur = _tf_blur(arr, w=5)
        diffs = (blur - arr) ** 2
        diffs += 0.8 * (arr - C) ** 2
        return -tf.reduce_sum(diffs * mask_)
    return inner


@wrap_objective()
def alignment(layer: str, decay_ratio: float = 2) -> ObjectiveFunc:
    """Encourage neighbouring batch entries to look alike at `layer`.

    Minus the sum over distances d = 1..4 of mean((a_i - a_{i+d})**2) / decay_ratio**d.
    """
    def inner(T):
        arr = T(layer)
        batch_n = static_batch(arr, layer, "alignment")
        accum = 0
        for d in [1, 2, 3, 4]:
            for i in range(batch_n - d):
                a, b = i, i + d
                arr1, arr2 = arr[a], arr[b]
                accum += tf.reduce_mean((arr1 - arr2) ** 2) / decay_ratio ** float(d)
        return -accum
    return inner


@wrap_objective()
def diversity(layer: str) -> ObjectiveFunc:
    """Similarity between the batch entries' normalised Gram matrices at `layer`.

    Positive and larger when images are alike: use `-k * diversity(layer)` to make a batch
    of visualisations differ from each other.
    """
    def inner(T):
        layer_t = T(layer)
        batch_n = static_batch(layer_t, layer, "diversity")
        channels = dim(layer_t, -1)
        flattened = tf.reshape(layer_t, [batch_n, -1, channels])
        grams = tf.matmul(flattened, flattened, transpose_a=True)
        grams = tf.nn.l2_normalize(grams, axis=[1, 2], epsilon=1e-10)
        return sum([sum([tf.reduce_sum(grams[i] * grams[j])
                         for j in range(batch_n) if j != i])
                    for i in range(batch_n)]) / batch_n
    return inner


@wrap_objective()
def input_diff(orig_img: ArrayLike) -> ObjectiveFunc:
    """Root-mean-square difference between the image and `orig_img` (a penalty, usually)."""
    orig = np.asarray(orig_img, np.float32)

    def inner(T):
        t_input = T("input")
        try:
            np.broadcast_shapes(tuple(1 if s is None else s for s in t_input.shape.as_list()), orig.shape)
        except ValueError:
            raise ValueError(f"input_diff: orig_img has shape {orig.shape}, which does not match "
                             f"the image shape {t_input.shape}; resize it to the rendered size") from None
        diff = t_input - orig
        return tf.sqrt(tf.reduce_mean(diff ** 2))
    return inner


@wrap_objective()
def class_logit(layer: str, label: Union[int, str], batch: Optional[int] = None) -> ObjectiveFunc:
    """Sum over the batch of `T(layer)[:, label]`; `label` is an index or a name in model.labels."""
    @handle_batch(batch)
    def inner(T):
        if isinstance(label, (int, np.integer)):
            class_n = label
        else:
            labels = T("labels")
            try:
                class_n = list(labels).index(label)
            except ValueError:
                raise ValueError(f"label {label!r} is not one of the model's labels") from None
        logits = T(layer)
        check_channel(logits, layer, class_n)
        return tf.reduce_sum(logits[:, class_n])
    return inner


def as_objective(obj: ObjectiveLike) -> Objective:
    """An Objective from an Objective (unchanged), a callable `T -> tensor`, or `"layer:n"`.

    `"conv4_1/conv4_1:12"` becomes `channel("conv4_1/conv4_1", 12)`; the last colon separates
    the channel, so the layer name itself may contain colons.
    """
    if isinstance(obj, Objective):
        return obj
    if isinstance(obj, str):
        layer, sep, n_text = obj.rpartition(":")
        layer = layer.strip()
        try:
            n: Optional[int] = int(n_text.strip())
        except ValueError:
            n = None
        if not sep or not layer or n is None:
            raise ValueError(f"objective string {obj!r} must look like 'layer:channel', "
                             "e.g. 'conv4_1/conv4_1:12'")
        return channel(layer, n)
    if callable(obj) and not isinstance(obj, type):
        name = getattr(obj, "__name__", type(obj).__name__)
        return Objective(obj, name=name, description=name)
    raise TypeError(f"an objective must be an Objective, a callable T -> tensor or a "
                    f"'layer:channel' string; got {type(obj).__name__}: {obj!r}")
