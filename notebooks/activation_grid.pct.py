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
# *This notebook is generated from [`activation_grid.pct.py`](activation_grid.pct.py), its source in
# [jupytext](https://jupytext.readthedocs.io)'s percent format: edit that file, then run
# `jupytext --sync activation_grid.pct.py` to update the cells here (their outputs are kept), or
# `python tools/execute_notebooks.py activation_grid` to re-render the pictures. In Jupyter with jupytext
# installed, saving this notebook updates both files. Settings and helpers shared by every
# notebook: [`nbsetup.py`](nbsetup.py).*

# %% [markdown]
# # Activation Grid - Building Blocks of Interpretability
#
# This notebook reproduces the *activation grid* of [The Building Blocks of
# Interpretability](https://distill.pub/2018/building-blocks/) on VGG16: run a photo through the
# network, take the activation vector at every position of a layer, and render an image for each
# one. The grid shows *what the network sees* at each place in the photo, in the network's own
# visual vocabulary.
#
# *Ported from
# [Lucid](https://github.com/tensorflow/lucid/blob/master/notebooks/building-blocks/jupyter_versions/ActivationGridJupyter.ipynb)
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

OUT = nbsetup.start_notebook("activation_grid")  # this notebook's output folder; starts its clock
PHOTO_SIZE = 64 if QUICK else 224   # photo fed to VGG16 (224: its training size)
CELL = 16 if QUICK else 42          # rendered size of each cell (Lucid: 42)
STEPS = 8 if QUICK else 256         # optimisation steps (Lucid: 256)
N_GROUPS = 4 if QUICK else 6        # NMF groups shared between cells (Lucid: 6)
BATCH = 16 if QUICK else 64         # cells optimised per step (Lucid: 64)
# Full settings (224 px photo, 42 px cells, 256 steps) on 2 CPU cores: about 24 min (1410 s, TF
# 2.21 on an Intel Xeon with AVX-512; no other job on the machine: the simple conv5_1 grid 751
# s, the three shared-parameter grids 188-239 s each). The pictures below are from a re-run on the
# final code (Lucid's nearest-neighbour rotation) on an AMD EPYC (AVX-512): 2046 s, of which about
# 10 min in the first quarter hour shared the 2 cores with short tests and check renders (load
# average up to 3), so a quiet run is shorter.

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
# ## What the network sees
#
# At `conv4_1` a 224 px photo gives a 28 x 28 grid of activation vectors (512 numbers each); at
# `conv5_1` and `conv5_2`, 14 x 14. Each cell's image maximises the dot product with that cell's
# activation vector (`objectives.direction`).
#
# ### The naive version
#
# Lucid's `render_activation_grid_very_naive`: every cell is an independent image. It works, but
# neighbouring cells that see the same thing end up with unrelated-looking images.

# %%
from lucid_vgg import recipes

t = time.time()
cells = recipes.activation_grid_simple(model, img, "conv5_1/conv5_1", cell_size=CELL,
                                       n_steps=STEPS, seed=0, out_dir=OUT)
print(f"conv5_1, {cells.shape[0]} x {cells.shape[1]} cells: {time.time() - t:.0f} s")
show_figure(recipes.assemble(cells))


# %% [markdown]
# ### The less naive version
#
# Lucid's `render_activation_grid_less_naive`: the cells' activation vectors are factorised
# with NMF into a few groups, and every cell's image is the sum of its own image and of the
# group images weighted by its NMF coefficients, so cells that see similar things share
# structure. Each step optimises a random batch of cells, which keeps the cost per step
# fixed whatever the grid size.

# %%
def grid(layer):
    t = time.time()
    cells = recipes.activation_grid(model, img, layer, n_groups=N_GROUPS, cell_size=CELL,
                                    n_steps=STEPS, batch_size=BATCH, seed=0, out_dir=OUT)
    print(f"{layer}, {cells.shape[0]} x {cells.shape[1]} cells: {time.time() - t:.0f} s")
    show_figure([img, recipes.assemble(cells)], labels=["photo", layer])


# %% [markdown]
# ## conv4_1
#
# The finest grid: one fur-like texture almost everywhere, and a different, round eye-like texture
# where the cat's eyes and nose are.

# %%
grid("conv4_1/conv4_1")

# %% [markdown]
# ## conv5_1
#
# Coarser and more semantic: eyes appear where the cat's eyes are, a snout around its nose,
# whiskers below and fur elsewhere.

# %%
grid("conv5_1/conv5_1")

# %% [markdown]
# ## conv5_2

# %%
grid("conv5_2/conv5_2")

# %%
nbsetup.print_run_time()
