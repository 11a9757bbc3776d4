"""The site's HTML: a model page, one page per layer (a lazy grid of unit thumbnails) and one
page per unit. Pure functions from a RenderOutput to HTML text; build.py writes them.

Paths (relative to the site root): `index.html`, `layer/<stem>.html`, `unit/<stem>/<unit>.html`
with <unit> zero-padded to 4 digits; images under whatever `image_url` returns.
"""
import html
import json
from typing import Any, Callable, Dict, List, Optional

from lucid_vgg.site.render_output import KINDS, RenderOutput, safe_name

#: Maps a manifest `file` (relative to the render output) to its URL relative to the site root.
ImageUrl = Callable[[str], str]
TITLES = {"positive": "Positive (maximises the unit)", "negative": "Negative (minimises it)",
          "diverse": "Diverse (a batch pushed apart)", "example": "Dataset examples"}


def layer_href(layer: str) -> str:
    return f"layer/{safe_name(layer)}.html"


def unit_href(layer: str, unit: int) -> str:
    return f"unit/{safe_name(layer)}/{int(unit):04d}.html"


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def page(title: str, root: str, body: str, nav: Optional[Dict[str, str]] = None) -> str:
    """A whole HTML page: header with navigation (prev / up / next links, ids used by the
    keyboard script) and the search box, then `body`."""
    links = [f'<a href="{root}index.html">model</a>']
    for key, label in (("up", "up"), ("prev", "&larr; prev"), ("next", "next &rarr;")):
        if nav and nav.get(key):
            links.append(f'<a id="nav-{key}" href="{root}{_e(nav[key])}">{label}</a>')
    keys = "keys: &larr; &rarr; previous/next, &uarr; up" if nav else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)}</title>
<link rel="stylesheet" href="{root}site-static/site.css">
</head>
<body data-root="{root}">
<header><strong>{_e(title)}</strong><nav>{' '.join(links)}</nav>
<form class="search" id="search"><input id="search-box" type="search"
 placeholder="layer:unit, e.g. conv4_1:12" aria-label="go to layer:unit">
 <button type="submit">go</button><span id="search-message"></span></form>
<span class="keys">{keys}</span></header>
{body}
<script src="{root}site-data/index.js"></script>
<script src="{root}site-static/site.js"></script>
</body></html>
"""


def thumbnail_row(out: RenderOutput, layer: str, unit: int) -> Optional[Dict[str, Any]]:
    """The row whose image stands for a unit in grids: its first positive, else any kind."""
    kinds = out.units.get((layer, unit), {})
    for kind in KINDS:
        if kinds.get(kind):
            return kinds[kind][0]
    return None


def _settings_text(settings: Dict[str, Any]) -> str:
    return _e(json.dumps(settings, indent=1, sort_keys=True, default=str))


def model_page(out: RenderOutput, image_url: ImageUrl) -> str:
    """The model page: identity, settings, and each layer with a strip of its first units."""
    rows = []
    for entry in out.layers:
        units = out.units_of(entry["name"])
        if not units:
            continue
        thumbs = "".join(
            f'<a href="{unit_href(entry["name"], u)}"><img loading="lazy" alt="unit {u}" '
            f'src="{_e(image_url(row["file"]))}"></a>'
            for u in units[:8] for row in [thumbnail_row(out, entry["name"], u)] if row)
        rows.append(f'<h2><a href="{layer_href(entry["name"])}">{_e(entry["name"])}</a></h2>'
                    f'<p>{len(units)} of {_e(entry.get("depth"))} units, tags '
                    f'{_e(", ".join(entry.get("tags") or []))}</p><div class="grid">{thumbs}</div>')
    ident = out.model
    body = (f'<p>Model <b>{_e(ident.get("name"))}</b>, fingerprint '
            f'<code>{_e(ident.get("fingerprint"))}</code>, lucid-vgg {_e(out.version or "?")}.</p>'
            + "".join(rows)
            + (f"<h2>Settings</h2><pre>{_settings_text(out.settings)}</pre>" if out.settings else ""))
    return page(f"{ident.get('name')}: every unit", "", body)


def _neighbours(layers: List[str], name: str) -> Dict[str, str]:
    i = layers.index(name)
    nav = {"up": "index.html"}
    if i > 0:
        nav["prev"] = layer_href(layers[i - 1])
    if i + 1 < len(layers):
        nav["next"] = layer_href(layers[i + 1])
    return nav


def layer_page(out: RenderOutput, layer: str, image_url: ImageUrl) -> str:
    """A layer's page: a grid of every rendered unit's thumbnail, loaded lazily."""
    names = [e["name"] for e in out.layers if out.units_of(e["name"])]
    cells = []
    for u in out.units_of(layer):
        row = thumbnail_row(out, layer, u)
        img = (f'<img loading="lazy" alt="{_e(layer)} unit {u}" src="../{_e(image_url(row["file"]))}">'
               if row else "")
        cells.append(f'<a href="../{unit_href(layer, u)}">{img}{u}</a>')
    body = f'<div class="grid">{"".join(cells)}</div>'
    return page(f"{layer}", "../", body, _neighbours(names, layer))


def _images_section(kind: str, rows: List[Dict[str, Any]], image_url: ImageUrl) -> str:
    figures = []
    for row in rows:
        caption = [f"#{_e(row['index'])}"]
        if row.get("objective") is not None:
            caption.append(f"objective {float(row['objective']):.4g}")
        if row.get("activation") is not None:
            caption.append(f"activation {float(row['activation']):.4g}")
        source = row.get("source") or {}
        if source:
            caption.append(f"from {_e(source.get('image'))} box {_e(source.get('box'))}")
        figures.append(f'<figure><img loading="lazy" alt="{kind} {_e(row["index"])}" '
                       f'src="../../{_e(image_url(row["file"]))}"><figcaption>'
                       f'{", ".join(caption)}</figcaption></figure>')
    return f'<h2>{TITLES[kind]}</h2><div class="strip">{"".join(figures)}</div>'


def _connections_section(out: RenderOutput, title: str, link: Optional[Dict[str, Any]],
                         unit: int, image_url: ImageUrl) -> str:
    if not link:
        return ""
    layer, cells = link["layer"], []
    present = set(out.units_of(layer))
    for other, norm in link["units"][unit]:
        label = f"{_e(layer.split('/')[0])}:{other}<br>|W| {norm:.3g}"
        row = thumbnail_row(out, layer, other) if other in present else None
        if row:
            cells.append(f'<a href="../../{unit_href(layer, other)}"><img loading="lazy" '
                         f'alt="{_e(layer)} unit {other}" src="../../{_e(image_url(row["file"]))}">'
                         f'{label}</a>')
        else:  # that layer is not in this site: name the unit, link nothing
            cells.append(f"<span>{label}</span>")
    return f'<h2>{title}: {_e(layer)}</h2><div class="links">{"".join(cells)}</div>'


def unit_page(out: RenderOutput, layer: str, unit: int, connections: Optional[Dict[str, Any]],
              image_url: ImageUrl) -> str:
    """A unit's page: its images by kind with objective values, the settings they were made
    with, and the most strongly connected units of the layers below and above."""
    units = out.units_of(layer)
    i = units.index(unit)
    nav = {"up": layer_href(layer)}
    if i > 0:
        nav["prev"] = unit_href(layer, units[i - 1])
    if i + 1 < len(units):
        nav["next"] = unit_href(layer, units[i + 1])
    kinds = out.units.get((layer, unit), {})
    parts = [_images_section(kind, kinds[kind], image_url) for kind in KINDS if kinds.get(kind)]
    conn = connections or {}
    parts.append(_connections_section(out, "Strongest inputs from the layer below",
                                      conn.get("below"), unit, image_url))
    parts.append(_connections_section(out, "Strongest outputs to the layer above",
                                      conn.get("above"), unit, image_url))
    table = "".join("<tr>" + "".join(f"<td>{_e(_or_dash(v))}</td>" for v in (
        k, r["index"], r.get("objective"), r.get("settings_key"), r.get("finished"))) + "</tr>"
        for k in KINDS for r in kinds.get(k, []))
    settings = [r.get("settings") for k in KINDS for r in kinds.get(k, []) if r.get("settings")]
    parts.append("<h2>Objective values and settings</h2><table><tr><th>kind</th><th>index</th>"
                 f"<th>objective</th><th>settings key</th><th>finished</th></tr>{table}</table>"
                 + "".join(f"<pre>{_settings_text(s)}</pre>" for s in _distinct(settings)))
    return page(f"{layer} unit {unit}", "../../", "".join(parts), nav)


def _distinct(items: List[Any]) -> List[Any]:
    seen, out = set(), []
    for item in items:
        key = json.dumps(item, sort_keys=True, default=str)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def site_index(out: RenderOutput) -> Dict[str, Any]:
    """What the search box needs: each layer's name, file stem and rendered units."""
    layers = [{"name": e["name"], "stem": safe_name(e["name"]), "units": out.units_of(e["name"])}
              for e in out.layers if out.units_of(e["name"])]
    example = f"{layers[0]['stem']}:{layers[0]['units'][0]}" if layers else "conv4_1:12"
    return {"model": out.model, "layers": layers, "example": example}


def _or_dash(value: Any) -> Any:
    return "\u2014" if value is None else value
