"""Read a render output for the site: `model.json` + `manifest.jsonl` (the render-model format),
or, as a fallback, a plain folder of `<layer>_<unit:04d>.png` files (docs/layer_grids).

Manifest rules: one JSON object per line; the latest row for a (layer, unit, kind, index) wins;
a torn last line (a writer killed mid-line) is skipped; any other unreadable line is an error.
"""
import json
import os
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

KINDS = ("positive", "negative", "diverse", "example")
PNG_NAME = re.compile(r"^(?P<layer>.+)_(?P<unit>\d{4})\.png$")
#: (layer, unit) -> kind -> rows sorted by index
Units = Dict[Tuple[str, int], Dict[str, List[Dict[str, Any]]]]


class RenderOutputError(ValueError):
    """A render output the site cannot be built from (what is wrong, and where)."""


@dataclass
class RenderOutput:
    """What the site shows: the model's identity, its layers (name, depth, tags), the render
    settings and, per unit, its rows by kind."""

    root: str
    model: Dict[str, Any]
    layers: List[Dict[str, Any]]
    settings: Dict[str, Any] = field(default_factory=dict)
    version: str = ""
    units: Units = field(default_factory=dict)

    def units_of(self, layer: str) -> List[int]:
        """The units of `layer` that have at least one image, in order."""
        return sorted(u for (name, u) in self.units if name == layer)


def safe_name(layer: str) -> str:
    """A layer name as a file-name stem: 'conv4_1/conv4_1' -> 'conv4_1' (as render_layer)."""
    parts = str(layer).split(":")[0].split("/")
    stem = parts[0] if len(set(parts)) == 1 else "_".join(parts)
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", stem)


def read_manifest(path: str) -> List[Dict[str, Any]]:
    """The rows of a manifest.jsonl, later rows replacing earlier ones with the same
    (layer, unit, kind, index); a torn last line is skipped."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    latest: Dict[Tuple[Any, ...], Dict[str, Any]] = {}
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            if number == len(lines):  # no newline after it: a torn last line
                continue
            raise RenderOutputError(f"{path} line {number} is not a JSON object: "
                                    f"{line[:80]!r}") from None
        missing = [k for k in ("layer", "unit", "kind", "index", "file") if k not in row]
        if missing or row["kind"] not in KINDS:
            raise RenderOutputError(f"{path} line {number}: a row needs layer, unit, kind "
                                    f"({'|'.join(KINDS)}), index and file; missing {missing}, "
                                    f"kind {row.get('kind')!r}")
        latest[(row["layer"], int(row["unit"]), row["kind"], int(row["index"]))] = row
    return list(latest.values())


def _group(rows: Sequence[Dict[str, Any]], root: str) -> Units:
    units: Units = {}
    for row in rows:
        if not os.path.isfile(os.path.join(root, row["file"])):
            raise RenderOutputError(
                f"manifest row {row['layer']} unit {row['unit']} {row['kind']} #{row['index']}: "
                f"its file {row['file']!r} does not exist in {root!r}; rerun the render to "
                "recreate it, or remove the row")
        units.setdefault((row["layer"], int(row["unit"])), {}).setdefault(row["kind"], []).append(row)
    for kinds in units.values():
        for rows_of_kind in kinds.values():
            rows_of_kind.sort(key=lambda r: int(r["index"]))
    return units


def _read_model_json(path: str) -> Dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as f:
            info = json.load(f)
    except json.JSONDecodeError as e:
        raise RenderOutputError(f"{path} is not valid JSON ({e})") from None
    if not isinstance(info, dict) or "model" not in info or "layers" not in info:
        raise RenderOutputError(f"{path} needs 'model' ({{name, fingerprint}}) and 'layers'")
    return info


def _layer_settings(path: str) -> Dict[str, Dict[str, Any]]:
    """Per layer, the size/steps/batch of its last batch in a `timings.jsonl` beside the PNGs
    (what notebooks/tools/render_layer_grids.py writes), or nothing without that file."""
    found: Dict[str, Dict[str, Any]] = {}
    if not os.path.isfile(path):
        return found
    with open(path, encoding="utf-8") as f:
        for line in f:
            try:
                row = json.loads(line)
                found[row["layer"]] = {k: row[k] for k in ("size", "steps", "batch") if k in row}
            except (json.JSONDecodeError, KeyError, TypeError):
                continue  # a torn or foreign line: these settings are informative only
    return found


def _from_png_folder(root: str, model_name: str,
                     known_layers: Optional[Sequence[Dict[str, Any]]]) -> RenderOutput:
    """Rows for a plain folder of `<layer>_<unit:04d>.png`: one positive image per unit."""
    by_stem = {safe_name(entry["name"]): entry for entry in (known_layers or [])}
    settings = _layer_settings(os.path.join(root, "timings.jsonl"))
    layers: Dict[str, Dict[str, Any]] = {}
    units: Units = {}
    for name in sorted(os.listdir(root)):
        match = PNG_NAME.match(name)
        if not match or not os.path.isfile(os.path.join(root, name)):
            continue
        stem = match.group("layer")
        entry = by_stem.get(stem) or {"name": f"{stem}/{stem}", "depth": None, "tags": ["conv"]}
        layers.setdefault(entry["name"], dict(entry))
        unit = int(match.group("unit"))
        row = {"layer": entry["name"], "unit": unit, "kind": "positive", "index": 0,
               "file": name, "objective": None, "settings": settings.get(entry["name"], {})}
        units[(entry["name"], unit)] = {"positive": [row]}
    order = [e["name"] for e in (known_layers or [])]
    ordered = sorted(layers.values(), key=lambda e: (order.index(e["name"]) if e["name"] in order
                                                    else len(order), e["name"]))
    for entry in ordered:
        if entry.get("depth") is None:
            entry["depth"] = max(u for (n, u) in units if n == entry["name"]) + 1
    return RenderOutput(root, {"name": model_name, "fingerprint": None}, ordered, units=units)


def read_render_output(root: str, model_name: str = "VGG16_caffe",
                       known_layers: Optional[Sequence[Dict[str, Any]]] = None) -> RenderOutput:
    """The render output at `root`: model.json + manifest.jsonl, or a folder of unit PNGs
    (`model_name` and `known_layers` name their model and layers then). Every file a row names
    must exist; a clear RenderOutputError otherwise, before anything is written."""
    if not os.path.isdir(root):
        raise RenderOutputError(f"render output {root!r} is not a directory")
    model_json, manifest = (os.path.join(root, n) for n in ("model.json", "manifest.jsonl"))
    if os.path.isfile(model_json) and os.path.isfile(manifest):
        info = _read_model_json(model_json)
        units = _group(read_manifest(manifest), root)
        return RenderOutput(root, dict(info["model"]), list(info["layers"]),
                            dict(info.get("settings") or {}), str(info.get("version", "")), units)
    if any(PNG_NAME.match(n) and os.path.isfile(os.path.join(root, n)) for n in os.listdir(root)):
        return _from_png_folder(root, model_name, known_layers)
    have = "model.json" if os.path.isfile(model_json) else "manifest.jsonl" \
        if os.path.isfile(manifest) else None
    raise RenderOutputError(
        f"{root!r} is not a render output: it needs model.json and manifest.jsonl (from "
        f"`lucid-vgg render-model`) or <layer>_<unit:04d>.png files"
        + (f"; it has only {have}" if have else ""))
