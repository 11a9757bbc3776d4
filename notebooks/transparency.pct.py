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
# *This notebook is generated from [`transparency.pct.py`](transparency.pct.py), its source in
# [jupytext](https://jupytext.readthedocs.io)'s percent format: edit that file, then run
# `jupytext --sync transparency.pct.py` to update the cells here (their outputs are kept), or
# `python tools/execute_notebooks.py transparency` to re-render the pictures. In Jupyter with
# jupytext installed, saving this notebook updates both files. Settings and helpers shared by every
# notebook: [`nbsetup.py`](nbsetup.py).*

# %% [markdown]
# # Semi-transparent Feature Visualisations
#
# A feature visualisation fills every pixel, even where the unit does not care what is there. With
# an extra **alpha channel** the optimisation can also say *which* pixels matter: we render RGBA
# images, composite them over a fresh random background at every step (so a transparent pixel
# shows noise that cannot help the unit), and reward transparency. What stays opaque is what the
# unit needs. This is one of the
# [Differentiable Image Parameterizations](https://distill.pub/2018/differentiable-parameterizations/#section-rgba)
# of Mordvintsev et al. (2018).
#
# *Ported from
# [Lucid](https://github.com/tensorflow/lucid/blob/master/notebooks/differentiable-parameterizations/transparency.ipynb)
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

OUT = nbsetup.start_notebook("transparency")  # this notebook's output folder; starts its clock
SIZE = 32 if QUICK else 128          # image size in pixels (Lucid: 320, cropped to 160)
STEPS = 8 if QUICK else 256          # optimisation steps per render (Lucid: 1000)
COMPARE_UNIT = ("conv4_1/conv4_1", 12)   # the unit of the with/without comparison
UNITS = ([("conv4_1/conv4_1", 12), ("conv5_1/conv5_1", 4)] if QUICK else
         [("conv3_3/conv3_3", 7), ("conv4_1/conv4_1", 12), ("conv4_3/conv4_3", 30),
          ("conv5_1/conv5_1", 4)])
BLUR_WEIGHT = 10.0                   # weight of blur_alpha_each_step (a smoothness prior)
# Full settings (128 px, 256 steps: 3 single-unit renders and one batch of 4 units) on 2 CPU
# cores: 1009 s (TF 2.21 on an AMD EPYC with AVX-512; the machine was shared with three other
# engineers' renders and notebook runs, load average 5-15, so this is pessimistic).

# %% [markdown]
# ## Import, load the model

# %%
# Imports: lucid_vgg's first, so that on CPUs where TensorFlow leaves its faster oneDNN
# kernels off (no AVX-512) they are turned on before TensorFlow loads (see the README).
import numpy as np

import modelzoo.vision_models as models
from lucid_vgg.misc.io import save
from lucid_vgg.optvis import objectives, param, render, transform
import tensorflow as tf

tf.get_logger().setLevel("ERROR")  # keep TF's Python warnings out of the pictures

# %%
model = models.VGG16_caffe()

# %% [markdown]
# ## Showing transparency
#
# An RGBA image is shown by compositing it over backgrounds: over **white** and over **black**
# (a pixel that looks the same on both is opaque), over a **checkerboard** (the usual sign of
# transparency), and its **alpha channel** alone (white = opaque, black = transparent).

# %%
def checkerboard(h, w=None, tiles=8, fg=.95, bg=.6):
    """An [h, w, 3] checkerboard with `tiles` x `tiles` squares of grey levels fg and bg."""
    w = w or h
    rows, cols = np.mgrid[:h, :w]
    board = ((rows * tiles // h) + (cols * tiles // w)) % 2
    return np.repeat(np.where(board, bg, fg)[..., None], 3, -1).astype(np.float32)


def composites(rgba):
    """`rgba` over white, black and a checkerboard, and its alpha channel, as four RGB images."""
    rgb, alpha = rgba[..., :3], rgba[..., 3:]
    h, w = rgba.shape[:2]
    backgrounds = [np.ones((h, w, 3)), np.zeros((h, w, 3)), checkerboard(h, w)]
    return [rgb * alpha + b * (1 - alpha) for b in backgrounds] + [np.repeat(alpha, 3, -1)]


# A test pattern: a disc fading out towards its edge, red on the left, blue on the right.
n = 96
yy, xx = np.mgrid[:n, :n] / (n - 1) * 2 - 1
disc = np.clip(1.5 - 1.5 * np.hypot(xx, yy), 0, 1)
pattern = np.dstack([xx < 0, np.zeros_like(xx), xx >= 0, disc]).astype(np.float32)
show_figure(composites(pattern), labels=["over white", "over black", "over checkerboard", "alpha"])

# %% [markdown]
# ## The objective
#
# Three pieces of lucid-vgg do the work:
#
# - `param.image(SIZE, alpha=True)` returns a `[batch, h, w, 4]` image: Lucid's decorrelated
#   Fourier-space RGB plus a fourth, sigmoid channel for alpha.
# - `transform.collapse_alpha_random()` is the first transform: it composites the RGBA image over
#   a new random natural-looking background (`param.random.image_sample`) at every step, giving
#   the RGB image VGG16 sees. A transparent pixel shows a different background every step, so it
#   cannot help the unit; the standard jitter, scale and rotation follow.
# - The **alpha penalty**, as in Lucid's notebook: the unit's activation is multiplied by
#   `1 - mean(alpha)`, so the objective grows both by exciting the unit and by being transparent.
#   (Lucid's notebook adds the same product for the random crop the network sees; here the
#   network sees the whole image, so one term does it.) `objectives.blur_alpha_each_step()`,
#   subtracted with a small weight, nudges the alpha channel towards a blurred copy of itself
#   each step: a smoothness prior that keeps the mask from breaking into single pixels.
#
# `T("input")` in an objective is the untransformed RGBA image, so the penalty reads alpha from
# channel 3.

# %%
def mean_opacity(batch=None):
    """The mean alpha of batch entry `batch` (of the whole batch for None)."""
    def inner(T):
        alpha = T("input")[..., 3]
        return tf.reduce_mean(alpha if batch is None else alpha[batch])
    return objectives.as_objective(inner)


def transparent(layer, n, batch=None, penalty=True, blur=BLUR_WEIGHT):
    """Channel `n` of `layer`, discounted by the opacity (if `penalty`), minus the alpha blur."""
    unit = objectives.channel(layer, n, batch=batch)
    obj = unit * (1 - mean_opacity(batch)) if penalty else unit
    return obj - blur * objectives.blur_alpha_each_step() if blur else obj


TRANSFORMS = [transform.collapse_alpha_random()] + transform.standard_transforms


def render_rgba(objective, batch=1):
    """RGBA renders, [batch, SIZE, SIZE, 4], of `objective` with the transforms above."""
    return render.render_vis(model, objective, lambda: param.image(SIZE, batch=batch, alpha=True),
                             transforms=TRANSFORMS, thresholds=(STEPS,), verbose=False,
                             use_fixed_seed=True)[-1]


# %% [markdown]
# ## Why the penalty is needed
#
# One unit (`COMPARE_UNIT`, a channel of `conv4_1`: block 4 units respond to object parts, which
# have a shape worth cutting out), rendered three ways: with an alpha channel but **no penalty**,
# with the **penalty**, and with the penalty **and** `blur_alpha_each_step`. Each row shows one
# render over white, black, the checkerboard, and its alpha.

# %%
t = time.time()
layer, unit = COMPARE_UNIT
variants = {"no penalty": dict(penalty=False, blur=0), "penalty": dict(blur=0),
            "penalty + blur": dict()}
for name, options in variants.items():
    rgba = render_rgba(transparent(layer, unit, **options))[0]
    print(f"{name}: mean alpha {rgba[..., 3].mean():.2f}")
    show_figure(composites(rgba), labels=[f"{name}: over white", "over black",
                                          "over checkerboard", "alpha"])
print(f"3 renders in {time.time() - t:.0f} s")

# %% [markdown]
# Without the penalty nothing asks for transparency, and opaque colour is what drives the unit, so
# alpha rises almost everywhere (mean near 0.8): the render is an ordinary feature visualisation
# with a few holes. With the penalty the unit keeps only the pixels it needs opaque (mean alpha
# near 0.3) and the rest turns clear: what remains is the unit's feature, its repeated bands, cut
# out. The mask is hard-edged and speckled, though; with `blur_alpha_each_step` as well it becomes
# soft and connected, and the cut-out looks like an object rather than a stencil.

# %% [markdown]
# ## Several units
#
# Units from three depths, one per batch entry: each entry has its own channel objective and its
# own opacity penalty (`batch=i`); the blur prior acts on the whole batch.

# %%
t = time.time()
objective = objectives.Objective.sum(
    [transparent(layer, n, batch=i, blur=0) for i, (layer, n) in enumerate(UNITS)])
objective = objective - BLUR_WEIGHT * objectives.blur_alpha_each_step()
rgbas = render_rgba(objective, batch=len(UNITS))
print(f"{len(UNITS)} units in {time.time() - t:.0f} s; mean alpha per unit:",
      np.round(rgbas[..., 3].mean(axis=(1, 2)), 2))
for (layer, n), rgba in zip(UNITS, rgbas):
    name = f"{layer.split('/')[0]}:{n}"
    save(rgba, f"{OUT}/{name.replace(':', '_')}.png")  # an RGBA PNG, transparency kept
    show_figure(composites(rgba), labels=[f"{name} over white", "over black",
                                          "over checkerboard", "alpha"])

# %% [markdown]
# Each unit keeps a different amount of the image. Units that respond to a compact object part
# leave a few opaque blobs, each a copy of the part, and the rest clear; units that respond to a
# texture keep larger patches. Over black and over white the opaque parts look the same, which is
# the sign that they are truly opaque; the checkerboard shows where the image is see-through.
# Several units (`conv4_3:30`, `conv5_1:4`) put their opaque parts at the image's edges and
# corners and leave the centre clear. The saved PNGs keep their alpha channel, so they can be laid over any background.

# %%
nbsetup.print_run_time()
