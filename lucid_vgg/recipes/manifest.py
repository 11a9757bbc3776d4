"""The per-unit manifest of a render job: `<out>/manifest.jsonl`, one JSON row per finished file.

It is what makes render_model and render_layer resumable without ever reusing a unit made with
other settings or another model: a file counts as done only when the latest row for its
(layer, unit, kind, index) has the settings key asked for and the file's SHA-256. Only the
driver process appends (flush + fsync); a torn last line from a crash is skipped with a warning.
`<out>/model.json` (written atomically at the start of render_model) describes the model.
"""
import datetime
import hashlib
import json
import warnings
from typing import Any, Dict, Iterable, List, Mapping, Optional, Set, Tuple

from lucid_vgg.recipes.output_store import OutputStore
from modelzoo.vision_base import Model

MANIFEST_NAME = "manifest.jsonl"
MODEL_JSON = "model.json"
KINDS = ("positive", "negative", "diverse")

RowKey = Tuple[str, int, str, int]


class ManifestMismatchError(ValueError):
    """The output location holds a manifest made for another model: nothing is rendered."""


def package_version() -> str:
    """lucid_vgg's version, as recorded in every row."""
    import lucid_vgg

    return str(getattr(lucid_vgg, "__version__", "unknown"))


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no spaces: the same text for equal settings, in any process."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)


def settings_key(settings: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the settings' canonical JSON: equal settings, equal key."""
    return hashlib.sha256(canonical_json(dict(settings)).encode("utf-8")).hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def model_fingerprint(model: Model) -> str:
    """The model's `fingerprint()` (its frozen graph's SHA-256, or a Keras model's architecture
    and weights), computed once per Model object: another graph or other weights, another print."""
    cached = model.__dict__.get("_lucid_vgg_fingerprint")
    if cached is None:
        cached = model.fingerprint()
        model.__dict__["_lucid_vgg_fingerprint"] = cached
    return str(cached)


def model_record(model: Model) -> Dict[str, str]:
    """{"name", "fingerprint"}: the `model` entry of every row and of model.json."""
    return {"name": model.name, "fingerprint": model_fingerprint(model)}


def utc_now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def make_row(layer: str, unit: int, kind: str, index: int, file: str, sha256: str,
             objective: Optional[float], settings: Mapping[str, Any], model: Mapping[str, str],
             finished: Optional[str] = None, **extra: Any) -> Dict[str, Any]:
    """One manifest row (the contract the static site reads); `extra` keys are kept as given."""
    row = {"layer": layer, "unit": int(unit), "kind": kind, "index": int(index), "file": file,
           "sha256": sha256, "objective": None if objective is None else float(objective),
           "settings": dict(settings), "settings_key": settings_key(settings),
           "model": dict(model), "version": package_version(), "finished": finished or utc_now()}
    row.update(extra)
    return row


def parse_rows(text: str, where: str = MANIFEST_NAME) -> List[Dict[str, Any]]:
    """The rows of a manifest's text; a torn last line (a crash mid-append) is skipped with a
    warning, and so is any other line that is not a JSON object (reported with its number)."""
    rows = []
    lines = text.split("\n")
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if not isinstance(row, dict):
                raise ValueError("not a JSON object")
        except ValueError:
            last = number == len(lines) or all(not rest.strip() for rest in lines[number:])
            what = "its torn last line" if last else f"line {number}, which is not a JSON row,"
            warnings.warn(f"{where}: ignoring {what} ({line[:60]!r}...); the files it named will "
                          "be rendered again", stacklevel=3)
            continue
        rows.append(row)
    return rows


class Manifest:
    """The manifest of one output location: its rows, the latest per file key, and appends."""

    def __init__(self, store: OutputStore) -> None:
        self.store = store
        self.rows: List[Dict[str, Any]] = []
        self.latest: Dict[RowKey, Dict[str, Any]] = {}
        self._torn_tail = False  # the file ends mid-line: the next append starts a new line
        if store.exists(MANIFEST_NAME):
            text = store.read_bytes(MANIFEST_NAME).decode("utf-8", errors="replace")
            self._torn_tail = bool(text) and not text.endswith("\n")
            for row in parse_rows(text, store.path(MANIFEST_NAME)):
                self._index(row)

    @staticmethod
    def key(row: Mapping[str, Any]) -> RowKey:
        return (str(row.get("layer")), int(row.get("unit", -1)), str(row.get("kind")),
                int(row.get("index", 0)))

    def _index(self, row: Dict[str, Any]) -> None:
        self.rows.append(row)
        try:
            self.latest[self.key(row)] = row  # later rows win
        except (TypeError, ValueError):
            pass

    def check_model(self, model: Mapping[str, str]) -> None:
        """ManifestMismatchError when rows (or model.json) were made for another model."""
        found: Set[str] = {str(r["model"]["fingerprint"]) for r in self.rows
                           if r.get("kind") in KINDS and isinstance(r.get("model"), dict)
                           and r["model"].get("fingerprint")}
        if self.store.exists(MODEL_JSON):
            try:
                info = json.loads(self.store.read_bytes(MODEL_JSON).decode("utf-8"))
                found.add(str(info["model"]["fingerprint"]))
            except (ValueError, KeyError, TypeError):
                pass  # an unreadable model.json is rewritten; the rows still decide
        other = sorted(found - {model["fingerprint"]})
        if other:
            raise ManifestMismatchError(
                f"{self.store.location!r} holds renders of another model (fingerprint "
                f"{other[0][:12]}..., this {model['name']} is {model['fingerprint'][:12]}...): "
                f"nothing was rendered or changed. To start fresh, choose a new output location, "
                f"or move {MANIFEST_NAME} and the files it lists away.")

    def done(self, key: RowKey, wanted_key: str) -> Optional[Dict[str, Any]]:
        """The latest row for `key` when it has settings key `wanted_key` and its file is there
        with that SHA-256; None (render it) otherwise."""
        row = self.latest.get(key)
        if row is None or row.get("settings_key") != wanted_key:
            return None
        rel = row.get("file")
        if not isinstance(rel, str) or not self.store.exists(rel):
            return None
        if sha256_bytes(self.store.read_bytes(rel)) != row.get("sha256"):
            return None
        return row

    def append(self, row: Dict[str, Any]) -> None:
        """Append a row durably (the driver alone calls this) and index it."""
        line = canonical_json(row)
        if self._torn_tail:
            line, self._torn_tail = "\n" + line, False
        self.store.append_line(MANIFEST_NAME, line)
        self._index(row)

    def write_model_json(self, model: Mapping[str, str], layers: Iterable[Mapping[str, Any]],
                         settings: Mapping[str, Any]) -> None:
        info = {"model": dict(model), "layers": list(layers), "settings": dict(settings),
                "version": package_version()}
        self.store.write_bytes(MODEL_JSON, (json.dumps(info, indent=1, sort_keys=True)
                                            + "\n").encode("utf-8"))


def layer_records(model: Model, names: Optional[Iterable[str]] = None) -> List[Dict[str, Any]]:
    """[{"name", "depth", "tags"}] for model.json, in the model's order (only `names` if given)."""
    keep = None if names is None else set(names)
    return [{"name": layer.name, "depth": layer.depth, "tags": sorted(layer.tags)}
            for layer in model.layers if keep is None or layer.name in keep]
