"""Lucid's `optvis.style`: Gram-matrix style statistics and losses (Gatys et al., arXiv:1508.06576).

`gram_style(a)` is the channel-by-channel Gram matrix of activations averaged over every other
position; `mean_l1_loss` / `mean_l2_loss` compare two of them. `StyleLoss` holds the targets
(the style image's Gram matrices) in variables and measures how far an image's are from them.

Two ways to use `StyleLoss`:

- Lucid's, on tensors (in a `tf.compat.v1` graph, or eager tensors; it creates variables, so
  build it outside any `tf.function`):
  `sl = StyleLoss([T("conv1_1/conv1_1"), ...])`, then `sl.set_style(feed_dict)` in a session
  (or `sl.set_style([activations, ...])`: the style image's activations, one array per layer)
  and minimise `sl.style_loss`.
- With the port's render, on layer names (or callables `T -> tensor`) read through `T` inside
  the traced step:

      sl = style.StyleLoss(["conv1_1/conv1_1", "conv2_1/conv2_1", "conv3_1/conv3_1"])
      sl.set_style_image(model, style_image)          # RGB in [0, 1]; before rendering
      render.render_vis(model, -sl.objective(), lambda: param.image(128))   # minimise it

  A layer's Gram matrix pools the whole batch (as Lucid's `gram_style` does with what it is
  given); use `lambda T: T(layer)[0]` to style one image of a batch. `set_style_image` refuses a
  style image smaller than a style layer's receptive field (modelzoo.receptive_field), before
  any activation is computed.

With `ema_decay`, the loss compares a moving average of the image's Gram matrices (updated once
per evaluation, shadow starting at zero, like `tf.train.ExponentialMovingAverage` on tensors)
while the gradient still flows through the current ones: for renders that see part of the
image per step.
"""
import numbers
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Optional, Union

import numpy as np
import tensorflow as tf
from numpy.typing import ArrayLike
from tensorflow.python.framework.func_graph import FuncGraph

from lucid_vgg.optvis.objectives import Objective
from modelzoo.receptive_field import ReceptiveFieldError, receptive_field

StyleLayer = Union[tf.Tensor, np.ndarray, str, Callable[[Any], Any]]
"""A style layer: a tensor (Lucid), or a layer name / callable `T -> tensor` (the render)."""

__all__ = ["gram_style", "mean_l1_loss", "mean_l2_loss", "StyleLoss", "StyleLayer",
           "check_style_image_size"]


def gram_style(a: Any) -> tf.Tensor:
    """Gram matrix [c, c] of `a` ([..., c]) over all its other positions, divided by their count."""
    a = tf.convert_to_tensor(a, dtype_hint=tf.float32)
    chn = a.shape[-1] if a.shape.rank else None
    if chn is None:
        raise ValueError("gram_style needs activations whose last (channel) axis has a known size, "
                         f"got shape {a.shape}")
    with tf.name_scope("gram"):
        flat = tf.reshape(a, [-1, int(chn)])
        n = tf.shape(flat)[0]
        gram = tf.matmul(flat, flat, transpose_a=True)
        return gram / tf.cast(n, gram.dtype)


def mean_l1_loss(g1: Any, g2: Any) -> tf.Tensor:
    """Mean absolute difference of two tensors (e.g. Gram matrices)."""
    with tf.name_scope("mean_l1_loss"):
        return tf.reduce_mean(tf.abs(g1 - g2))


def mean_l2_loss(g1: Any, g2: Any) -> tf.Tensor:
    """Root of the mean squared difference of two tensors (e.g. Gram matrices)."""
    with tf.name_scope("mean_l2_loss"):
        return tf.sqrt(tf.reduce_mean(tf.square(g1 - g2)))


def _is_deferred(layer: object) -> bool:
    return isinstance(layer, str) or (callable(layer) and not isinstance(layer, (tf.Tensor, tf.Variable)))


def _check_args(style_layers: object, ema_decay: object, style_func: object,
                loss_func: object) -> list:
    """The style layers as a list, after checking every argument of StyleLoss."""
    if isinstance(style_layers, (str, bytes)) or not isinstance(style_layers, Sequence) \
            or not style_layers:
        raise ValueError("StyleLoss style_layers must be a non-empty list of tensors, layer names "
                         f"or callables T -> tensor, got {style_layers!r}")
    layers = list(style_layers)
    deferred = [_is_deferred(s) for s in layers]
    if any(deferred) and not all(deferred):
        raise ValueError("StyleLoss style_layers mixes tensors with layer names/callables: give "
                         "all tensors (Lucid's graph use) or all names/callables (read through T)")
    if ema_decay is not None and (isinstance(ema_decay, bool) or not isinstance(ema_decay, numbers.Real)
                                  or not 0.0 <= float(ema_decay) <= 1.0):
        raise ValueError(f"StyleLoss ema_decay must be None or a number in [0.0, 1.0], got {ema_decay!r}")
    for name, f in (("style_func", style_func), ("loss_func", loss_func)):
        if not callable(f):
            raise TypeError(f"StyleLoss {name} must be a function of tensors, got "
                            f"{type(f).__name__}: {f!r}")
    return layers


def _foreign_graph() -> bool:
    """True in a plain tf.Graph (not a function trace): eager variables cannot be read there."""
    if tf.executing_eagerly():
        return False
    return not isinstance(tf.compat.v1.get_default_graph(), FuncGraph)


class StyleLoss:
    """Style loss: the distance between an image's style statistics and a style image's.

    `style_layers`: tensors (Lucid), or layer names / callables `T -> tensor` (read through `T`
    in the render). `ema_decay`: None, or in [0, 1] to compare moving averages of the image's
    statistics. `style_func`: layer statistics (Gram matrix); `loss_func`: their distance.
    """

    def __init__(self, style_layers: Sequence[StyleLayer], ema_decay: Optional[float] = None,
                 style_func: Callable[[Any], tf.Tensor] = gram_style,
                 loss_func: Callable[[Any, Any], tf.Tensor] = mean_l1_loss) -> None:
        self.style_layers = _check_args(style_layers, ema_decay, style_func, loss_func)
        self.ema_decay = None if ema_decay is None else float(ema_decay)
        self.style_func, self.loss_func = style_func, loss_func
        self.deferred = _is_deferred(self.style_layers[0])
        self.target_vars: Optional[list[tf.Variable]] = None
        self.ema_vars: Optional[list[tf.Variable]] = None
        self.input_grams: Optional[list[tf.Tensor]] = None
        self.effective_grams: Optional[list[tf.Tensor]] = None
        self._losses: Optional[list[tf.Tensor]] = None
        if not self.deferred:
            self.input_grams = [style_func(s) for s in self.style_layers]
            self._make_variables(self.input_grams)
            self.effective_grams = self._effective(self.input_grams)
            if not tf.executing_eagerly():
                self._losses = self._compare(self.effective_grams)

    # -- building blocks ----------------------------------------------------------------------
    def _make_variables(self, grams: Sequence[Any]) -> None:
        """Target (and moving-average) variables shaped like the Gram matrices, zero at first."""
        shapes = [tf.TensorShape(np.shape(g) if isinstance(g, np.ndarray) else g.shape) for g in grams]
        for s in shapes:
            if not s.is_fully_defined():
                raise ValueError(f"StyleLoss needs style statistics of a known shape, got {s}")
        with tf.init_scope():
            self.target_vars = [tf.Variable(tf.zeros(s), trainable=False, name="style_target")
                                for s in shapes]
            if self.ema_decay is not None:
                self.ema_vars = [tf.Variable(tf.zeros(s), trainable=False, name="style_ema")
                                 for s in shapes]

    def _read(self, v: tf.Variable) -> Any:
        return tf.constant(v.numpy()) if _foreign_graph() and self.deferred else v

    def _effective(self, grams: Sequence[tf.Tensor]) -> list[tf.Tensor]:
        """The grams, or (ema_decay) their moving averages with the grams' gradient."""
        if self.ema_vars is None or self.ema_decay is None:
            return list(grams)
        if _foreign_graph() and self.deferred:  # a throwaway graph (the render's dry trace)
            return list(grams)
        out = []
        for g, avg in zip(grams, self.ema_vars):
            updated = avg.assign_sub((avg - g) * (1.0 - self.ema_decay))
            out.append(g + tf.stop_gradient(tf.convert_to_tensor(updated) - g))
        return out

    def _compare(self, effective: Sequence[tf.Tensor]) -> list[tf.Tensor]:
        assert self.target_vars is not None
        return [self.loss_func(g, self._read(v)) for g, v in zip(effective, self.target_vars)]

    # -- Lucid's attributes ---------------------------------------------------------------------
    @property
    def style_losses(self) -> list[tf.Tensor]:
        """One loss per style layer (recomputed on access for eager tensors)."""
        if self.deferred:
            raise AttributeError("this StyleLoss reads its layers through T: call it, sl(T), or use "
                                 "sl.objective() in a render")
        if self._losses is not None:
            return self._losses
        assert self.effective_grams is not None
        return self._compare(self.effective_grams)

    @property
    def style_loss(self) -> tf.Tensor:
        """The sum of `style_losses`: the value to minimise."""
        return tf.add_n(self.style_losses)

    # -- the render's form ----------------------------------------------------------------------
    def __call__(self, T: Callable[[str], Any]) -> tf.Tensor:
        """The style loss of the layers read through `T` (inside the render's traced step)."""
        if not self.deferred:
            raise TypeError("this StyleLoss was built on tensors: use sl.style_loss (give layer "
                            "names to read them through T)")
        if self.target_vars is None:
            raise RuntimeError("StyleLoss has no style yet: call sl.set_style_image(model, image) "
                               "(or sl.set_style([activations, ...])) before rendering")
        acts = [T(s) if isinstance(s, str) else s(T) for s in self.style_layers]
        grams = [self.style_func(a) for a in acts]
        return tf.add_n(self._compare(self._effective(grams)))

    def objective(self) -> Objective:
        """This loss as an `Objective` (its value is the loss: render `-sl.objective()`)."""
        names = [s if isinstance(s, str) else getattr(s, "__name__", "f") for s in self.style_layers]
        return Objective(self, name="style_loss", description=f"StyleLoss({', '.join(names)})")

    # -- targets --------------------------------------------------------------------------------
    def set_style(self, input_feeds: Union[Mapping[Any, Any], Sequence[ArrayLike]]) -> None:
        """Set the target statistics from the style image.

        `input_feeds`: Lucid's feed dict for the default session, making the style layers
        evaluate to the style image's activations (after the variables are initialised); or a
        list with the style image's activations, one array per style layer.
        """
        if isinstance(input_feeds, Mapping):
            if self.input_grams is None:
                raise ValueError("set_style with a feed dict needs a StyleLoss built on tensors; "
                                 "with layer names pass the activations, or use set_style_image")
            computed = _session("set_style with a feed dict").run(self.input_grams, input_feeds)
        else:
            acts = list(input_feeds)
            if len(acts) != len(self.style_layers):
                raise ValueError(f"set_style got {len(acts)} activation arrays for "
                                 f"{len(self.style_layers)} style layers: give one per layer, in order")
            computed = self._grams_now(acts)
        self._assign_targets(computed)

    def set_style_image(self, model: Any, image: ArrayLike, check_size: bool = True) -> None:
        """Set the targets from `image` (RGB [h, w, 3] or [b, h, w, 3] in [0, 1]) on `model`.

        `check_size`: refuse (ValueError) a style image smaller than a style layer's receptive
        field, whose units would then see mostly padding (checked where the model's graph is a
        chain of conv/pool ops, e.g. VGG16; other graphs are not checked).
        """
        if not all(isinstance(s, str) for s in self.style_layers):
            raise ValueError("set_style_image needs style layers given as layer names; compute the "
                             "activations yourself and call set_style([...])")
        image = np.asarray(image)
        if check_size and image.ndim in (3, 4):
            check_style_image_size(model, self.style_layers, image.shape[-3:-1])
        batch = image[None] if image.ndim == 3 else image
        self.set_style([model.get_activations(batch, name) for name in self.style_layers])

    def _grams_now(self, acts: Sequence[ArrayLike]) -> list[np.ndarray]:
        """The style statistics of concrete activations, as NumPy."""
        if tf.executing_eagerly():
            return [np.asarray(self.style_func(tf.constant(np.asarray(a, np.float32)))) for a in acts]
        grams = [self.style_func(tf.constant(np.asarray(a, np.float32))) for a in acts]
        return _session("set_style").run(grams)

    def _assign_targets(self, values: Sequence[np.ndarray]) -> None:
        if self.target_vars is None:
            self._make_variables(values)
        assert self.target_vars is not None
        for i, (v, g) in enumerate(zip(self.target_vars, values)):
            if tuple(v.shape) != np.shape(g):
                raise ValueError(f"style layer {i}: the style image's statistics have shape "
                                 f"{np.shape(g)}, the loss's targets {tuple(v.shape)} (a different "
                                 "layer or channel count)")
            if tf.executing_eagerly():
                v.assign(g)
            else:
                v.load(g, _session("set_style"))


def check_style_image_size(model: Any, layers: Sequence[str], shape: Sequence[int]) -> None:
    """ValueError when a style image of `shape` (height, width) is smaller than the receptive
    field of any of `layers` on `model` (read off its graph; layers it cannot compute: skipped)."""
    graph_def = getattr(model, "graph_def", None)
    if graph_def is None:
        return
    height, width = (int(v) for v in shape)
    too_big = []
    for name in layers:
        try:
            size = receptive_field(graph_def, name).size
        except ReceptiveFieldError:  # not a chain, or an unknown name (get_activations says so)
            continue
        if size > min(height, width):
            too_big.append((size, name))
    if too_big:
        size, name = max(too_big)
        others = "".join(f", {n} {s}x{s} px" for s, n in sorted(too_big, reverse=True)[1:])
        raise ValueError(f"style image is {height}x{width} px but {name} sees {size}x{size} px per "
                         f"unit (its receptive field){others}: give a style image at least {size} "
                         "px on each side or drop the layer from style_layers (check_size=False "
                         "skips this check)")


def _session(what: str) -> Any:
    sess = tf.compat.v1.get_default_session()
    if sess is None:
        raise RuntimeError(f"{what} in graph mode needs a default session: call it inside "
                           "`with tf.Session():` after running the variables' initializer")
    return sess
