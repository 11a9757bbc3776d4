# ---
# jupyter:
#   jupytext:
#     formats: ipynb,.pct.py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# *This notebook is generated from [`caricature.pct.py`](caricature.pct.py), its source in
# [jupytext](https://jupytext.readthedocs.io)'s percent format: edit that file, then run
# `jupytext --sync caricature.pct.py` to update the cells here (their outputs are kept), or
# `python tools/execute_notebooks.py caricature` to re-render the pictures. In Jupyter with jupytext
# installed, saving this notebook updates both files. Settings and helpers shared by every
# notebook: [`nbsetup.py`](nbsetup.py).*

# %% [markdown]
# # Feature Inversion Caricatures
#
# Feature inversion asks: *what does a layer keep of a photo?* We start from random noise and
# optimise an image until its activations at one layer point the same way as the photo's. Unlike
# [Mahendran and Vedaldi](https://arxiv.org/abs/1412.0035), who minimise an L2 distance, Lucid
# maximises the **dot product** between the two activation tensors, under random jitter, scaling
# and rotation. A dot product rewards activations that are *larger* than the photo's along the
# same direction, so the result exaggerates whatever the layer responds to: a **caricature** of
# the photo as that layer sees it. This is the idea behind the activation grids of
# [The Building Blocks of Interpretability](https://distill.pub/2018/building-blocks/).
#
# *Ported from
# [Lucid](https://github.com/tensorflow/lucid/blob/master/notebooks/misc/feature_inversion_caricatures.ipynb)
# (Apache-2.0) to TensorFlow 2 and VGG16. VGG16 weights: Simonyan & Zisserman, *Very Deep
# Convolutional Networks for Large-Scale Image Recognition* (2014), CC BY 4.0.*

# %% [markdown]
# **Quick mode.** With the environment variable `LUCID_VGG_QUICK=1` (what the test run sets) every
# setting below shrinks (tiny images, a handful of steps, fewer layers) so the whole notebook runs
# in well under a minute. The pictures are then only a smoke test: run without it to see real
# visualisations. Files go under `$LUCID_VGG_OUT` (default `~/lucid_vgg_outputs`).

# %%
# Settings. LUCID_VGG_QUICK=1 (the test run) shrinks everything to a smoke test.
import time

import nbsetup
from nbsetup import QUICK, show_figure

OUT = nbsetup.start_notebook("caricature")  # this notebook's output folder; starts its clock
SIZE = 32 if QUICK else 128           # photo and caricature size in pixels (Lucid: 224)
STEPS = 8 if QUICK else 256           # optimisation steps per caricature (Lucid: 512)
COSSIM_STEPS = 8 if QUICK else 160    # steps for the cosine-similarity comparison
# the last conv layer of each of VGG16's five blocks (the one feeding its max-pool)
LAYERS = (["conv2_2/conv2_2", "conv4_3/conv4_3"] if QUICK else
          ["conv1_2/conv1_2", "conv2_2/conv2_2", "conv3_3/conv3_3", "conv4_3/conv4_3",
           "conv5_3/conv5_3"])
COSSIM_LAYER = "conv4_3/conv4_3"      # the layer of the cosine-similarity comparison
COSSIM_POWS = [0.0, 1.0] if QUICK else [0.0, 0.5, 1.0, 2.0]
# Full settings (128 px, 256 steps for 5 layers in one batch, 4 x 160 steps for the cossim_pow
# comparison) on 2 CPU cores: 765 s (TF 2.21 on an AMD EPYC with AVX-512; the machine was shared
# with other engineers' jobs, load average 3-7; an earlier run at load 9-15 took 1942 s).

# %% [markdown]
# ## Import, load the model

# %%
# Imports: lucid_vgg's first, so that on CPUs where TensorFlow leaves its faster oneDNN
# kernels off (no AVX-512) they are turned on before TensorFlow loads (see the README).
import numpy as np

import modelzoo.vision_models as models
from lucid_vgg.recipes.caricature import caricature
import tensorflow as tf

tf.get_logger().setLevel("ERROR")  # keep TF's Python warnings out of the pictures

# %%
# Let's load VGG16 from the model zoo. The first call builds the frozen graph from the offline
# ImageNet weights and caches it; later calls read the cache.
model = models.VGG16_caffe()
print("conv layers:", [layer.name.split("/")[0] for layer in model.layers
                       if layer.name.startswith("conv")])

# %%
# The photo: Chelsea the cat from scikit-image, centre-cropped to a square. (Lucid's notebook
# uses a dog-and-cat photo from its own server; scikit-image ships this one.)
img = nbsetup.chelsea(SIZE)
show_figure(img)

# %% [markdown]
# ## Caricatures at several depths
#
# `caricature(img, model, layers)` optimises one image per layer in a single batch. Batch entry 0
# is the photo itself, held fixed, and image *i* maximises `dot_compare(layer_i, batch=i)`: the
# dot product of its activations with the photo's at that layer. All images go through the same
# random transforms as the photo (Lucid's `standard_transforms`, then a crop back to the photo's
# size), so only what survives small shifts, rescalings and rotations is matched. The image is
# Lucid's default parameterisation: decorrelated colours in Fourier space.
#
# We take the last conv layer of each of VGG16's five blocks (`conv1_2` ... `conv5_3`, the ones
# that feed a max-pool): each is what its block hands on to the next, so together they show how
# the representation changes from block to block.

# %%
t = time.time()
result = caricature(img, model, LAYERS, n_steps=STEPS, size=SIZE, verbose=False,
                    use_fixed_seed=True)
print(f"{len(LAYERS)} caricatures in {time.time() - t:.0f} s; result shape {result.shape} "
      "(entry 0 is the photo)")
labels = ["photo"] + [name.split("/")[0] for name in LAYERS]
show_figure(list(result), labels=labels)

# %% [markdown]
# **What changes with depth.** At `conv1_2` and `conv2_2` every edge of the photo is where it
# was: these layers are small edge and colour detectors with receptive fields of a few pixels, so
# matching their activations pins down the layout pixel by pixel. The colours, though, are pushed
# to the extreme (red, orange, saturated blue): a dot product is larger when the activations are
# larger, so every colour and edge detector the photo excites is driven as hard as it will go. At
# `conv3_3` the cat is still in place, but its surfaces have become textures: fur turns into fine
# repeated strands and the eyes into rings, because this layer responds to local texture rather
# than exact pixels. At `conv4_3` the picture is rebuilt from object parts: the eyes grow into
# large many-ringed eyes, the nose and muzzle stay, and the fur becomes an ornament of small
# part-like motifs. At `conv5_3`, the last conv layer, the receptive fields cover most of the image:
# the face is still roughly in place but drawn loosely, with extra eye-like and fur-like details
# where they raise the dot product and colours no longer those of the photo. A reader should
# conclude that depth trades *where* for *what*: early layers keep the photo's pixels (with their
# contrast exaggerated), late layers keep a description of what is in it.

# %%
# Each caricature is also saved as a PNG, e.g. to compare settings later.
from lucid_vgg.misc.io import save

for picture, label in zip(result, labels):
    save(picture, f"{OUT}/{label}.png")
print("saved in OUT:", ", ".join(f"{label}.png" for label in labels))

# %% [markdown]
# ## Varying the cosine similarity
#
# The plain dot product (`cossim_pow=0`) can be raised by making activations bigger in *any*
# direction that overlaps with the photo's. `cossim_pow` > 0 multiplies the objective by
# `max(0.1, dot / |acts|) ** cossim_pow`, the projection of the caricature's activations onto the
# photo's, which rewards pointing the *same way* as the photo's activations over being large.
# We compare four powers at `COSSIM_LAYER` (block 4, where the caricatures above are built from
# parts), each in its own render.

# %%
t = time.time()
by_power = [caricature(img, model, COSSIM_LAYER, n_steps=COSSIM_STEPS, cossim_pow=power,
                       size=SIZE, verbose=False, use_fixed_seed=True)[1]
            for power in COSSIM_POWS]
print(f"{len(COSSIM_POWS)} renders in {time.time() - t:.0f} s")
show_figure(by_power, labels=[f"cossim_pow={p}" for p in COSSIM_POWS])

# %% [markdown]
# As the power grows, the caricature moves towards the photo: the rainbow colours of
# `cossim_pow=0` give way to the photo's greys and browns, and the exaggerated rings around the
# eyes shrink. The objective now cares about the angle between the activation vectors, not only
# their overlap, so activations that are merely large no longer pay. Small powers give the most
# striking caricatures; larger ones a more faithful inversion.
#
# ## Your own photo
#
# `caricature` takes any RGB photo as floats in [0, 1] (or uint8): for example
# `caricature(skimage.data.astronaut() / 255., model, "conv4_3/conv4_3", size=128)`. Lucid's
# `feature_inversion` is the same function under its notebook's name.

# %%
nbsetup.print_run_time()
