"""Read and write frozen GraphDef (.pb) files safely: verified on load, written atomically.

A truncated or foreign file must fail loudly here rather than import as a partial graph.
"""
import hashlib
import json
import os

import tensorflow as tf
from google.protobuf.message import DecodeError

from lucid_vgg.misc.io.writing import atomic_write_bytes


class GraphFileError(ValueError):
    """A .pb file could not be used as a frozen graph (base class of the errors below)."""


class GraphFileNotFound(GraphFileError):
    """The .pb file does not exist."""


class CorruptGraphError(GraphFileError):
    """The .pb file is truncated, corrupt, fails its SHA-256 sidecar, or is not a GraphDef."""


def sidecar_path(path):
    """Where the JSON sidecar (size, SHA-256, provenance) of a .pb file lives."""
    return str(path) + ".json"


def _fix_hint(path):
    return (f"Delete {path} (and {os.path.basename(sidecar_path(path))} if present) and rebuild it: "
            "a cached VGG16_caffe graph is rebuilt automatically on next use, a converted one "
            "with `lucid-vgg convert-h5 FILE`.")


def read_sidecar(path):
    """The sidecar dict of `path`, or None when there is none; an unreadable sidecar is corrupt."""
    side = sidecar_path(path)
    if not os.path.exists(side):
        return None
    try:
        with open(side, encoding="utf-8") as f:
            meta = json.load(f)
        int(meta["size"]), str(meta["sha256"])
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise CorruptGraphError(f"The sidecar {side} of {path} is unreadable ({e}). {_fix_hint(path)}") from None
    return meta


def parse_graph_def(data, path="<bytes>", verified=False):
    """Parse serialized GraphDef bytes and check the result is a complete, self-consistent graph.

    verified=True (bytes already matched a SHA-256 sidecar) skips the costlier re-size check.
    """
    gd = tf.compat.v1.GraphDef()
    try:
        gd.ParseFromString(data)
    except (DecodeError, RuntimeError, ValueError) as e:
        raise CorruptGraphError(f"{path} is not a valid GraphDef (protobuf decode failed: {e}); "
                                f"it is truncated, corrupt or not a frozen graph. {_fix_hint(path)}") from None
    if not gd.node:
        raise CorruptGraphError(f"{path} holds no graph nodes ({len(data)} bytes): it is empty or not "
                                f"a frozen TF graph. {_fix_hint(path)}")
    if not verified and gd.ByteSize() != len(data):
        raise CorruptGraphError(f"{path} is not a clean GraphDef: {len(data)} bytes on disk but only "
                                f"{gd.ByteSize()} parse as graph fields. {_fix_hint(path)}")
    names = set()
    for node in gd.node:
        if not node.name or not node.op:
            raise CorruptGraphError(f"{path} has a node without name or op; it is corrupt or not a "
                                    f"GraphDef. {_fix_hint(path)}")
        names.add(node.name)
    for node in gd.node:
        for inp in node.input:
            src = inp.lstrip("^").split(":")[0]
            if src not in names:
                raise CorruptGraphError(f"{path} is incomplete: node {node.name!r} reads {inp!r}, which "
                                        f"is missing (truncated file?). {_fix_hint(path)}")
    return gd


def load_graph_def_file(path):
    """Read a frozen GraphDef from `path`, verifying its sidecar SHA-256 when one exists."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise GraphFileNotFound(f"Graph file {path} does not exist (or is not a file). Check the path, "
                                "or unset $LUCID_VGG_VGG16_PB to use the cache / offline weights.")
    with open(path, "rb") as f:
        data = f.read()
    meta = read_sidecar(path)
    if meta is not None:
        if len(data) != int(meta["size"]):
            raise CorruptGraphError(f"{path} is {len(data)} bytes but its sidecar records {meta['size']} "
                                    f"(truncated or overwritten). {_fix_hint(path)}")
        digest = hashlib.sha256(data).hexdigest()
        if digest != meta["sha256"]:
            raise CorruptGraphError(f"{path} fails its SHA-256 check (got {digest[:12]}..., expected "
                                    f"{meta['sha256'][:12]}...): the file is corrupt. {_fix_hint(path)}")
    return parse_graph_def(data, path, verified=meta is not None)


def sha256_file(path):
    """Hex SHA-256 of a file, read in 1 MiB blocks (weights files are tens of MB)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def save_graph_def_file(graph_def, path, metadata=None):
    """Write `graph_def` atomically plus a sidecar with size, SHA-256 and `metadata`; returns path."""
    data = graph_def.SerializeToString()
    side = dict(metadata or {})
    side.update(size=len(data), sha256=hashlib.sha256(data).hexdigest())
    # the sidecar goes first: a crash in between leaves a mismatch, which is detected and rebuilt
    atomic_write_bytes(sidecar_path(path), json.dumps(side, indent=1, sort_keys=True).encode("utf-8"))
    atomic_write_bytes(path, data)
    return os.fspath(path)
