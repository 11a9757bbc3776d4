"""The parts a render step is assembled from (Lucid's render helpers): the image from `param_f`,
the chain of transforms, the optimizer, and `import_model`, which feeds the model's graph with
the transformed image and returns the accessor `T` the objectives read.
"""
from typing import Any, Callable, Optional, Sequence

import numpy as np
import tensorflow as tf

from lucid_vgg.optvis import param, transform
from modelzoo.channel_subset import widen
from modelzoo.vision_base import Model

# T is Lucid's name for the tensor accessor; keep it.
# pylint: disable=invalid-name

ParamF = Optional[Callable[[], Any]]
"""`param_f`: a function returning the image tensor [batch, h, w, 3] (None: param.image(128))."""
Transforms = Optional[Sequence[Callable[[Any], Any]]]
"""`transforms`: image -> image functions applied in order (None: the standard transforms)."""
OptimizerLike = Any
"""`optimizer`: None (Adam 0.05), a Keras optimizer, or a function returning one."""


def make_t_image(param_f: ParamF) -> tf.Tensor:
    """Evaluate the parameterisation: `param.image(128)` by default, else `param_f()`.

    Returns the image tensor, checked to be a float tensor [batch, h, w, 3] (or 4 channels
    for RGBA parameterisations). Call it under the render's VariableStore so the variables
    made by `param_f` are recorded once and reused on every later call.
    """
    if param_f is None:
        t_image = param.image(128)
    elif isinstance(param_f, (tf.Tensor, tf.Variable, np.ndarray)):
        raise TypeError("param_f must be a function returning the image (e.g. "
                        "lambda: param.image(128)), not a tensor: in TF2 a tensor cannot be "
                        "re-evaluated with updated variables at each step.")
    elif callable(param_f):
        t_image = param_f()
    else:
        raise TypeError(f"Incompatible type for param_f: {type(param_f).__name__}; expected None "
                        "or a function returning an image tensor.")
    if tf.executing_eagerly() and isinstance(t_image, tf.Tensor) and hasattr(t_image, "graph"):
        raise TypeError("param_f returned a graph-mode tensor (of a tf.Graph built by TF1 code), "
                        "but make_vis_T/render_vis run in eager mode here (TF2, outside any graph "
                        "block): build the image inside param_f (e.g. lambda: param.image(128)), or "
                        "call make_vis_T inside the same `with graph.as_default():` block to get "
                        "Lucid's graph-mode T")
    return check_image(t_image)


def check_image(t_image: Any) -> tf.Tensor:
    """`t_image` as a float tensor [batch, h, w, 3 or 4]; TypeError/ValueError naming what is wrong."""
    if isinstance(t_image, tf.Variable):
        t_image = tf.convert_to_tensor(t_image)
    if not isinstance(t_image, tf.Tensor):
        raise TypeError(f"param_f should return a float image tensor [batch, h, w, 3], but "
                        f"returned {type(t_image).__name__}: {short_repr(t_image)}")
    if not t_image.dtype.is_floating:
        raise TypeError(f"param_f should return a float image tensor, but returned dtype "
                        f"{t_image.dtype.name} (shape {t_image.shape})")
    if t_image.shape.rank != 4 or tf.compat.dimension_value(t_image.shape[-1]) not in (3, 4):
        raise ValueError(f"param_f should return an image tensor of shape [batch, h, w, 3] "
                         f"(or 4 channels with alpha), but returned shape {t_image.shape}")
    return t_image


def short_repr(x: Any) -> str:
    """repr(x), cut to 80 characters for error messages."""
    s = repr(x)
    return s if len(s) < 80 else s[:77] + "..."


def make_transform_f(transforms: Transforms) -> Callable[[tf.Tensor], tf.Tensor]:
    """Compose a list of transforms (applied in order); None means transform.standard_transforms."""
    if transforms is None:
        transforms = transform.standard_transforms
    if isinstance(transforms, tuple):
        transforms = list(transforms)
    if not isinstance(transforms, list) or not all(callable(t) for t in transforms):
        raise TypeError(f"transforms must be None or a list of functions image -> image, got "
                        f"{short_repr(transforms)}")
    return transform.compose(transforms)  # carries the transforms' size rules (transform_size)


def make_optimizer(optimizer: OptimizerLike, args: Sequence[Any]) -> Any:
    """None -> Adam(0.05) (epsilon 1e-8 as TF1's AdamOptimizer); an optimizer -> itself;
    a function -> optimizer(*args)."""
    if optimizer is None:
        return tf.keras.optimizers.Adam(learning_rate=0.05, epsilon=1e-8)
    if hasattr(optimizer, "apply_gradients"):
        return optimizer
    if callable(optimizer):
        made = optimizer(*args)
        if not hasattr(made, "apply_gradients"):
            raise TypeError(f"optimizer function returned {type(made).__name__}, not an optimizer")
        return made
    raise TypeError("Could not convert optimizer argument to a usable optimizer: needs to be "
                    "None, an optimizer (e.g. tf.keras.optimizers.Adam(0.05)) or a function "
                    f"returning one; got {type(optimizer).__name__}.")


def import_model(model: Model, t_image: tf.Tensor, t_image_raw: Optional[tf.Tensor] = None,
                 scope: str = "import", forget_xy_shape: bool = True) -> Callable[[str], Any]:
    """Import `model`'s graph fed by `t_image` (inside a tf.function); return T.

    T("input") is `t_image_raw` (the untransformed image, default `t_image`), T("labels") the
    model's labels, T(layer) the imported layer tensor (KeyError naming close matches if it
    does not exist). Layer tensors get the static batch size of `t_image`; a layer the graph
    computes only some channels of (`model.channel_cuts`) is widened back to its full depth.
    `forget_xy_shape=False` keeps the image's static height and width in the layer tensors.
    """
    if t_image_raw is None:
        t_image_raw = t_image
    T_model = model.import_graph(t_image, scope=scope, forget_xy_shape=forget_xy_shape)
    batch = tf.compat.dimension_value(t_image.shape[0]) if t_image.shape.rank else None
    if T_model is None:  # a Lucid-style Model whose import_graph returns nothing
        graph = tf.compat.v1.get_default_graph()
        T_model = lambda name: graph.get_tensor_by_name(f"{scope}/{name}:0")  # noqa: E731
    cuts = getattr(model, "channel_cuts", None) or {}

    def T(layer):
        if layer == "input":
            return t_image_raw
        if layer == "labels":
            return model.labels
        t = T_model(layer)
        node = t.op.name[len(scope) + 1:] if t.op.name.startswith(scope + "/") else None
        if t.dtype == tf.bfloat16:  # precision="bfloat16": objectives see float32
            t = tf.cast(t, tf.float32)
        if node in cuts:
            t = widen(t, *cuts[node])
        if batch is not None and t.shape.rank and tf.compat.dimension_value(t.shape[0]) is None:
            t.set_shape([batch] + [None] * (t.shape.rank - 1))
        return t

    return T
