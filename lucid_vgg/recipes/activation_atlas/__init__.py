"""Activation atlases (Lucid's `recipes.activation_atlas`): `activation_atlas` and
`aligned_activation_atlas`; the steps live in `collect`, `whitening`, `layout`, `render`, `main`."""
from lucid_vgg.recipes.activation_atlas.collect import collect_activations
from lucid_vgg.recipes.activation_atlas.layout import aligned_umap, normalize_layout
from lucid_vgg.recipes.activation_atlas.main import activation_atlas, aligned_activation_atlas

__all__ = ["activation_atlas", "aligned_activation_atlas", "collect_activations", "aligned_umap",
           "normalize_layout"]
