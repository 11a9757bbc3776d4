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
# *This notebook is generated from [`xy2rgb.pct.py`](xy2rgb.pct.py), its source in
# [jupytext](https://jupytext.readthedocs.io)'s percent format: edit that file, then run
# `jupytext --sync xy2rgb.pct.py` to update the cells here (their outputs are kept), or
# `python tools/execute_notebooks.py xy2rgb` to re-render the pictures. In Jupyter with jupytext
# installed, saving this notebook updates both files. Settings and helpers shared by every
# notebook: [`nbsetup.py`](nbsetup.py).*

# %% [markdown]
# # Compositional Pattern Producing Networks for Feature Visualisation
#
# Usually the image being optimised is a grid of pixels (in Lucid, their Fourier coefficients).
# Here it is the output of a small network instead: a **Compositional Pattern Producing Network**
# (CPPN, Stanley 2007) maps each pixel's (x, y) coordinates to an RGB colour, and the
# optimisation changes the CPPN's weights. Because the image is a smooth function of the
# coordinates, the visualisations come out as smooth, flowing shapes rather than textures, and
# they can be drawn at any resolution afterwards. This is the *xy2rgb* section of
# [Differentiable Image Parameterizations](https://distill.pub/2018/differentiable-parameterizations/#section-xy2rgb)
# (Mordvintsev et al., 2018).
#
# *Ported from
# [Lucid](https://github.com/tensorflow/lucid/blob/master/notebooks/differentiable-parameterizations/xy2rgb.ipynb)
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

OUT = nbsetup.start_notebook("xy2rgb")  # this notebook's output folder; starts its clock
SIZE = 32 if QUICK else 128          # render size in pixels (Lucid: 224)
STEPS = 8 if QUICK else 320          # optimisation steps (Lucid: 512)
ACT_STEPS = 8 if QUICK else 256      # steps for the activation-function comparison
BIG = 64 if QUICK else 384           # size of the re-drawn high-resolution images
LEARNING_RATE = 0.005                # Adam's learning rate for the CPPN weights (Lucid: 0.005)
UNITS = ([("conv4_3/conv4_3", 30)] if QUICK else
         [("conv3_3/conv3_3", 7), ("conv4_3/conv4_3", 30), ("conv5_1/conv5_1", 4)])
ACT_UNIT = ("conv4_3/conv4_3", 30)   # the unit of the activation-function comparison
# Full settings (128 px, 320 steps for 3 units in one batch, 256 steps for the 4 activations) on
# 2 CPU cores: 1472 s (TF 2.21 on an AMD EPYC with AVX-512; the machine was shared with three
# other engineers' renders and notebook runs, load average 10-15, so this is pessimistic).

# %% [markdown]
# ## Import, load the model

# %%
# Imports: lucid_vgg's first, so that on CPUs where TensorFlow leaves its faster oneDNN
# kernels off (no AVX-512) they are turned on before TensorFlow loads (see the README).
import numpy as np

import modelzoo.vision_models as models
from lucid_vgg.misc.io import save
from lucid_vgg.optvis import objectives, param, render
import tensorflow as tf

tf.get_logger().setLevel("ERROR")  # keep TF's Python warnings out of the pictures

# %%
model = models.VGG16_caffe()

# %% [markdown]
# ## The CPPN
#
# `param.cppn(width)` is Lucid's CPPN: the (x, y) coordinates of a `width` x `width` grid (scaled
# to unit variance) go through `num_layers=8` 1x1 convolutions of `num_hidden_channels=24`
# channels, each followed by a "composite" activation (arctan and its square, both normalised),
# and a final 1x1 convolution with a sigmoid gives RGB. The last layer's weights start at zero, so
# the first image is flat grey and everything the picture shows is learned.

# %%
store = param.variables.VariableStore(seed=0)
with store:
    first = param.cppn(SIZE)
print("image shape", tuple(first.shape), "- CPPN parameters:",
      sum(int(np.prod(v.shape)) for v in store.variables))

# %% [markdown]
# A quick check that the CPPN can learn a picture: Lucid fits an XOR pattern by asking for
# black at two opposite corners and white at the other two. The objective only reads the image
# (`T("input")`), so no VGG16 layer is evaluated. Snapshots after 1 to 10 steps:

# %%
def xor_objective(T):
    a = T("input")[0]
    return -(tf.square(a[0, 0]) + tf.square(a[-1, -1])
             + tf.square(1.0 - a[-1, 0]) + tf.square(1.0 - a[0, -1]))


xor = render.render_vis(model, xor_objective, param_f=lambda: param.cppn(64),
                        optimizer=tf.keras.optimizers.Adam(0.01), transforms=[],
                        thresholds=range(1, 11), verbose=False, use_fixed_seed=True)
show_figure([x[0] for x in xor], labels=[f"step {i}" for i in range(1, 11)])

# %% [markdown]
# Within a few steps the corners take their colours, and the CPPN fills the rest of the image
# with smooth regions between them: the picture is a function of the coordinates, not a set of
# independent pixels.
#
# ## Feature visualisation with a CPPN
#
# Now the objective is a VGG16 unit. We render one unit from each of blocks 3, 4 and 5, each with
# its own CPPN (`tf.concat` of three `param.cppn` calls; one batch entry per unit,
# `objectives.channel(layer, n, batch=i)`). As in Lucid, no transforms are used (`transforms=[]`):
# the CPPN is smooth by construction, so it does not need jitter to avoid high-frequency
# patterns, and Adam runs with a small learning rate (the weights of a deep network are more
# sensitive than pixels). The rows are snapshots during the optimisation.

# %%
def cppns(n, size, **kwargs):
    """n independent CPPNs, one per batch entry: [n, size, size, 3]."""
    return tf.concat([param.cppn(size, **kwargs) for _ in range(n)], 0)


objective = objectives.Objective.sum(
    [objectives.channel(layer, n, batch=i) for i, (layer, n) in enumerate(UNITS)])
vis = render.make_vis_T(model, objective, lambda: cppns(len(UNITS), SIZE),
                        optimizer=tf.keras.optimizers.Adam(LEARNING_RATE), transforms=[],
                        seed=0)
snapshots = sorted({max(1, STEPS // 8), STEPS // 4, STEPS // 2, STEPS})
t = time.time()
for step in range(1, STEPS + 1):
    vis.step()
    if step in snapshots:
        names = [f"{layer.split('/')[0]}:{n} step {step}" for layer, n in UNITS]
        show_figure(list(vis.image()), labels=names)
print(f"{len(UNITS)} units, {STEPS} steps in {time.time() - t:.0f} s; objective {vis.loss:.0f}")

# %% [markdown]
# The shapes appear early and sharpen. For `conv3_3`'s and `conv5_1`'s units the layout is set
# after an eighth of the steps and the rest of the optimisation adds contrast and fine detail;
# `conv4_3`'s unit keeps changing longer, its flame-like streaks forming only in the second half.
# The three units want very different things: `conv3_3`'s unit a flat two-colour pattern of blue
# bands on green (a colour-contrast texture, which a CPPN draws as clean curves), `conv4_3`'s
# red and orange streaks on a blue field, converging on a vertical line, and `conv5_1`'s glossy
# yellow rounded objects with dark outlines on grey, repeated across the image. Compared with the
# usual Fourier-space renders, CPPN renders trade fine texture for clean outlines: they show the
# *shapes and colours* a unit likes more than its textures.
#
# ## Any resolution
#
# The learned CPPN is a function of continuous coordinates, so the same weights can be evaluated
# on a finer grid. Calling `param.cppn(BIG)` again inside the render's variable store reuses the
# trained weights (the store hands them back in creation order):

# %%
with vis.store:
    big = cppns(len(UNITS), BIG).numpy()
for (layer, n), image in zip(UNITS, big):
    save(image, f"{OUT}/{layer.split('/')[0]}_{n}_{BIG}px.png")
show_figure(list(big), labels=[f"{layer.split('/')[0]}:{n} at {BIG} px" for layer, n in UNITS])

# %% [markdown]
# The high-resolution images are sharp, not upsampled: edges stay crisp at three times the size.
#
# ## Varying the activation function
#
# The CPPN's activation shapes the look of the result. Lucid's notebook compares its default
# (`composite`: arctan and arctan squared) with an unbiased composite (both halves shifted to
# zero mean), a normalised ReLU and `tf.abs`; here all four render `ACT_UNIT` in one batch, each
# entry a CPPN with its own activation.

# %%
def composite_unbiased(x):
    """arctan(x) and arctan(x)^2, each shifted and scaled to zero mean, unit variance for N(0, 1) x."""
    x = tf.atan(x)
    return tf.concat([x / 0.67, (x * x - 0.45) / 0.396], -1)


def relu_normalized(x):
    """ReLU shifted and scaled to zero mean, unit variance for N(0, 1) x."""
    return (tf.nn.relu(x) - 0.40) / 0.58


activations = {"composite (default)": None, "composite, unbiased": composite_unbiased,
               "relu, normalised": relu_normalized, "abs": tf.abs}
layer, n = ACT_UNIT
t = time.time()
by_activation = render.render_vis(
    model, objectives.Objective.sum([objectives.channel(layer, n, batch=i)
                                     for i in range(len(activations))]),
    param_f=lambda: tf.concat([param.cppn(SIZE) if f is None else
                               param.cppn(SIZE, activation_func=f)
                               for f in activations.values()], 0),
    optimizer=tf.keras.optimizers.Adam(LEARNING_RATE), transforms=[],
    thresholds=(ACT_STEPS,), verbose=False, use_fixed_seed=True)[-1]
print(f"{len(activations)} renders of {layer.split('/')[0]}:{n} in {time.time() - t:.0f} s")
show_figure(list(by_activation), labels=list(activations))

# %% [markdown]
# The same unit, four styles. All four find the unit's motif, red and orange streaks on a blue
# field, centred on a vertical line. The unbiased composite gives the busiest picture, with many
# small bright arcs; the normalised ReLU draws the streaks as sharper, straighter strokes (a ReLU
# network is piecewise linear); `abs` folds the coordinate plane onto itself, so its picture is
# nearly symmetric, a radial burst around the centre, and after the same number of steps it has
# formed the least of the motif. The parameterisation changes the style of a visualisation and
# how fast it converges, not what the unit responds to.

# %%
nbsetup.print_run_time()
