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
# *This notebook is generated from [`neuron_diversity.pct.py`](neuron_diversity.pct.py), its source in
# [jupytext](https://jupytext.readthedocs.io)'s percent format: edit that file, then run
# `jupytext --sync neuron_diversity.pct.py` to update the cells here (their outputs are kept), or
# `python tools/execute_notebooks.py neuron_diversity` to re-render the pictures. In Jupyter with jupytext
# installed, saving this notebook updates both files. Settings and helpers shared by every
# notebook: [`nbsetup.py`](nbsetup.py).*

# %% [markdown]
# # Diversity - Feature Visualization
#
# A single image that maximally excites a unit can hide the fact that the unit responds to several
# different things. This notebook reproduces the *diversity* visualisations of [Feature
# Visualization](https://distill.pub/2017/feature-visualization/) on VGG16: several images for the
# same unit, pushed to differ from each other.
#
# You may want to read the [tutorial](tutorial.ipynb) first; this notebook does not introduce the
# abstractions.
#
# *Ported from
# [Lucid](https://github.com/tensorflow/lucid/blob/master/notebooks/feature-visualization/neuron_diversity.ipynb)
# (Apache-2.0) to TensorFlow 2 and VGG16. VGG16 weights: Simonyan & Zisserman, *Very Deep
# Convolutional Networks for Large-Scale Image Recognition* (2014), CC BY 4.0.*

# %% [markdown]
# **Quick mode.** With the environment variable `LUCID_VGG_QUICK=1` (what the test run sets) every
# setting below shrinks (tiny images, a handful of steps, fewer units) so the whole notebook runs
# in well under a minute. The pictures are then only a smoke test: run without it to see real
# visualisations. Files go under `$LUCID_VGG_OUT` (default `~/lucid_vgg_outputs`).

# %%
# Settings. LUCID_VGG_QUICK=1 (the test run) shrinks everything to a smoke test.
import time

import nbsetup
from nbsetup import QUICK, show_figure

OUT = nbsetup.start_notebook("neuron_diversity")  # this notebook's output folder; starts its clock
SIZE = 32 if QUICK else 128   # image size in pixels
STEPS = 8 if QUICK else 512   # optimisation steps
BATCH = 4                     # images per unit (Lucid: 4)
# Full settings (128 px, 512 steps, 6 units x 4 images) on 2 CPU cores: about 19 min (1152 s, TF
# 2.21 on an Intel Xeon with AVX-512; a CI run shared the machine for the first 6 min, load
# average 2-3). The pictures below are from a re-run on the final code (Lucid's nearest-neighbour
# rotation) on an AMD EPYC (AVX2 only) at low priority beside other jobs (load 3-7): 2316 s.

# %% [markdown]
# ## Import, load the model

# %%
# Imports: lucid_vgg's first, so that on CPUs where TensorFlow leaves its faster oneDNN
# kernels off (no AVX-512) they are turned on before TensorFlow loads (see the README).
import numpy as np

import modelzoo.vision_models as models
from lucid_vgg.optvis import objectives, param, render, transform
import tensorflow as tf

tf.get_logger().setLevel("ERROR")  # keep TF's Python warnings out of the pictures

# %%
# Let's load VGG16 from the model zoo. The first call builds the frozen graph from the offline
# ImageNet weights and caches it; later calls read the cache.
model = models.VGG16_caffe()
print("fc6/fc7/prob in this graph:", model.has_dense_layers)


# %% [markdown]
# ## Diversity objective
#
# As in Lucid, we render a batch of images that all maximise the same channel, minus a penalty
# on how similar their *styles* are at that layer (the cosine similarity of the batch elements'
# Gram matrices, `objectives.diversity`):
#
# ```python
# obj = objectives.channel(layer, n) - 1e3 * objectives.diversity(layer)
# ```
#
# The similarity term lies between 0 and `batch - 1` whatever the layer, while channel
# activations grow large, so it has to be scaled up to matter. Lucid used 1e2 on InceptionV1;
# VGG16's conv activations are about ten times larger (thousands at conv5), and 1e2 leaves
# near-copies there, so we use 1e3. `lucid_vgg.recipes.diverse_images` wraps exactly this.

# %%
def diversity(layer, n):
    obj = objectives.channel(layer, n) - 1e3 * objectives.diversity(layer)
    t = time.time()
    imgs = render.render_vis(model, obj, lambda: param.image(SIZE, batch=BATCH),
                             thresholds=(STEPS,), verbose=False, use_fixed_seed=True)[-1]
    print(f"{layer}:{n} rendered in {time.time() - t:.0f} s")
    show_figure(imgs, labels=[f"{layer.split('/')[0]}:{n} #{i}" for i in range(len(imgs))])
    return imgs


# %% [markdown]
# ## conv1_1, unit 1
#
# At the first layer there is little room for variety: the images differ mostly in phase and in
# the exact colour.

# %%
_ = diversity("conv1_1/conv1_1", 1)

# %% [markdown]
# ## conv2_1, unit 1

# %%
_ = diversity("conv2_1/conv2_1", 1)

# %% [markdown]
# ## conv3_1, unit 1

# %%
_ = diversity("conv3_1/conv3_1", 1)

# %% [markdown]
# ## conv4_1, unit 1

# %%
_ = diversity("conv4_1/conv4_1", 1)

# %% [markdown]
# ## conv5_1, unit 1
#
# Deeper units have more room for genuinely different solutions: different textures, scales or
# object parts.

# %%
_ = diversity("conv5_1/conv5_1", 1)

# %% [markdown]
# ## conv5_1, unit 4

# %%
_ = diversity("conv5_1/conv5_1", 4)

# %% [markdown]
# ## Without the diversity term
#
# For comparison, the same batch without the penalty: the images are independent restarts of
# the same optimisation and usually end up much more alike.

# %%
imgs = render.render_vis(model, objectives.channel("conv5_1/conv5_1", 4),
                         lambda: param.image(SIZE, batch=BATCH), thresholds=(STEPS,),
                         verbose=False, use_fixed_seed=True)[-1]
show_figure(imgs, labels=[f"conv5_1:4 plain #{i}" for i in range(len(imgs))])

# %%
nbsetup.print_run_time()
