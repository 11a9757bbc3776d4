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
# *This notebook is generated from [`neuron_interaction.pct.py`](neuron_interaction.pct.py), its source in
# [jupytext](https://jupytext.readthedocs.io)'s percent format: edit that file, then run
# `jupytext --sync neuron_interaction.pct.py` to update the cells here (their outputs are kept), or
# `python tools/execute_notebooks.py neuron_interaction` to re-render the pictures. In Jupyter with jupytext
# installed, saving this notebook updates both files. Settings and helpers shared by every
# notebook: [`nbsetup.py`](nbsetup.py).*

# %% [markdown]
# # Interaction Between Neurons - Feature Visualization
#
# Units do not work alone: the network represents things with combinations of them. This notebook
# reproduces the *interaction* experiments of [Feature
# Visualization](https://distill.pub/2017/feature-visualization/) on VGG16: adding two units'
# objectives, random directions in activation space, and interpolating from one unit to another.
#
# You may want to read the [tutorial](tutorial.ipynb) first; this notebook does not introduce the
# abstractions.
#
# *Ported from
# [Lucid](https://github.com/tensorflow/lucid/blob/master/notebooks/feature-visualization/neuron_interaction.ipynb)
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

OUT = nbsetup.start_notebook("neuron_interaction")  # this notebook's output folder; starts its clock
SIZE = 32 if QUICK else 128   # image size in pixels
STEPS = 8 if QUICK else 512   # optimisation steps
FRAMES = 4 if QUICK else 6    # interpolation frames (Lucid: 6)
# Full settings (128 px, 512 steps) on 2 CPU cores: about 17 min (1035 s, TF 2.21 on an Intel
# Xeon with AVX-512; short test runs shared the machine for a few minutes, load average up to
# 3). The pictures below are from a re-run on the final code (Lucid's nearest-neighbour rotation)
# on an AMD EPYC (AVX-512), nothing else running after the first minutes (load average <= 2.2): 1316 s.

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
# ## Combining Objectives
#
# The two units we connect: units 303 and 5 of `conv5_1`. We render each alone and then their
# sum, in one batch of three (each batch element has its own objective).

# %%
neuron1 = ("conv5_1/conv5_1", 303)
neuron2 = ("conv5_1/conv5_1", 5)
C = lambda neuron, batch=None: objectives.channel(*neuron, batch=batch)

obj = C(neuron1, batch=0) + C(neuron2, batch=1) + C(neuron1, batch=2) + C(neuron2, batch=2)
imgs = render.render_vis(model, obj, lambda: param.image(SIZE, batch=3), thresholds=(STEPS,),
                         verbose=False, use_fixed_seed=True)[-1]
show_figure(imgs, labels=["conv5_1:303", "conv5_1:5", "conv5_1:303 + conv5_1:5"])

# %% [markdown]
# ## Random Directions
#
# A *direction* in activation space is a weighted combination of all the units of a layer.
# Random directions tend to look as meaningful as single units, which is one reason to doubt
# that individual units are special.

# %%
rng = np.random.RandomState(0)
depth = model.get_layer("conv5_1/conv5_1").depth
directions = [rng.randn(depth).astype(np.float32) for _ in range(4)]
obj = objectives.Objective.sum([objectives.direction("conv5_1/conv5_1", d, batch=i)
                                for i, d in enumerate(directions)])
imgs = render.render_vis(model, obj, lambda: param.image(SIZE, batch=4), thresholds=(STEPS,),
                         verbose=False, use_fixed_seed=True)[-1]
show_figure(imgs, labels=[f"random direction {i}" for i in range(4)])

# %% [markdown]
# ## Interpolating Between Neurons
#
# `objectives.channel_interpolate(layer1, unit1, layer2, unit2)` gives frame *i* of a batch the
# objective `(1 - t) * unit1 + t * unit2` with `t` going from 0 to 1 across the batch. Each frame
# is optimised independently, so neighbouring frames can look unrelated:

# %%
from lucid_vgg import recipes

t = time.time()
plain = recipes.interpolate(model, neuron1, neuron2, frames=FRAMES, aligned=False, size=SIZE,
                            steps=STEPS, seed=0, out_dir=OUT)
print(f"{time.time() - t:.0f} s; mean change between frames: "
      f"{recipes.frame_difference(plain):.3f}")
show_figure(plain, labels=[f"frame {i}" for i in range(len(plain))])

# %% [markdown]
# ## Aligned Interpolation
#
# Lucid's *aligned* interpolation (from
# [Differentiable Image
# Parameterizations](https://distill.pub/2018/differentiable-parameterizations/))
# makes the frames share part of their parameterisation (low-resolution tensors common to all
# frames or interpolated between them) and adds a small `objectives.alignment` penalty on the
# difference between neighbouring frames' activations at lower layers. The frames then morph
# smoothly from one unit into the other.
#
# Lucid weighs that penalty by `1e-1` on InceptionV1. It is a mean of *squared* activations, and
# VGG16's activations are about ten times larger, so on VGG16 `1e-1` freezes every frame into the
# same picture; the recipe's default `recipes.ALIGNMENT_WEIGHT` is `1e-3`, the largest weight at
# which the first and last frames still show their own unit (measured with
# `benchmarks/interpolation_alignment.py`, numbers in `docs/quality/`).

# %%
t = time.time()
aligned = recipes.interpolate(model, neuron1, neuron2, frames=FRAMES, aligned=True, size=SIZE,
                              steps=STEPS, seed=0, out_dir=OUT)
print(f"{time.time() - t:.0f} s; mean change between frames: "
      f"{recipes.frame_difference(aligned):.3f}")
show_figure(aligned, labels=[f"frame {i}" for i in range(len(aligned))])

# %%
nbsetup.print_run_time()
