"""Build the static unit browser from a render output: check, copy images, write pages.

Page per unit as real HTML files, not one unit.html driven by a JSON index: every unit then
has a stable URL that works with JavaScript off, from file://, and on any static host, and a
link checker can verify the whole site. The cost is small: the first site's unit pages average
4.4 kB (~1.2 kB gzipped), so VGG16's 4224 conv units would add ~19 MB of HTML beside their PNGs;
the search index (site-data/index.js) and the connections (site-data/connections/*.json) stay
JSON. The site is an output of `lucid-vgg site`, rebuilt by that one command, never
a source to edit by hand.
"""
import json
import os
import shutil
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence

from lucid_vgg.site import pages
from lucid_vgg.site.connections import layer_connections
from lucid_vgg.site.render_output import RenderOutput, RenderOutputError, read_render_output, safe_name
from modelzoo.fileio import PathLike
from modelzoo.vision_base import Model

STATIC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "static")
IMAGES = "img"


def zoo_class(name: Any) -> Any:
    """The model-zoo class called `name` (e.g. VGG16_caffe), or a RenderOutputError naming the
    known ones."""
    from modelzoo import vision_models

    cls = getattr(vision_models, str(name), None)
    if not (isinstance(cls, type) and issubclass(cls, Model)) or cls is Model:
        known = sorted(n for n, v in vars(vision_models).items()
                       if isinstance(v, type) and issubclass(v, Model) and v is not Model)
        raise RenderOutputError(f"model {name!r} (from model.json) is not in the model zoo; "
                                f"known models: {', '.join(known)}; pass model= yourself")
    return cls


def _write(path: str, text: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def _place_images(out: RenderOutput, site_dir: str, in_place: bool, prefix: str = "") -> None:
    """Give every row `_src` (its image now) and a `file` relative to the site: the same file
    for a site built in its render output, else `img/<prefix><file>` (copied by _copy_images)."""
    for kinds in out.units.values():
        for rows in kinds.values():
            for row in rows:
                if "_src" in row:
                    continue
                row["_src"] = os.path.abspath(os.path.join(out.root, row["file"]))
                if not in_place:
                    row["file"] = f"{IMAGES}/{prefix}{row['file']}"


def _copy_images(out: RenderOutput, site_dir: str, max_side: int = 0) -> int:
    """Copy the images not already where the site shows them (skipping up-to-date copies);
    with `max_side`, larger ones are shrunk to fit max_side x max_side (dataset-example crops
    of deep layers are ~200 px photos, ~40 kB each as PNG)."""
    copied = 0
    for kinds in out.units.values():
        for rows in kinds.values():
            for row in rows:
                src, dst = row["_src"], os.path.join(site_dir, row["file"])
                if os.path.realpath(src) == os.path.realpath(dst):
                    continue
                if os.path.exists(dst) and os.path.getmtime(dst) >= os.path.getmtime(src):
                    continue
                os.makedirs(os.path.dirname(dst), exist_ok=True)
                _copy_image(src, dst, max_side)
                copied += 1
    return copied


def _copy_image(src: str, dst: str, max_side: int) -> None:
    from PIL import Image

    if max_side:
        with Image.open(src) as img:
            if max(img.size) > max_side:
                img.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
                img.save(dst + ".tmp.png", optimize=True)
                os.replace(dst + ".tmp.png", dst)
                return
    shutil.copy2(src, dst)


def merge_outputs(out: RenderOutput, extra: RenderOutput, site_dir: str, prefix: str) -> None:
    """Add `extra`'s rows (e.g. dataset examples written to another folder) to `out`: its kinds
    replace the same kinds of a unit, its images go to `img/<prefix>`. Same model only."""
    if extra.model.get("name") != out.model.get("name"):
        raise RenderOutputError(f"{extra.root!r} was made for model {extra.model.get('name')!r}, "
                                f"but the site shows {out.model.get('name')!r}")
    _place_images(extra, site_dir, in_place=False, prefix=prefix)
    known = {e["name"] for e in out.layers}
    out.layers.extend(e for e in extra.layers if e["name"] not in known)
    for key, kinds in extra.units.items():
        out.units.setdefault(key, {}).update(kinds)


def _connections(out: RenderOutput, model: Optional[Model], top: int,
                 site_dir: str) -> Dict[str, Dict[str, Any]]:
    if top <= 0:
        return {}
    model = model if model is not None else zoo_class(out.model.get("name"))()
    found = layer_connections(model, top)
    shown = {e["name"] for e in out.layers}
    for name, links in found.items():
        if name in shown:
            _write(os.path.join(site_dir, "site-data", "connections", f"{safe_name(name)}.json"),
                   json.dumps({"layer": name, "top": top, **links}))
    return found


def _check_top(top: Any) -> int:
    if isinstance(top, bool) or not isinstance(top, int) or top < 0:
        raise ValueError(f"top must be an integer >= 0 (0: no connections), got {top!r}")
    return top


@dataclass
class SitePlan:
    """A checked site build: where it goes, what it shows, whether images stay in place."""

    site_dir: str
    out: RenderOutput
    in_place: bool
    top: int
    max_side: int = 0


def prepare_site(site_dir: PathLike, source: Optional[PathLike] = None,
                 model: Optional[Model] = None, top: int = 8,
                 examples: Sequence[PathLike] = (), max_side: int = 0) -> SitePlan:
    """Check the arguments and read the render output (and the `examples` outputs to merge
    in); writes nothing. ValueError (a RenderOutputError for an output) says what is wrong."""
    from lucid_vgg.recipes._common import check_out_dir

    top = _check_top(top)
    if isinstance(max_side, bool) or not isinstance(max_side, int) or max_side < 0:
        raise ValueError(f"max_side must be an integer >= 0 (0: copy images as they are), "
                         f"got {max_side!r}")
    site = check_out_dir(site_dir, "site directory") or ""
    src = site if source is None else os.fspath(source)
    known: Optional[List[Dict[str, Any]]] = None
    if model is not None or not os.path.isfile(os.path.join(src, "model.json")):
        table = model.layers if model is not None else zoo_class("VGG16_caffe").layers
        known = [{"name": la.name, "depth": la.depth, "tags": sorted(la.tags)} for la in table]
    out = read_render_output(src, getattr(model, "name", "VGG16_caffe"), known)
    if not out.units:
        raise RenderOutputError(f"render output {src!r} has no unit images yet")
    if top and model is None:
        zoo_class(out.model.get("name"))  # an unknown model fails now, not after the pages
    in_place = os.path.realpath(src) == os.path.realpath(site)
    _place_images(out, site, in_place)
    for i, extra in enumerate(examples):
        merge_outputs(out, read_render_output(os.fspath(extra)), site, f"examples{i}/")
    return SitePlan(site, out, in_place, top, max_side)


def write_site(plan: SitePlan, model: Optional[Model] = None) -> Dict[str, Any]:
    """Write the site `prepare_site` planned; `model` gives the connections (default: the
    model-zoo entry model.json names, loaded only when plan.top > 0)."""
    site_dir, out = plan.site_dir, plan.out
    os.makedirs(site_dir, exist_ok=True)
    connections = _connections(out, model, plan.top, site_dir)
    copied = _copy_images(out, site_dir, plan.max_side)

    def image_url(file: str) -> str:  # rows' files are already relative to the site
        return file

    os.makedirs(os.path.join(site_dir, "site-static"), exist_ok=True)
    for name in ("site.css", "site.js"):
        shutil.copyfile(os.path.join(STATIC, name), os.path.join(site_dir, "site-static", name))
    index = pages.site_index(out)
    _write(os.path.join(site_dir, "site-data", "index.json"), json.dumps(index))
    _write(os.path.join(site_dir, "site-data", "index.js"),
           f"window.LUCID_SITE_INDEX = {json.dumps(index)};\n")
    _write(os.path.join(site_dir, "index.html"), pages.model_page(out, image_url))
    n_units = 0
    for entry in index["layers"]:
        layer = entry["name"]
        _write(os.path.join(site_dir, pages.layer_href(layer)), pages.layer_page(out, layer, image_url))
        for unit in entry["units"]:
            _write(os.path.join(site_dir, pages.unit_href(layer, unit)),
                   pages.unit_page(out, layer, unit, connections.get(layer), image_url))
            n_units += 1
    return {"site": site_dir, "layers": len(index["layers"]), "units": n_units,
            "images_copied": copied, "connections": sorted(connections)}


def build_site(site_dir: PathLike, source: Optional[PathLike] = None,
               model: Optional[Model] = None, top: int = 8,
               examples: Sequence[PathLike] = (), max_side: int = 0) -> Dict[str, Any]:
    """Write the static site for the render output `source` (default: `site_dir` itself, whose
    images are then used in place; otherwise they are copied to `<site_dir>/img/`).

    model: the model for the connections (default: the model-zoo entry model.json names);
    top: how many connected units to list per direction (0: none, no model loaded);
    examples: other render outputs (e.g. `dataset_examples(..., out=)`) whose rows are added;
    max_side: copies larger than this are shrunk to fit (0: as they are; in-place images stay).
    Returns counts of what was written. Bad input is refused before anything is written.
    """
    return write_site(prepare_site(site_dir, source, model, top, examples, max_side), model)
