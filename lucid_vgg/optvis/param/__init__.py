"""Image parameterisations (Lucid's ``lucid.optvis.param``) built on create-once tf.Variables.

``cppn`` is the module and is also callable as Lucid's ``param.cppn(width, ...)`` function.
"""
from lucid_vgg.optvis.param import (color, cppn, images, lowres, random, spatial, unit_balls,
                                    variables)
from lucid_vgg.optvis.param.color import to_valid_rgb
from lucid_vgg.optvis.param.images import grayscale_image_rgb, image
from lucid_vgg.optvis.param.lowres import lowres_tensor
from lucid_vgg.optvis.param.random import image_sample, rand_fft_image
from lucid_vgg.optvis.param.spatial import (bilinearly_sampled_image, fft_image,
                                            laplacian_pyramid, laplacian_pyramid_image, naive,
                                            pixel_image, rfft2d_freqs)
from lucid_vgg.optvis.param.unit_balls import unit_ball_L2, unit_ball_L_inf
from lucid_vgg.optvis.param.variables import VariableStore, make_variable

__all__ = [
    "image", "grayscale_image_rgb", "pixel_image", "fft_image", "rfft2d_freqs",
    "laplacian_pyramid_image", "lowres_tensor", "bilinearly_sampled_image", "to_valid_rgb",
    "cppn", "unit_ball_L2", "unit_ball_L_inf", "image_sample", "rand_fft_image", "naive",
    "laplacian_pyramid", "VariableStore", "make_variable",
    "color", "spatial", "lowres", "unit_balls", "random", "images", "variables",
]
