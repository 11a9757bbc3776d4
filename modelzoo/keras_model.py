"""`KerasModel`: the model-zoo `Model` interface on a live `keras.Model`, with no freezing.

Objectives read Keras layers by name ("block4_conv1:12"); `import_graph` calls the Keras model
itself inside the render's `tf.function`, so no weights are copied and the step is still traced
once. `with_layers(names)` is the Keras form of pruning a frozen graph: a sub-model whose outputs
are only the layers an objective reads (Keras builds it over the same layer objects and weights);
`with_layers(names, channels)` also computes a read Conv2D on only the channels read
(`channel_subset`), its other channels zero.

Redirected ReLU gradient: Keras applies `Conv2D(activation="relu")` (and `ReLU`, `Activation`
layers) through `tf.nn.relu` / `tf.nn.relu6`, which create ordinary `Relu` / `Relu6` ops in the
traced graph. The override (`gradient_override_map` on the graph) is in force while this module
calls the Keras model inside the step, so those ops get the redirected gradient; Grappler fuses
Conv2D+BiasAdd+Relu only later, when the graph (its gradient included) is already built.
tests/modelzoo/test_keras_model.py checks that a dead unit behind a fused ReLU still gets a gradient.
"""
import difflib
import hashlib
import os
import warnings
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Set, Tuple

import keras
import numpy as np
import tensorflow as tf

from modelzoo.channel_subset import conv_on_channels, why_not_cut, widen
from modelzoo.types import ValueRange
from modelzoo.vision_base import Layer, Model

DEFAULT_VALUE_RANGE = (0.0, 1.0)
KERAS_SUFFIXES = (".keras", ".h5", ".hdf5")


class KerasModelError(ValueError):
    """A Keras model (or file) that KerasModel cannot use, with what is wrong and what works."""


def _shape_text(t: Any) -> str:
    return str(tuple(getattr(t, "shape", ())))


def _is_float(dtype: Any) -> bool:
    try:
        return tf.as_dtype(dtype).is_floating
    except TypeError:
        return False


def _functional(keras_model: Any, input_shape: Optional[Sequence[Optional[int]]]) -> Any:
    """The model as a functional graph (its own, or one around a subclassed model); clear errors
    for a subclassed model whose input shape is unknown."""
    if not isinstance(keras_model, keras.Model):
        raise TypeError(f"KerasModel needs a keras.Model, got {type(keras_model).__name__}")
    try:
        inputs = keras_model.inputs
    except (AttributeError, ValueError):
        inputs = None
    if inputs:
        return keras_model
    if input_shape is None:
        raise KerasModelError(
            f"Keras model {keras_model.name!r} is a subclassed model with no known input shape: "
            "KerasModel cannot tell its image size. Pass input_shape=(height, width, 3) "
            "(None for any size), e.g. KerasModel(model, input_shape=(None, None, 3)), or build "
            "it as a functional model (keras.Input -> layers -> keras.Model) to read inner layers.")
    inp = keras.Input(tuple(input_shape), name="input")
    return keras.Model(inp, keras_model(inp), name=keras_model.name)


def _check_image_input(model: Any) -> Any:
    """The model's single image input [batch, h, w, 3] (float), else KerasModelError."""
    inputs = list(model.inputs)
    described = [f"{getattr(t, 'name', '?')} {_shape_text(t)}" for t in inputs]
    ok = (len(inputs) == 1 and len(inputs[0].shape) == 4 and inputs[0].shape[-1] in (3, None)
          and _is_float(inputs[0].dtype))
    if not ok:
        raise KerasModelError(
            f"Keras model {model.name!r} has no image input: its inputs are {described}. "
            "KerasModel needs exactly one float input of shape [batch, height, width, 3] "
            "(channels last, RGB or BGR).")
    return inputs[0]


def _layer_entries(model: Any) -> Tuple[List[Tuple[str, int, List[str]]], Dict[str, Any]]:
    """([(name, depth, tags)] for conv (rank-4) and dense (rank-2) float layers, {name: layer})."""
    entries, by_name = [], {}
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        by_name[layer.name] = layer
        try:
            out = layer.output
        except (AttributeError, ValueError):  # a layer used at several places: no single output
            continue
        if isinstance(out, (list, tuple)) or not _is_float(out.dtype):
            continue
        rank, depth = len(out.shape), out.shape[-1]
        tags = {4: ["conv"], 2: ["dense"]}.get(rank)
        if tags and depth is not None:
            entries.append((layer.name, int(depth), tags))
    return entries, by_name


def _check_range(value_range: Any) -> ValueRange:
    try:
        lo, hi = (np.asarray(v, np.float32) for v in value_range)
        ok = lo.shape in ((), (3,)) and hi.shape == lo.shape and bool(np.all(hi > lo))
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(f"image_value_range must be (low, high) with low < high, numbers or one "
                         f"per channel; got {value_range!r}")
    return tuple(value_range)  # type: ignore[return-value]


class KerasModel(Model):
    """A live `keras.Model` as a model-zoo entry: layers are its Keras layers, by name.

    Args:
      keras_model: a functional or Sequential keras.Model (a subclassed one needs `input_shape`
        and then exposes only its output, under the model's name).
      image_value_range: (low, high) the model expects its pixels in (numbers or one per
        channel, e.g. (-mean, 255 - mean) for Caffe-style mean subtraction); None means (0, 1)
        with a one-line notice, since a wrong range gives meaningless renders.
      is_BGR: True when the model takes BGR channel order.
      input_name: a name for the input (informational; default the Keras input's name).
      input_shape: [h, w, 3] for a subclassed model without a known input shape.
      labels: class names, one per output unit (for `objectives.class_logit` by name).
    """

    def __init__(self, keras_model: Any, image_value_range: Optional[ValueRange] = None,
                 is_BGR: bool = False, input_name: Optional[str] = None,
                 input_shape: Optional[Sequence[Optional[int]]] = None,
                 labels: Optional[Sequence[str]] = None, modelname: Optional[str] = None) -> None:
        model = _functional(keras_model, input_shape)
        inp = _check_image_input(model)
        if image_value_range is None:
            warnings.warn(f"KerasModel: assuming Keras model {model.name!r} takes pixels in "
                          f"{DEFAULT_VALUE_RANGE}; pass image_value_range=(low, high) if not.",
                          stacklevel=2)
            image_value_range = DEFAULT_VALUE_RANGE
        self.image_value_range = _check_range(image_value_range)
        self.keras_model = model
        self.is_BGR = bool(is_BGR)
        self.input_name = input_name or getattr(inp, "name", None) or "input"
        self.image_shape = list(inp.shape[1:])
        self.modelname = modelname or model.name
        entries, self._keras_layers = _layer_entries(model)
        self.layers = tuple(Layer(type(self), n, d, t) for n, d, t in entries)
        self._labels = list(labels) if labels is not None else None
        self._outputs: Optional[Tuple[str, ...]] = None  # set on with_layers copies
        self._channels: Dict[str, Tuple[int, ...]] = {}  # ditto: layer -> the channels computed
        self._submodels: Dict[Tuple[Tuple[str, ...], Tuple[str, ...]], Any] = {}
        self._min_sizes: Dict[str, int] = {}

    # -- identity and graph ----------------------------------------------------------------
    @property
    def graph_source(self) -> Any:
        """The Keras model object itself (by identity): two wrappers of one model are equal."""
        return ("keras", id(self.keras_model), self._outputs, tuple(sorted(self._channels.items())))

    def fingerprint(self) -> str:
        """SHA-256 (hex) of the Keras architecture, every weight's bytes and the input conventions:
        the same trained model gives the same print in any process; retraining changes it."""
        digest = hashlib.sha256(self.keras_model.to_json().encode("utf-8"))
        digest.update(repr((self.image_value_range, self.is_BGR, self._outputs)).encode("utf-8"))
        for weight in self.keras_model.weights:
            digest.update(np.ascontiguousarray(weight.numpy()).tobytes())
        return digest.hexdigest()

    def load_graph_def(self) -> tf.compat.v1.GraphDef:
        raise TypeError(f"{self.name} is a live Keras model: it has no frozen GraphDef and needs "
                        "none (render_vis, get_activations and the recipes call it directly). "
                        "To get a frozen graph anyway, use modelzoo.Model.save(...).")

    def load_graphdef(self) -> None:  # type: ignore[override]
        """Nothing to load: the Keras model is already in memory (kept for Lucid's call)."""
        return None

    @property
    def labels(self) -> List[str]:  # type: ignore[override]
        if self._labels is None:
            raise RuntimeError(f"{self.name} has no labels: pass KerasModel(..., labels=[...]).")
        return self._labels

    def tensor_names(self) -> Set[str]:
        """Every Keras layer name T(name) accepts (the layer table plus any other layer)."""
        return set(self._keras_layers)

    # -- layers by Keras name --------------------------------------------------------------
    def _unknown_layer_message(self, name: str) -> str:
        names = list(self._keras_layers)
        close = difflib.get_close_matches(str(name).split(":")[0], names, n=3, cutoff=0.5)
        hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
        return (f"Could not find layer {name!r} in Keras model {self.name}.{hint} Layers are "
                f"named as in model.summary(); conv/dense layers: {self.layer_names}")

    def keras_layer(self, name: str) -> Any:
        """The Keras layer for `name` (a ':0' suffix allowed); KeyError with close matches."""
        if not isinstance(name, str):
            raise TypeError(f"layer names must be strings, got {type(name).__name__} {name!r}")
        base, sep, index = name.partition(":")
        layer = self._keras_layers.get(base)
        if layer is None or (sep and index != "0"):
            raise KeyError(self._unknown_layer_message(name))
        return layer

    def _check_float(self, name: str, tensor: Any = None) -> None:
        """TypeError unless layer `name` (or `tensor`, its computed output) is one float tensor."""
        out = self.keras_layer(name).output if tensor is None else tensor
        if isinstance(out, (list, tuple)) or not _is_float(out.dtype):
            dtype = [t.dtype for t in out] if isinstance(out, (list, tuple)) else out.dtype
            raise TypeError(f"layer {name!r} of {self.name} outputs {dtype}, not one float tensor: "
                            "objectives and activations need a float layer; read the layer before "
                            f"it (float layers: {self.layer_names[-3:]} ...)")

    @property
    def computed_channels(self) -> Dict[str, Tuple[int, ...]]:
        """{layer: the only channels computed} for a `with_layers(names, channels)` copy."""
        return dict(self._channels)

    def why_not_cut(self, name: str) -> Optional[str]:
        """None when `with_layers` can compute layer `name` on only some channels, else why not."""
        return why_not_cut(self.keras_layer(name))

    def with_layers(self, names: Sequence[str],
                    channels: Optional[Mapping[str, Sequence[int]]] = None) -> "KerasModel":
        """A copy whose import_graph computes only `names` (the Keras analogue of pruning the
        frozen graph to the layers an objective reads) and, of each layer in `channels`, only
        the channels listed there (the others read as 0); shares the Keras model and its caches."""
        wanted = tuple(dict.fromkeys(n.split(":")[0] for n in names))
        for n in wanted:
            self._check_float(n)
        cut = {}
        for name, kept in (channels or {}).items():
            base, kept = name.split(":")[0], sorted(set(kept))
            reason = (self.why_not_cut(base) if base in wanted
                      else f"it is not among the layers {list(wanted)}")
            depth = self.keras_layer(base).filters if reason is None else 0
            if reason is None and not (kept and 0 <= kept[0] and kept[-1] < depth):
                reason = f"channels must be in 0..{depth - 1}, at least one"
            if reason:
                raise ValueError(f"cannot compute only channels {kept} of layer {name!r}: {reason}")
            cut[base] = tuple(kept)
        proxy = object.__new__(type(self))
        proxy.__dict__.update(self.__dict__)
        proxy._outputs = wanted
        proxy._channels = cut
        return proxy

    def _single_output_layers(self) -> Tuple[str, ...]:
        """Every layer with one output tensor (what an unpruned import computes)."""
        names = []
        for name, layer in self._keras_layers.items():
            try:
                if not isinstance(layer.output, (list, tuple)):
                    names.append(name)
            except (AttributeError, ValueError):
                continue
        return tuple(names)

    def _submodel(self, names: Tuple[str, ...], inputs_of: Tuple[str, ...] = ()) -> Any:
        """keras.Model(input -> outputs of `names`, or the inputs of those in `inputs_of`),
        cached: the same layers and weights."""
        key = (names, inputs_of)
        if key not in self._submodels:
            outs = [self.keras_layer(n).input if n in inputs_of else self.keras_layer(n).output
                    for n in names]
            self._submodels[key] = keras.Model(self.keras_model.inputs, outs,
                                               name=f"{self.keras_model.name}_to_{len(names)}")
        return self._submodels[key]

    # -- running it ------------------------------------------------------------------------
    def _run(self, t_prep: tf.Tensor, names: Tuple[str, ...]) -> Dict[str, tf.Tensor]:
        cut = tuple(n for n in names if n in self._channels)
        outs = self._submodel(names, cut)(t_prep, training=False)
        outs = [outs] if not isinstance(outs, (list, tuple)) else list(outs)
        found = dict(zip(names, outs))
        for n in cut:  # the layer's input -> its channels read, back at their indices
            layer = self.keras_layer(n)
            found[n] = widen(conv_on_channels(layer, found[n], self._channels[n]),
                             self._channels[n], layer.filters)
        return found

    def import_graph(self, t_input: Optional[tf.Tensor] = None, scope: str = "import",
                     forget_xy_shape: bool = True,
                     input_map: Optional[Mapping[str, tf.Tensor]] = None) -> Callable[[str], tf.Tensor]:
        """Call the Keras model on `t_input` (an image in [0, 1], mapped onto image_value_range)
        inside the current tf.function; returns T(layer name) -> that layer's output tensor.
        Computes the layers given to `with_layers`, or every conv/dense layer."""
        if tf.executing_eagerly():
            raise RuntimeError("import_graph must run while building a graph: call it inside a "
                               "tf.function (render_vis does), or use model.get_activations() for "
                               "eager NumPy activations.")
        if not getattr(tf.compat.v1.get_default_graph(), "building_function", False):
            raise RuntimeError(
                f"{self.name} is a live Keras model: its variables live in eager TF2, so it cannot "
                "be imported into a TF1 graph (tf.Graph / tf.Session / tf.disable_v2_behavior). "
                "Use the TF2 API (render_vis, make_vis_T without a Session), or freeze it with "
                "modelzoo.Model.save(...) and use Model.load(...) in session code.")
        if input_map:
            raise ValueError(f"{self.name} is a live Keras model: import_graph cannot replace its "
                             f"tensors (input_map={sorted(input_map)}).")
        t_input, t_prep = self.create_input(t_input, forget_xy_shape)
        names = self._outputs if self._outputs is not None else self._single_output_layers()
        with tf.name_scope(scope):
            outs = self._run(t_prep, names)

        def T(name: str) -> tf.Tensor:  # pylint: disable=invalid-name
            if name == "input":
                return t_input
            self.keras_layer(name)
            base = name.split(":")[0]
            if base not in outs:
                raise KeyError(f"layer {base!r} is not computed by this pruned copy of {self.name} "
                               f"(it computes {list(outs)}); use the model itself")
            self._check_float(name, outs[base])
            return outs[base]

        return T

    def _check_input_name(self) -> None:
        return None  # the Keras model's input is a Python object, not a graph node name

    def _activation_fn(self, layer_names):
        """A tf.function images -> [activations of layer_names], cached per tuple of names."""
        cache = self.__dict__.setdefault("_activation_fns", {})
        if layer_names not in cache:
            for n in layer_names:
                self._check_float(n)
            names = tuple(n.split(":")[0] for n in layer_names)

            @tf.function(input_signature=[tf.TensorSpec([None, None, None, 3], tf.float32)],
                         autograph=False)
            def run(images):
                _, t_prep = self.create_input(images)
                outs = self._run(t_prep, tuple(dict.fromkeys(names)))
                for n in names:
                    self._check_float(n, outs[n])
                return [outs[n] for n in names]

            cache[layer_names] = run
        return cache[layer_names]

    def min_input_size(self, layer: str) -> int:
        """Smallest square image side for which `layer` has an output (Keras' own shape rules)."""
        base = str(layer).split(":")[0]
        if base not in self._min_sizes:
            self._min_sizes[base] = _smallest_valid_side(self._submodel((base,)))
        return self._min_sizes[base]


def _valid_side(sub: Any, side: int) -> bool:
    spec = keras.KerasTensor((1, side, side, 3))
    try:  # the shape pass of Functional.compute_output_spec, without its fixed-input-size check
        out = sub._run_through_graph(spec, operation_fn=lambda op: op.compute_output_spec)  # pylint: disable=protected-access
    except Exception:  # pylint: disable=broad-except  -- Keras raises ValueError, TypeError, ...
        return False
    return all(all(d is None or d > 0 for d in t.shape) for t in keras.tree.flatten(out))


def _smallest_valid_side(sub: Any, limit: int = 4096) -> int:
    """Binary search for the smallest side with positive output sizes (1 when unknowable)."""
    if not hasattr(sub, "_run_through_graph") or _valid_side(sub, 1):
        return 1
    hi = 2
    while not _valid_side(sub, hi):
        hi *= 2
        if hi > limit:
            return 1
    lo = hi // 2  # invalid at lo, valid at hi
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if _valid_side(sub, mid) else (mid, hi)
    return hi


def as_model(model: Any) -> Model:
    """`model` itself for a modelzoo Model; a keras.Model wrapped as KerasModel with a one-line
    notice naming the assumed input range (render_vis(keras_model, ...) goes through this)."""
    if isinstance(model, keras.Model):
        warnings.warn(f"render_vis: wrapping Keras model {model.name!r} as modelzoo.KerasModel, "
                      f"assuming pixels in {DEFAULT_VALUE_RANGE}, RGB; pass "
                      "modelzoo.KerasModel(model, image_value_range=..., is_BGR=...) to set them.",
                      stacklevel=3)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return KerasModel(model)
    return model


def load_keras_file(path: str) -> Any:
    """keras.models.load_model(path) (no compile) with clear errors: a missing file, another
    suffix, or a Keras 2 .h5 that Keras 3 cannot read (says how to convert it)."""
    path = os.fspath(path)
    if not str(path).lower().endswith(KERAS_SUFFIXES):
        raise KerasModelError(f"{path}: a Keras model file must end in {', '.join(KERAS_SUFFIXES)}")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"No such Keras model file: {path}")
    try:
        return keras.models.load_model(path, compile=False)
    except Exception as e:  # pylint: disable=broad-except  -- Keras raises many types here
        if str(path).lower().endswith(".keras"):
            raise KerasModelError(f"{path}: Keras {keras.__version__} could not load this .keras "
                                  f"file ({type(e).__name__}: {e}).") from None
        raise KerasModelError(
            f"{path}: Keras {keras.__version__} cannot read this .h5 ({type(e).__name__}: "
            f"{' '.join(str(e).split())[:200]}). It looks like a Keras 2 file (weights only, or a "
            "legacy layout). Open it where it was written (tf.keras 2 / tf_keras) and re-save it "
            "with model.save('model.keras'), or build the architecture in code and call "
            "model.load_weights(path).") from None
