"""Higher-level recipes built on optvis: layer grids, activation grids, neuron groups, and
Lucid's recipe modules (caricature, image_activations, feature_visualization,
image_interpolation_params, activation_atlas) at Lucid's paths."""
from lucid_vgg.recipes.activation_grid import activation_grid, activation_grid_simple, assemble
from lucid_vgg.recipes.feature_vis import (ALIGNMENT_WEIGHT, DIVERSITY_WEIGHT, diverse_images,
                                           frame_difference, interpolate, interpolate_param_f,
                                           negative_positive)
from lucid_vgg.recipes.neuron_groups import NeuronGroups, neuron_groups
from lucid_vgg.recipes.layer_renders import LayerRenderInfo, render_layer
from lucid_vgg.recipes.model_renders import RenderModelInfo, render_model
# Lucid's recipe modules; their functions named like a module (caricature, image_activations,
# activation_atlas) are not re-exported here, so `recipes.<name>` stays the module.
from lucid_vgg.recipes import (activation_atlas, caricature, feature_visualization,  # noqa: F401
                               image_activations, image_interpolation_params)
from lucid_vgg.recipes.activation_atlas import aligned_activation_atlas, collect_activations
from lucid_vgg.recipes.caricature import feature_inversion
from lucid_vgg.recipes.image_interpolation_params import multi_interpolation_basis

__all__ = [
    "render_layer", "LayerRenderInfo", "render_model", "RenderModelInfo",
    "negative_positive", "diverse_images", "DIVERSITY_WEIGHT",
    "interpolate", "interpolate_param_f", "frame_difference", "ALIGNMENT_WEIGHT",
    "activation_grid_simple", "activation_grid", "assemble",
    "neuron_groups", "NeuronGroups",
    "feature_inversion", "collect_activations", "aligned_activation_atlas",
    "multi_interpolation_basis",
]
