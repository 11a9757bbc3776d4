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
# *This notebook is generated from [`negative_neurons.pct.py`](negative_neurons.pct.py), its source in
# [jupytext](https://jupytext.readthedocs.io)'s percent format: edit that file, then run
# `jupytext --sync negative_neurons.pct.py` to update the cells here (their outputs are kept), or
# `python tools/execute_notebooks.py negative_neurons` to re-render the pictures. In Jupyter with jupytext
# installed, saving this notebook updates both files. Settings and helpers shared by every
# notebook: [`nbsetup.py`](nbsetup.py).*

# %% [markdown]
# # Negative Neurons - Feature Visualization
#
# This notebook reproduces the *negative* visualisations of [Feature
# Visualization](https://distill.pub/2017/feature-visualization/) on VGG16: next to the image that
# excites a unit most, the image that excites it *least*. The two are often recognisably opposite
# (e.g. a colour and its complement, or a texture and a smooth region).
#
# You may want to read the [tutorial](tutorial.ipynb) first; this notebook does not introduce the
# abstractions.
#
# *Ported from
# [Lucid](https://github.com/tensorflow/lucid/blob/master/notebooks/feature-visualization/negative_neurons.ipynb)
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

OUT = nbsetup.start_notebook("negative_neurons")  # this notebook's output folder; starts its clock
SIZE = 32 if QUICK else 128                   # image size in pixels
STEPS = 8 if QUICK else 512                   # optimisation steps
UNITS = [1, 2] if QUICK else [1, 2, 3, 4]     # units shown for each layer
# Full settings (128 px, 512 steps, 4 units x 4 layers) on 2 CPU cores: about 26 min (1560 s, TF
# 2.21 on an Intel Xeon with AVX-512; the machine was shared with a CI run and another render
# job for most of the run, load average 4-5, so this is pessimistic). The pictures below are from
# a re-run on the final code (Lucid's nearest-neighbour rotation) on an AMD EPYC (AVX-512), nothing
# else running (load average 2.1-2.2: the run's own two threads): 1433 s.

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
# ## Negative and positive, side by side
#
# Lucid renders a batch of two images and gives each its own objective: batch element 1
# maximises the unit, batch element 0 *minimises* it:
#
# ```python
# obj = objectives.channel(layer, n, batch=1) - objectives.channel(layer, n, batch=0)
# ```
#
# Lucid uses the *pre-ReLU* layers for this (`mixed4a_pre_relu`): after a ReLU a unit can only
# be pushed down to zero, and every image that silences it is equally good. VGG16's pre-ReLU
# tensors are the convolutions' `BiasAdd` outputs, so `conv4_1/BiasAdd` plays the role of
# `mixed4a_pre_relu` here.

# %%
param_f = lambda: param.image(SIZE, batch=2)

def neg_pos(layer, n):
    obj = objectives.channel(layer, n, batch=1) - objectives.channel(layer, n, batch=0)
    imgs = render.render_vis(model, obj, param_f, thresholds=(STEPS,), verbose=False,
                             use_fixed_seed=True)[-1]
    return imgs  # [negative, positive]

def show_layer(block):
    layer = f"{block}/BiasAdd"  # pre-ReLU
    t = time.time()
    pairs = [neg_pos(layer, n) for n in UNITS]
    print(f"{layer}: {time.time() - t:.0f} s")
    images = np.concatenate(pairs)
    labels = [f"{block}:{n} {side}" for n in UNITS for side in ("negative", "positive")]
    show_figure(images, labels=labels)


# %% [markdown]
# ## conv2_2
#
# Early units: the negative is mostly the complementary colour or edge.

# %%
show_layer("conv2_2")

# %% [markdown]
# ## conv3_1

# %%
show_layer("conv3_1")

# %% [markdown]
# ## conv4_1

# %%
show_layer("conv4_1")

# %% [markdown]
# ## conv4_2

# %%
show_layer("conv4_2")

# %% [markdown]
# ## After the ReLU
#
# The same objective on the post-ReLU layer (`conv4_1/conv4_1`), through the
# `lucid_vgg.recipes.negative_positive` recipe. The positive image is unchanged in spirit, but the
# negative side has nothing to aim for once the unit reaches zero, so it stays close to the
# random start (Lucid's redirected ReLU gradient lets it move at first, then it stops).

# %%
from lucid_vgg import recipes

neg, pos = recipes.negative_positive(model, "conv4_1/conv4_1", UNITS[0], size=SIZE,
                                     steps=STEPS, seed=0, out_dir=OUT)
show_figure(np.stack([neg, pos]), labels=[f"conv4_1:{UNITS[0]} post-ReLU negative",
                                   f"conv4_1:{UNITS[0]} post-ReLU positive"])

# %%
nbsetup.print_run_time()
