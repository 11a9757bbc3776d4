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
# *This notebook is generated from [`neuron_groups.pct.py`](neuron_groups.pct.py), its source in
# [jupytext](https://jupytext.readthedocs.io)'s percent format: edit that file, then run
# `jupytext --sync neuron_groups.pct.py` to update the cells here (their outputs are kept), or
# `python tools/execute_notebooks.py neuron_groups` to re-render the pictures. In Jupyter with jupytext
# installed, saving this notebook updates both files. Settings and helpers shared by every
# notebook: [`nbsetup.py`](nbsetup.py).*

# %% [markdown]
# # Neuron Groups - Building Blocks of Interpretability
#
# This notebook reproduces the *neuron groups* of [The Building Blocks of
# Interpretability](https://distill.pub/2018/building-blocks/) on VGG16. Looking at hundreds of
# units one by one is too much; instead we factorise a photo's activations at a layer with
# non-negative matrix factorisation (NMF) into a few groups. Each group has a spatial map (where
# in the photo it fires) and a direction in activation space (which units it uses), which we
# visualise.
#
# *Ported from
# [Lucid](https://github.com/tensorflow/lucid/blob/master/notebooks/building-blocks/NeuronGroups.ipynb)
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

OUT = nbsetup.start_notebook("neuron_groups")  # this notebook's output folder; starts its clock
PHOTO_SIZE = 64 if QUICK else 224   # photo fed to VGG16
SIZE = 32 if QUICK else 80          # size of each group's icon (Lucid: 80)
STEPS = 8 if QUICK else 512         # optimisation steps
N_GROUPS = 3 if QUICK else 6        # number of NMF groups (Lucid: 6)
# Full settings (224 px photo, 80 px icons, 512 steps) on 2 CPU cores: about 5 min (289 s, TF
# 2.21 on an Intel Xeon with AVX-512; load average 0.2-2.4, the machine was nearly idle). The
# pictures below are from a re-run on the final code (Lucid's nearest-neighbour rotation) on an
# AMD EPYC (AVX2 only) shared with four other jobs (load average 8-15): 1122 s.

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

# %%
# A real photo from scikit-image: Chelsea the cat, centre-cropped to a square.
img = nbsetup.chelsea(PHOTO_SIZE)
show_figure(img)

# %% [markdown]
# ## Factorise, then visualise
#
# `ChannelReducer(n_groups, "NMF")` factorises the `[height, width, channels]` activations into
# `n_groups` spatial maps times `n_groups` channel directions. As in Lucid, the groups are ordered
# by where they peak (left to right) and each direction is rendered with
# `sum(objectives.direction(layer, direction_i, batch=i))`. `lucid_vgg.recipes.neuron_groups`
# does both steps; the maps are drawn in red over the photo.

# %%
from lucid_vgg import recipes
from lucid_vgg.misc.channel_reducer import ChannelReducer

def groups(layer):
    t = time.time()
    g = recipes.neuron_groups(model, img, layer, n_groups=N_GROUPS, size=SIZE, steps=STEPS,
                              seed=0, out_dir=OUT)
    print(f"{layer}: {time.time() - t:.0f} s, NMF reconstruction error "
          f"{g.reconstruction_error:.2f}")
    labels = [f"group {i}" for i in range(g.n_groups)]
    show_figure(g.images, labels=labels)
    show_figure(g.overlays(img), labels=labels)
    return g


# %% [markdown]
# ## conv2_1
#
# Early groups split the photo by colour and texture.

# %%
_ = groups("conv2_1/conv2_1")

# %% [markdown]
# ## conv4_1

# %%
_ = groups("conv4_1/conv4_1")

# %% [markdown]
# ## conv5_1
#
# The deepest layer here: groups tend to follow parts of the scene (the cat's eyes and face, its
# fur, the background).

# %%
g = groups("conv5_1/conv5_1")

# %% [markdown]
# ## Doing it by hand
#
# The recipe is a thin layer over Lucid's API. The factorisation itself is three lines:

# %%
acts = model.get_activations(img[None], "conv5_1/conv5_1")[0]   # [h, w, 512]
nmf = ChannelReducer(N_GROUPS, "NMF", random_state=0, max_iter=1000)
spatial = nmf.fit_transform(acts)                               # [h, w, N_GROUPS]
print("activations", acts.shape, "-> spatial factors", spatial.shape,
      "and channel factors", nmf.components_.shape)
# Each map scaled to [0, 1] and blown up with nearest-neighbour pixels to the photo's size.
scale = PHOTO_SIZE // spatial.shape[0]
maps = [np.kron(spatial[..., i] / max(spatial[..., i].max(), 1e-9), np.ones((scale, scale)))
        for i in range(N_GROUPS)]
show_figure(maps, labels=[f"map {i}" for i in range(N_GROUPS)])

# %%
nbsetup.print_run_time()
