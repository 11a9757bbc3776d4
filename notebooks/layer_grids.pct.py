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
# *This notebook is generated from [`layer_grids.pct.py`](layer_grids.pct.py), its source in
# [jupytext](https://jupytext.readthedocs.io)'s percent format: edit that file, then run
# `jupytext --sync layer_grids.pct.py` to update the cells here (their outputs are kept), or
# `python tools/execute_notebooks.py layer_grids` to re-render the pictures. In Jupyter with jupytext
# installed, saving this notebook updates both files. Settings and helpers shared by every
# notebook: [`nbsetup.py`](nbsetup.py).*

# %% [markdown]
# # Every Unit of a Layer
#
# Lucid's tutorial visualises one unit at a time. To get a feel for a whole layer it helps to look
# at *all* of its units side by side, as the overview figures of [Feature
# Visualization](https://distill.pub/2017/feature-visualization/) and the [Building
# Blocks](https://distill.pub/2018/building-blocks/) appendix do. This notebook renders every
# channel of `conv1_1`, `conv2_1`, `conv3_1`, `conv4_1`, `conv5_1`, `conv5_2` and `conv5_3` of
# VGG16.
#
# Units are rendered in batches (one unit per batch element, the way Lucid's notebooks batch
# channels) with `lucid_vgg.recipes.render_layer`. Each finished unit is saved as a PNG under
# `OUT`, and units already on disk are loaded instead of rendered, so a long run that is
# interrupted resumes where it stopped.
#
# At full settings `conv1_1` to `conv3_1` are rendered at 128 px and `conv4_1`/`conv5_x` at 64 px:
# at 128 px each of those layers alone takes 4-7 hours on 2 CPU cores. The `conv5_x` layers take
# 256 steps instead of 512: the pictures are the same with a little less contrast
# (`benchmarks/layer_grid_settings.py` compares them on `conv5_1`), and it halves the longest part
# of the run. The pictures committed with this notebook are rendered with
# `notebooks/tools/render_layer_grids.py` (the same calls, stopped and resumed across several
# sessions; per-batch times in `docs/layer_grids/timings.jsonl`), then the notebook is run with
# `LUCID_VGG_OUT=docs` and loads the units from `docs/layer_grids/`.
#
# *Ported from [Lucid](https://github.com/tensorflow/lucid/blob/master/notebooks/tutorial.ipynb)
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

# The full settings are those of tools/render_layer_grids.py, which rendered the committed units.
from tools.render_layer_grids import BATCH as FULL_BATCH, LAYER_SIZES, LAYER_STEPS, SEED

OUT = nbsetup.start_notebook("layer_grids")  # this notebook's output folder; starts its clock
N_UNITS = 4 if QUICK else None      # None: every unit of the layer
BATCH = 4 if QUICK else FULL_BATCH  # units rendered together (8)
THUMB = 64                          # display size of each unit in the overview grids


def layer_settings(layer):
    """(image size, optimisation steps) of `layer`: 128 px for conv1_1 to conv3_1, 64 px (a
    quarter of the work) for conv4_1 and conv5_x; 512 steps, 256 for conv5_x (nearly the 512-step
    pictures in half the time). Quick mode: 32 px, 8 steps."""
    return (32, 8) if QUICK else (LAYER_SIZES[layer], LAYER_STEPS[layer])


# Full settings (128 px for conv1_1-conv3_1 and 64 px for conv4_1/conv5_x, 512 steps (256 for
# conv5_x), all 2496 units) on 2 CPU cores: about 12.9 h of rendering (774 min in 312 batches of
# 8 units, spread over several sessions by `render_layer_grids.py`: conv1_1 to conv4_1 unit 343
# 214.6 min, TF 2.21 on an Intel Xeon with AVX-512; the rest 559.7 min, TF 2.21 on an AMD EPYC
# with AVX2 only, oneDNN on; per layer in docs/layer_grids/README.md); loading the committed
# units with LUCID_VGG_OUT=docs (through docs/layer_grids/manifest.jsonl) took 22 s.

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
from lucid_vgg import recipes
from lucid_vgg.misc.io import image_grid
import skimage.transform

def overview(images, units, thumb=THUMB):
    """A labelled grid; units are shrunk to `thumb` px (to keep the notebook small)."""
    if images.shape[1] > thumb:
        images = np.stack([skimage.transform.resize(im, (thumb, thumb), anti_aliasing=True)
                           for im in images]).astype(np.float32)
    cols = int(np.ceil(np.sqrt(len(units))))
    return image_grid(list(images), n_cols=cols, labels=[str(u) for u in units])

def show_layer(layer):
    depth = model.get_layer(layer).depth
    units = list(range(depth if N_UNITS is None else N_UNITS))
    size, steps = layer_settings(layer)
    t = time.time()
    images, info = recipes.render_layer(model, layer, out_dir=OUT, units=units, size=size,
                                        steps=steps, batch_size=BATCH, seed=SEED,
                                        return_info=True)
    print(f"{layer}: {len(info.rendered)} units rendered, {len(info.loaded)} loaded from "
          f"{OUT}, {time.time() - t:.0f} s; full-size grid: {info.grid_path}")
    # shown as JPEG, a third of a PNG's size (a 512-unit grid would add ~8 MB to the notebook);
    # the lossless per-unit PNGs and the full-size grid are in OUT
    show_figure(overview(images, units), format="jpeg")


# %% [markdown]
# ## conv1_1
#
# The first layer sees 3x3 pixels: its units are colours and oriented edges, repeated over the
# whole image.

# %%
show_layer("conv1_1/conv1_1")

# %% [markdown]
# ## conv2_1
#
# After one pooling step: colour contrasts, simple textures and finer edges.

# %%
show_layer("conv2_1/conv2_1")

# %% [markdown]
# ## conv3_1
#
# Block 3: textures proper (grids, dots, stripes, fur-like patterns).

# %%
show_layer("conv3_1/conv3_1")

# %% [markdown]
# ## conv4_1
#
# Block 4: more complex patterns, the first hints of object parts.

# %%
show_layer("conv4_1/conv4_1")

# %% [markdown]
# ## conv5_1
#
# Block 5: the last convolutional block; units respond to object parts and whole objects (eyes,
# faces, wheels, text...).

# %%
show_layer("conv5_1/conv5_1")

# %% [markdown]
# ## conv5_2
#
# More heads than in conv5_1: dogs, foxes, monkeys, birds, next to eyes, fur, spots and round
# objects.

# %%
show_layer("conv5_2/conv5_2")

# %% [markdown]
# ## conv5_3
#
# The last convolutional layer, just below the classifier: whole animals and objects (dogs, cats,
# birds, wheels, lenses) are common.

# %%
show_layer("conv5_3/conv5_3")

# %%
nbsetup.print_run_time()
