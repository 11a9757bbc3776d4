"""A static browser for a model's units (the render-model output): `build_site` writes a model
page, a page per layer and per unit, served by any static host; `lucid-vgg site` runs it."""
from lucid_vgg.site.build import build_site
from lucid_vgg.site.connections import layer_connections
from lucid_vgg.site.render_output import RenderOutput, RenderOutputError, read_render_output

__all__ = ["build_site", "layer_connections", "read_render_output", "RenderOutput",
           "RenderOutputError"]
