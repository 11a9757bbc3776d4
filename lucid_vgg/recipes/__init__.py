"""Higher-level recipes built on optvis: layer grids, activation grids, neuron groups."""
from lucid_vgg.recipes.activation_grid import activation_grid, activation_grid_simple, assemble
from lucid_vgg.recipes.feature_vis import (ALIGNMENT_WEIGHT, DIVERSITY_WEIGHT, diverse_images,
                                           frame_difference, interpolate, interpolate_param_f,
                                           negative_positive)
from lucid_vgg.recipes.neuron_groups import NeuronGroups, neuron_groups
from lucid_vgg.recipes.layer_renders import LayerRenderInfo, render_layer
from lucid_vgg.recipes.model_renders import RenderModelInfo, render_model

__all__ = [
    "render_layer", "LayerRenderInfo", "render_model", "RenderModelInfo",
    "negative_positive", "diverse_images", "DIVERSITY_WEIGHT",
    "interpolate", "interpolate_param_f", "frame_difference", "ALIGNMENT_WEIGHT",
    "activation_grid_simple", "activation_grid", "assemble",
    "neuron_groups", "NeuronGroups",
]
