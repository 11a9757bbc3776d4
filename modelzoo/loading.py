"""What a saved model says about itself: Model.save's metadata inside a .pb, or a Lucid
manifest.json, checked and turned into the attributes of a FrozenGraphModel (vision_base).
"""
import json
import os
import re
from typing import Any, Dict, Mapping, Tuple
from urllib.parse import urljoin

import numpy as np
import tensorflow as tf

from modelzoo.fileio import PathLike, is_url
from modelzoo.util import extract_metadata, load_graphdef
from modelzoo.weights.download import fetch

REQUIRED_METADATA = ("input_name", "image_shape", "image_value_range")
# manifest keys that would shadow Model attributes or methods: never copied onto the model
_RESERVED = {"name", "graph_def", "labels", "layer_names", "type"}

_NO_METADATA = (
    "{url} has no Lucid metadata node, so Model.load / load_from_graphdef cannot know its input. "
    "Only graphs written by Model.save carry it. Describe the graph yourself with "
    "Model.load_from_metadata({url!r}, {{'input_name': 'input', 'image_shape': [224, 224, 3], "
    "'image_value_range': [0, 1]}}) (Model.suggest_save_args(graph_def) guesses these), or re-save "
    "it with Model.save(...).")


def class_name(url: PathLike) -> str:
    """A Python class name from a model file's name ('my-net.pb' -> 'my_net')."""
    stem = os.path.splitext(os.path.basename(str(url).rstrip("/")))[0] or "DynamicModel"
    name = re.sub(r"\W", "_", stem)
    return name if name[0].isalpha() or name[0] == "_" else "_" + name


def _check_value_range(value_range, where):
    """(low, high) with low < high everywhere (per channel when they are vectors)."""
    try:
        lo, hi = (np.asarray(v, np.float64) for v in value_range)
        ordered = bool(np.all(lo < hi))
    except (TypeError, ValueError):
        raise ValueError(f"image_value_range for {where} must be (low, high), e.g. (0, 1); "
                         f"got {value_range!r}.") from None
    if not ordered:
        raise ValueError(f"image_value_range for {where} is out of order: low must be below high, "
                         f"got {value_range!r}; e.g. (0, 1), (-1, 1) or (0, 255).")


def metadata_attrs(metadata: Mapping[str, Any], where: PathLike) -> Dict[str, Any]:
    """Model attributes from Lucid metadata (input_name, image_shape, image_value_range, optional
    is_BGR and layers), checked; ValueError naming `where` and what is missing or wrong."""
    missing = [k for k in REQUIRED_METADATA if k not in metadata]
    if missing:
        raise ValueError(f"Metadata for {where} lacks {missing}; it needs input_name, image_shape and "
                         "image_value_range (e.g. {'input_name': 'input', 'image_shape': [224, 224, 3], "
                         "'image_value_range': [0, 1]}).")
    attrs = {k: metadata[k] for k in REQUIRED_METADATA}
    attrs["image_shape"] = list(attrs["image_shape"])
    attrs["image_value_range"] = tuple(attrs["image_value_range"])
    _check_value_range(attrs["image_value_range"], where)
    attrs["is_BGR"] = bool(metadata.get("is_BGR", False))
    if metadata.get("layers"):
        attrs["layers"] = list(metadata["layers"])
    return attrs


def graphdef_attrs(graphdef_url: PathLike) -> Tuple[Dict[str, Any], tf.compat.v1.GraphDef]:
    """(attributes, GraphDef) of a .pb written by Model.save: its metadata is inside the graph."""
    graph_def = load_graphdef(graphdef_url)
    metadata = extract_metadata(graph_def)
    if not metadata or "input_name" not in metadata:
        raise ValueError(_NO_METADATA.format(url=graphdef_url))
    return metadata_attrs(metadata, graphdef_url), graph_def


def _read_manifest(manifest_url):
    try:
        path = fetch(manifest_url) if is_url(manifest_url) else os.fspath(manifest_url)
        with open(path, encoding="utf-8") as f:
            manifest = json.load(f)
    except (OSError, ValueError) as e:
        raise ValueError(f"Could not read the manifest {manifest_url}: {e}") from None
    if not isinstance(manifest, dict):
        raise ValueError(f"The manifest {manifest_url} must be a JSON object.")
    kind = manifest.get("type", "frozen")
    if kind != "frozen":
        raise NotImplementedError(f"Manifest type {kind!r} ({manifest_url}) is not supported; only 'frozen'.")
    return manifest


def manifest_attrs(manifest_url: PathLike) -> Tuple[str, Dict[str, Any]]:
    """(model path, attributes) from a Lucid manifest.json of type 'frozen'; a relative model_path
    is resolved next to the manifest, extra keys (labels_path, dataset, ...) become attributes."""
    return manifest_dict_attrs(_read_manifest(manifest_url), manifest_url)


def manifest_dict_attrs(manifest: Mapping[str, Any], manifest_url: PathLike) -> Tuple[str, Dict[str, Any]]:
    """manifest_attrs for a manifest already read into a dict (`manifest_url`: where it lives)."""
    attrs = metadata_attrs(manifest, manifest_url)
    attrs.update({k: v for k, v in manifest.items() if k not in REQUIRED_METADATA + ("layers", "model_path")
                  and k not in _RESERVED})
    attrs["manifest"] = manifest
    model_path = str(manifest.get("model_path", "graph.pb"))
    if "://" not in model_path and not os.path.isabs(model_path):
        if is_url(manifest_url):
            model_path = urljoin(str(manifest_url), model_path)
        else:
            model_path = os.path.join(os.path.dirname(os.path.abspath(manifest_url)), model_path)
            model_path = os.path.normpath(model_path)
    return model_path, attrs


def saved_kind(url: PathLike) -> str:
    """'pb' or 'json': which of Model.load's two file kinds `url` is (ValueError for others)."""
    url_s = str(url)
    if url_s.endswith(".pb"):
        return "pb"
    if url_s.endswith(".json"):
        return "json"
    raise ValueError(f"Model.load({url_s!r}): expected a .pb frozen graph (from Model.save) or a .json "
                     "manifest; for another file use Model.load_from_metadata(url, metadata).")
