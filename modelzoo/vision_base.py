"""Lucid's model-zoo contract in TF2: a frozen GraphDef plus the metadata needed to feed it.

A `Model` knows its input (name, shape, value range, colour order), its layers, and how to
import its graph into a `tf.function` so objectives can read any layer by name.
`FrozenGraphModel` is what Model.load / load_from_* return for a user's own saved graph.
"""
import copy
import difflib
import hashlib
import logging
import os
import warnings
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

import numpy as np
import tensorflow as tf
from numpy.typing import ArrayLike

from modelzoo import loading, save_args, saving
from modelzoo.fileio import PathLike
from modelzoo.get_activations import check_batch_size as _check_batch_size, check_images as _check_images
from modelzoo.get_activations import get_activations as get_activations_nd, lucid_argument_order
from modelzoo.graph_outline import graph_outline, show_outline
from modelzoo.types import Activations, ImageShape, LayerNames, ValueRange
from modelzoo.layer import Layer, as_layers as _as_layers
from modelzoo.layer_ops import derive_layers, layer_depths, min_input_size, output_index_problem
from modelzoo.wordnet import synset_from_id
from modelzoo.util import (METADATA_NODES, forget_xy, load_graphdef, load_text_labels,
                           serialize_graph_def, subgraph)

IMAGENET_MEAN = np.array([123.68, 116.779, 103.939])
IMAGENET_MEAN_BGR = np.flip(IMAGENET_MEAN, 0)

log = logging.getLogger(__name__)


class Model:
    """Base class for a model-zoo entry. Subclasses set the class attributes below."""

    model_path: Optional[PathLike] = None
    labels_path: Optional[PathLike] = None
    synsets_path: Optional[PathLike] = None
    dataset: Optional[str] = None
    image_shape: ImageShape = (None, None, 3)
    image_value_range: ValueRange = (-1, 1)
    input_name: str = "input"
    is_BGR: bool = False
    layers: Sequence[Layer] = ()  # a subclass may list Lucid-style dicts: made Layers on definition
    modelname: Optional[str] = None

    _graph_def: Optional[tf.compat.v1.GraphDef] = None
    _labels: Optional[List[str]] = None
    _given_graph_id: int  # set by with_graph_def on the copies it makes

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "layers" in cls.__dict__:
            cls.layers = _as_layers(cls, cls.__dict__["layers"])

    # -- identity -------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.modelname or type(self).__name__

    def __str__(self) -> str:
        return self.name

    def to_json(self) -> str:
        """The model's name: how Lucid's JSON encoders write a Model."""
        return self.name

    @property
    def graph_source(self) -> Optional[PathLike]:
        """Where this instance's graph comes from (`model_path` unless a subclass says otherwise)."""
        return self.model_path

    def _identity(self) -> Tuple[type, Optional[PathLike], Optional[int]]:
        """Two instances are the same model (equal, one hash, sharing caches keyed by the model,
        e.g. the pruned render graphs) when class, graph source and any graph given by
        with_graph_def agree."""
        return type(self), self.graph_source, self.__dict__.get("_given_graph_id")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Model) and self._identity() == other._identity()

    def __hash__(self) -> int:
        return hash(self._identity())

    def __getstate__(self) -> Dict[str, Any]:
        """Pickle without the graph (reloaded from its source; so also without a given graph's id)
        and without get_activations' cached tf.functions, which do not pickle."""
        return {k: v for k, v in self.__dict__.items()
                if k not in ("_graph_def", "_given_graph_id", "_activation_fns")}

    # -- graph ----------------------------------------------------------------------------
    @property
    def graph_def(self) -> tf.compat.v1.GraphDef:
        """The frozen GraphDef, loaded on first use."""
        if self._graph_def is None:
            self._graph_def = self.load_graph_def()
        return self._graph_def

    def fingerprint(self) -> str:
        """SHA-256 (hex) of what this model computes: its frozen graph without the metadata node,
        serialised deterministically, so graphs that differ only in their notes (e.g. the metadata
        node's older name in caches built before) print alike. Manifests use it to tell models
        apart."""
        computing = tf.compat.v1.GraphDef()
        computing.CopyFrom(self.graph_def)
        del computing.node[:]
        computing.node.extend(n for n in self.graph_def.node if n.name not in METADATA_NODES)
        return hashlib.sha256(serialize_graph_def(computing)).hexdigest()

    def load_graphdef(self) -> tf.compat.v1.GraphDef:
        """Lucid tutorials call this before rendering; here it just loads the graph now, so a
        missing or corrupt graph is reported at this line rather than at the first render."""
        return self.graph_def

    def load_graph_def(self) -> tf.compat.v1.GraphDef:
        """Read the GraphDef from `model_path` (a local file or an http(s)/file:// URL, cached)."""
        if self.model_path is None:
            raise ValueError(f"{self.name} has no model_path; set it or override load_graph_def().")
        return load_graphdef(self.model_path)

    @property
    def labels(self) -> List[str]:
        """Class labels, one per output unit, read from `labels_path`."""
        if self.labels_path is None:
            raise RuntimeError(f"{self.name} has no labels_path.")
        if self._labels is None:
            self._labels = load_text_labels(self.labels_path)
        return self._labels

    @property
    def synset_ids(self) -> List[str]:
        """WordNet ids ('n01440764') of the output units, read from `synsets_path`."""
        if self.synsets_path is None:
            raise RuntimeError(f"{self.name} has no synsets_path.")
        return load_text_labels(self.synsets_path)

    @property
    def synsets(self) -> List[Any]:
        """The output units' WordNet synsets (modelzoo.wordnet.synset_from_id of synset_ids)."""
        return [synset_from_id(i) for i in self.synset_ids]

    def with_graph_def(self, graph_def: tf.compat.v1.GraphDef) -> "Model":
        """A shallow copy of this model whose import_graph imports `graph_def` instead of its own
        graph (e.g. the graph cut to the layers a render or get_activations reads); the model
        itself when `graph_def` already is its graph. The copy has its own activation cache."""
        if graph_def is self.graph_def:
            return self
        proxy = copy.copy(self)
        proxy.__dict__.pop("_activation_fns", None)
        proxy._graph_def = graph_def  # pylint: disable=protected-access
        proxy._given_graph_id = id(graph_def)  # a different graph: not equal to this model
        return proxy

    def post_import(self, scope: str) -> None:
        """Hook for subclasses that need to fix up an imported graph."""
        return None  # a docstring-only body trips AutoGraph when called inside tf.function

    # -- layers ---------------------------------------------------------------------------
    @property
    def layer_names(self) -> List[str]:
        return [layer.name for layer in self.layers]

    def get_layer(self, name: str) -> Layer:
        """Layer by exact name, else by case-insensitive substring (with a warning), else KeyError."""
        for layer in self.layers:
            if layer.name == name:
                return layer
        for layer in self.layers:
            if str(name).lower() in layer.name.lower():
                warnings.warn(f"Found layer {layer.name!r} by fuzzy matching {name!r}; "
                              f"please use {layer.name!r}.", stacklevel=2)
                return layer
        raise KeyError(self._unknown_layer_message(name))

    def _unknown_layer_message(self, name: str) -> str:
        if self._graph_def is not None:
            problem = self._output_index_problem(name)
            if problem:
                return problem
        names = self.layer_names
        close = difflib.get_close_matches(str(name), names, n=3, cutoff=0.5)
        hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
        return f"Could not find layer {name!r} in {self.name}.{hint} Existing layer names are: {names}"

    # -- input ----------------------------------------------------------------------------
    def create_input(self, t_input: Optional[tf.Tensor] = None,
                     forget_xy_shape: bool = True) -> Tuple[tf.Tensor, tf.Tensor]:
        """Map an image batch in [0, 1] (RGB) onto what the graph expects; returns (t_input, t_prep).

        Adds a batch axis to a single image, forgets the static x/y size, flips RGB->BGR for
        BGR models and rescales [0, 1] onto `image_value_range` (per channel where it is a vector).
        """
        if t_input is None:
            if tf.executing_eagerly():
                raise ValueError("create_input needs an image tensor in TF2 (there are no placeholders).")
            t_input = tf.compat.v1.placeholder(tf.float32, self.image_shape)
        t_input = tf.convert_to_tensor(t_input)
        if not t_input.dtype.is_floating:
            raise TypeError(f"{self.name} expects a float image in [0, 1]; got dtype {t_input.dtype.name}. "
                            "Convert uint8 images with img / 255.")
        t_prep = tf.cast(t_input, tf.float32)
        if t_prep.shape.rank == 3:
            t_prep = tf.expand_dims(t_prep, 0)
        if t_prep.shape.rank != 4:
            raise ValueError(f"{self.name} expects images of rank 3 [h, w, c] or 4 [batch, h, w, c]; "
                             f"got shape {t_input.shape}.")
        if t_prep.shape[-1] is not None and t_prep.shape[-1] != 3:
            raise ValueError(f"{self.name} expects 3 colour channels (RGB); got {t_prep.shape[-1]} "
                             f"in shape {t_input.shape}.")
        if forget_xy_shape:
            t_prep = forget_xy(t_prep)
        if self.is_BGR:
            t_prep = tf.reverse(t_prep, [-1])
        lo, hi = (np.asarray(v, np.float32) for v in self.image_value_range)
        t_prep = lo + t_prep * (hi - lo)
        return t_input, t_prep

    def import_graph(self, t_input: Optional[tf.Tensor] = None, scope: str = "import",
                     forget_xy_shape: bool = True,
                     input_map: Optional[Mapping[str, tf.Tensor]] = None) -> Callable[[str], tf.Tensor]:
        """Import the graph into the current graph (e.g. inside a tf.function) fed by `t_input`.

        Returns `T(name)`, which gives the imported tensor for a layer name (`"conv1_1/conv1_1"`,
        `"conv1_1/conv1_1:0"`); Lucid returned nothing, so callers that ignore it still work.
        """
        if tf.executing_eagerly():
            raise RuntimeError("import_graph must run while building a graph: call it inside a "
                               "tf.function (render_vis does), or use model.get_activations() for "
                               "eager NumPy activations.")
        self._check_input_name()
        t_input, t_prep = self.create_input(t_input, forget_xy_shape)
        mapping = {self.input_name: t_prep}
        mapping.update(input_map or {})
        present = {node.name for node in self.graph_def.node}
        unknown = [k for k in mapping if str(k).lstrip("^").split(":")[0] not in present]
        if unknown:
            raise ValueError(f"input_map names {unknown}, which are not nodes of {self.name}'s graph: "
                           "import_graph can only replace tensors the graph has.")
        first = self.graph_def.node[0].name
        (op,) = tf.graph_util.import_graph_def(self.graph_def, mapping, return_elements=[first], name=scope)
        prefix = op.name[: len(op.name) - len(first)]
        self.post_import(prefix.rstrip("/"))
        graph = op.graph
        model = self

        def T(name: str) -> tf.Tensor:
            if name == "input":
                return t_input
            full = prefix + (name if ":" in name else name + ":0")
            try:
                return graph.get_tensor_by_name(full)
            except (KeyError, ValueError):
                raise KeyError(model._unknown_layer_message(name)) from None

        return T

    # -- activations (eager, NumPy in and out) ---------------------------------------------
    def _activation_fn(self, layer_names):
        """A tf.function images -> [activations of layer_names], cached per tuple of names.

        It imports only the part of the graph the layers read (their inputs back to the image
        input), not the whole GraphDef: on VGG16 with its dense layers (~550 MB, fc6's weights
        alone ~400 MB) the whole graph made the first conv1_1 call take 13 s (2 cores), nearly
        all of it in TensorFlow's graph optimiser; cut, 0.1 s. The cut graph is held by the
        cached function (through `runner`)."""
        cache = self.__dict__.setdefault("_activation_fns", {})
        if layer_names not in cache:
            self._check_input_name()
            for n in layer_names:
                self._check_layer_available(n)
            runner = self.with_graph_def(self._graph_for_layers(layer_names))

            @tf.function(input_signature=[tf.TensorSpec([None, None, None, 3], tf.float32)],
                         autograph=False)
            def run(images):
                T = runner.import_graph(images, scope="activations")
                return [T(n) for n in layer_names]

            cache[layer_names] = run
        return cache[layer_names]

    def _graph_for_layers(self, layer_names):
        """`graph_def` cut to the input node, the layers' nodes (':N' stripped) and all they read.
        KeyError, with the usual unknown-layer message, for a declared layer the graph lacks."""
        present = {node.name for node in self.graph_def.node}
        nodes = [self.input_name]
        for n in layer_names:
            base = n.split(":")[0]
            if base not in present:
                raise KeyError(self._unknown_layer_message(n))
            if base not in nodes:
                nodes.append(base)
        return subgraph(self.graph_def, nodes)

    def _check_input_name(self):
        """ValueError (with close matches) if `input_name` is not a node of the graph."""
        names = [node.name for node in self.graph_def.node]
        if self.input_name in names:
            return
        placeholders = [n.name for n in self.graph_def.node if n.op == "Placeholder"]
        close = difflib.get_close_matches(str(self.input_name), names, n=3, cutoff=0.5)
        hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
        raise ValueError(f"{self.name}: input_name {self.input_name!r} is not a node of the graph.{hint} "
                         f"Placeholders in the graph: {placeholders}.")

    def _check_layer_available(self, name):
        """Raise a clear KeyError for names this model does not have (or bad ':N' suffixes)."""
        if not isinstance(name, str):
            raise TypeError(f"layer names must be strings, got {type(name).__name__} {name!r}")
        base = name.split(":")[0]
        problem = self._output_index_problem(name)
        if problem:
            raise KeyError(problem)
        if base in self.layer_names:
            return
        if any(node.name == base for node in self.graph_def.node):
            return
        raise KeyError(self._unknown_layer_message(name))

    def _output_index_problem(self, name):
        """A message if `name` is 'layer:N' with an output index the layer's op does not have."""
        return output_index_problem(self.graph_def, name)

    def show_graph(self) -> None:
        """The graph's ops, types and shapes: HTML in a notebook, text elsewhere (Lucid: TensorBoard)."""
        rows = graph_outline(self.graph_def, self.input_name, self.image_shape, self.layer_names)
        show_outline(rows, self.name)

    def min_input_size(self, layer: str) -> int:
        """Smallest image side for which `layer` is defined: 2**(VALID stride-2 pools before it)."""
        return min_input_size(self.graph_def, layer)

    def get_activations_iter(self, images: ArrayLike, layers: LayerNames, batch_size: int = 32,
                             check_range: bool = True) -> Iterator[Activations]:
        """Yield activations batch by batch: one array (str `layers`) or dict per batch.
        Arguments as for `get_activations`."""
        batch_size = _check_batch_size(batch_size)
        single = isinstance(layers, str)
        names = (layers,) if isinstance(layers, str) else tuple(layers)
        images = _check_images(images, check_range)
        fn = self._activation_fn(names)
        for n in names:
            need = self.min_input_size(n)
            if min(images.shape[1:3]) < need:
                raise ValueError(f"images of {images.shape[1]}x{images.shape[2]} px are too small for "
                                 f"{n!r}: its pooling layers need at least {need}x{need} px; use "
                                 "larger images.")
        for start in range(0, len(images), batch_size):
            out = fn(tf.constant(images[start:start + batch_size]))
            arrays = [o.numpy() for o in out]
            yield arrays[0] if single else dict(zip(names, arrays))

    def get_activations(self, images: ArrayLike, layers: LayerNames, batch_size: int = 32,
                        check_range: bool = True, dtype: Optional[Any] = None,
                        ind_shape: Optional[Sequence[int]] = None, center_only: bool = False) -> Activations:
        """Activations of `layers` (a name, or a list for a dict) for `images` as NumPy.

        images: [b, h, w, 3] or [h, w, 3] (or a list of same-shape images), float RGB in [0, 1]
        or uint8 in 0..255 (divided by 255). A float image outside [0, 1] is refused (a 0-255
        float image would give activations ~255x too large); check_range=False feeds it as is.
        batch_size: images per step, any integer >= 1. Lucid's order (layer, examples), or any of
        dtype / ind_shape / center_only: modelzoo.get_activations (n-d example families).
        """
        images, layers, lucid_order = lucid_argument_order(images, layers)
        if lucid_order or dtype is not None or ind_shape is not None or center_only:
            return get_activations_nd(self, layers, images, batch_size, dtype,  # type: ignore[arg-type]
                                      ind_shape, center_only, check_range)
        batch_size = _check_batch_size(batch_size)
        parts: List[Any] = list(self.get_activations_iter(images, layers, batch_size, check_range))
        if isinstance(layers, str):
            return np.concatenate(parts)
        return {n: np.concatenate([p[n] for p in parts]) for n in layers}

    # -- saving and loading your own models (Lucid's static API) ------------------------
    save = staticmethod(saving.save)
    suggest_save_args = staticmethod(save_args.suggest_save_args)

    @staticmethod
    def load(url: PathLike) -> "Model":
        """A Model from a .pb written by Model.save, or from a Lucid-style .json manifest."""
        if loading.saved_kind(url) == "pb":
            return Model.load_from_graphdef(url)
        return Model.load_from_manifest(url)

    @staticmethod
    def load_from_metadata(model_url: PathLike, metadata: Mapping[str, Any]) -> "Model":
        """A Model for any frozen graph, described by a dict with input_name, image_shape and
        image_value_range (optionally layers, is_BGR); the graph is read on first use."""
        return FrozenGraphModel.create(model_url, loading.metadata_attrs(metadata, model_url))

    @staticmethod
    def load_from_graphdef(graphdef_url: PathLike) -> "Model":
        """A Model from a .pb that carries Model.save's metadata (ValueError if it does not)."""
        attrs, graph_def = loading.graphdef_attrs(graphdef_url)
        return FrozenGraphModel.create(graphdef_url, attrs, graph_def)

    @staticmethod
    def load_from_manifest(manifest_url: PathLike) -> "Model":
        """A Model from a Lucid manifest.json (type 'frozen'; relative model_path beside it)."""
        model_path, attrs = loading.manifest_attrs(manifest_url)
        return FrozenGraphModel.create(model_path, attrs)


class SerializedModel(Model):
    """Lucid's base of models read from files (a folder with a manifest.json)."""

    @classmethod
    def from_directory(cls, model_path: PathLike, manifest_path: Optional[PathLike] = None) -> Model:
        """The model described by `manifest_path` (default: model_path/manifest.json); Lucid
        deprecated this in favour of Model.load_from_manifest, and so does this port."""
        warnings.warn("SerializedModel.from_directory is deprecated; use Model.load_from_manifest.",
                      DeprecationWarning, stacklevel=2)
        return Model.load_from_manifest(manifest_path or os.path.join(model_path, "manifest.json"))


class FrozenGraphModel(SerializedModel):
    """A Model for a frozen graph described by metadata (Lucid's name), as Model.load* build it:
    `layers` come from the metadata or, if it has none, from the graph's Relu/Softmax ops (read
    on first use, depths from static shapes)."""

    # names-only layer list (manifest); depths then come from the graph
    _layer_names: Optional[Tuple[str, ...]] = None

    def __new__(cls, model_directory: Optional[PathLike] = None,
                manifest: Optional[Mapping[str, Any]] = None) -> Any:
        """Lucid's FrozenGraphModel(model_directory, manifest): the model a manifest dict describes."""
        if manifest is None:
            return super().__new__(cls)
        where = os.path.join(os.fspath(model_directory or "."), "manifest.json")
        return cls.create(*loading.manifest_dict_attrs(manifest, where))

    @classmethod
    def create(cls, model_url: PathLike, attrs: Mapping[str, Any],
               graph_def: Optional[tf.compat.v1.GraphDef] = None) -> "FrozenGraphModel":
        """An instance of a new subclass named after `model_url` with `attrs` as class attributes
        (Lucid's DynamicModel); `graph_def`, when given, is used instead of reading the file."""
        attrs = dict(attrs)
        layers = attrs.pop("layers", None)
        if layers:
            if all(isinstance(entry, str) for entry in layers):
                attrs["_layer_names"] = tuple(layers)
            else:
                attrs["layers"] = [dict(e, tags=e.get("tags", [])) if isinstance(e, dict) else e
                                   for e in layers]
        attrs.setdefault("modelname", loading.class_name(model_url))
        attrs["model_path"] = model_url
        model = type(loading.class_name(model_url), (cls,), attrs)()
        if graph_def is not None:
            model._graph_def = graph_def
        return model

    def _derived_layers(self) -> Tuple[Layer, ...]:
        cached = self.__dict__.get("_layers_cache")
        if cached is None:
            entries = (derive_layers(self.graph_def) if self._layer_names is None
                       else layer_depths(self.graph_def, self._layer_names))
            cached = _as_layers(type(self), entries)
            self.__dict__["_layers_cache"] = cached
        return cached


# Set after class creation so Model.__init_subclass__ does not treat it as a layer list; dynamic
# subclasses whose metadata lists layers override it with a plain tuple.
FrozenGraphModel.layers = property(FrozenGraphModel._derived_layers)  # type: ignore[assignment]
