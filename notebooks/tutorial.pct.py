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
# *This notebook is generated from [`tutorial.pct.py`](tutorial.pct.py), its source in
# [jupytext](https://jupytext.readthedocs.io)'s percent format: edit that file, then run
# `jupytext --sync tutorial.pct.py` to update the cells here (their outputs are kept), or
# `python tools/execute_notebooks.py tutorial` to re-render the pictures. In Jupyter with jupytext
# installed, saving this notebook updates both files. Settings and helpers shared by every
# notebook: [`nbsetup.py`](nbsetup.py).*

# %% [markdown]
# # lucid-vgg: A Quick Tutorial
#
# This notebook is a quick introduction to **lucid-vgg**, a TensorFlow 2 port of
# [Lucid](https://github.com/tensorflow/lucid), Google's library for visualising what neural
# networks see. Lucid grew out of DeepDream, but its small building blocks (objectives,
# parameterisations, transformations) make it useful for a wide range of interpretability
# experiments. Here every example runs on **VGG16**, with the original ImageNet weights, on a CPU.
#
# The code is Lucid's own: only the import lines differ (`lucid.optvis` becomes
# `lucid_vgg.optvis`, `lucid.modelzoo` becomes `modelzoo`).
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

OUT = nbsetup.start_notebook("tutorial")  # this notebook's output folder; starts its clock
SIZE = 32 if QUICK else 128   # image size in pixels (Lucid's default: 128)
STEPS = 8 if QUICK else 512   # optimisation steps (Lucid's default: 512)
UNIT = 1                      # the unit shown for every layer
EVERY_NTH_LAYER = 6 if QUICK else 1   # quick mode: conv1_1, conv3_1, conv5_3 only
# Full settings (128 px, 512 steps) on 2 CPU cores: about 32 min (1947 s, conv layers only, TF
# 2.21 on an Intel Xeon with AVX-512; the machine was shared with other jobs, load average 5-11,
# so this is pessimistic). The pictures below are from a re-run on the final code (Lucid's
# nearest-neighbour rotation) on an AMD EPYC (AVX-512), nothing else running (load average
# 2.1-2.2: the run's own two threads): 1028 s.

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
# ## Visualize a Neuron
#
# Visualising a neuron takes one line: `render_vis` optimises an image so that the named unit
# fires as strongly as possible and shows the result. Unit names are `layer:channel`; VGG16's
# layers are named as in the original Caffe model (`conv4_1/conv4_1` is the output of the first
# convolution of block 4, after its ReLU).
#
# `render_vis(model, "conv4_1/conv4_1:12")` is all Lucid needs (128 px, 512 steps by default);
# we pass the image size and the number of steps explicitly so the notebook can run in quick
# mode. It prints the objective value at the end and shows the image.

# %%
# Visualizing a neuron is easy!
_ = render.render_vis(model, "conv4_1/conv4_1:12",
                      param_f=lambda: param.image(SIZE), thresholds=(STEPS,),
                      use_fixed_seed=True)

# %% [markdown]
# ## Getting Help
#
# Every function carries its documentation, as in Lucid: `help(objectives.channel)`,
# `help(param.image)`, `help(render.render_vis)`. The layers the model knows about, with their
# number of channels, are in `model.layers`:

# %%
for layer in model.layers:
    print(f"{layer.name:18s} depth {layer.depth:5d}  {sorted(layer.tags)}")

# %% [markdown]
# ## Combining Objectives
#
# Objectives are small Python objects that can be added, subtracted and scaled. Here we ask for
# an image that excites two units of `conv4_1` at once: the result usually mixes the two
# patterns.

# %%
channel = lambda n: objectives.channel("conv4_1/conv4_1", n)
obj = channel(12) + channel(40)
_ = render.render_vis(model, obj, param_f=lambda: param.image(SIZE), thresholds=(STEPS,),
                      use_fixed_seed=True)

# %% [markdown]
# ## Transformation Robustness
#
# Optimising the pixels directly tends to find high-frequency patterns that excite the unit but
# look like noise to us. Asking the image to keep working when it is jittered, scaled and rotated
# slightly at every step ("transformation robustness") removes much of that noise. (`render_vis`
# applies Lucid's `transform.standard_transforms` when `transforms` is not given, as above.)
#
# On InceptionV1 the difference is dramatic; on this VGG16 unit it is milder: the same diagonal
# bands come out in every case, with more pixel-level speckle the fewer transformations are used.
# Compare the three images below. First, no transformations at all:

# %%
_ = render.render_vis(model, "conv4_1/conv4_1:12", param_f=lambda: param.image(SIZE),
                      transforms=[], thresholds=(STEPS,), use_fixed_seed=True)

# %% [markdown]
# Only jitter (random shifts of up to 8 pixels):

# %%
transforms = [transform.jitter(8)]
_ = render.render_vis(model, "conv4_1/conv4_1:12", param_f=lambda: param.image(SIZE),
                      transforms=transforms, thresholds=(STEPS,), use_fixed_seed=True)

# %% [markdown]
# A stronger set: padding, jitter, random scaling and rotation (Lucid's tutorial list):

# %%
transforms = [
    transform.pad(16),
    transform.jitter(8),
    transform.random_scale([n / 100. for n in range(80, 120)]),
    transform.random_rotate(list(range(-10, 10)) + list(range(-5, 5)) + 10 * list(range(-2, 2))),
    transform.jitter(2),
]
_ = render.render_vis(model, "conv4_1/conv4_1:12", param_f=lambda: param.image(SIZE),
                      transforms=transforms, thresholds=(STEPS,), use_fixed_seed=True)

# %% [markdown]
# ## Experimenting with Parameterization
#
# How the image is described to the optimiser matters as much as the objective. By default
# `param.image` stores the image in a decorrelated colour space and in the Fourier basis, where
# the gradient steps are much better conditioned. Turning both off gives plain pixels; with the
# default transformations on, the unit's pattern still comes through here, but with harsher
# colours and more high-frequency detail:

# %%
param_f = lambda: param.image(SIZE, fft=False, decorrelate=False)
_ = render.render_vis(model, "conv4_1/conv4_1:12", param_f, thresholds=(STEPS,),
                      use_fixed_seed=True)

# %% [markdown]
# A CPPN (a small network mapping pixel coordinates to colours) is another parameterisation;
# it favours smooth, flowing shapes. Lucid optimises it with a smaller Adam learning rate:

# %%
param_f = lambda: param.cppn(SIZE)
optimizer = tf.keras.optimizers.Adam(0.005)
_ = render.render_vis(model, "conv4_1/conv4_1:12", param_f, optimizer=optimizer,
                      thresholds=(STEPS,), use_fixed_seed=True)

# %% [markdown]
# ## Every Layer of VGG16
#
# Finally, one unit (`UNIT`) of every convolutional layer, from `conv1_1` to `conv5_3`. Early
# layers respond to colours and simple edges; the patterns grow larger and more complex with
# depth (textures in block 3, patterns and object parts in blocks 4 and 5).

# %%
conv_layers = [layer.name for layer in model.layers if "conv" in layer.tags]
conv_layers = conv_layers[::EVERY_NTH_LAYER]
layer_images = []
for name in conv_layers:
    t = time.time()
    imgs = render.render_vis(model, objectives.channel(name, UNIT),
                             param_f=lambda: param.image(SIZE), thresholds=(STEPS,),
                             verbose=False, use_fixed_seed=True)
    layer_images.append(imgs[-1][0])
    print(f"{name}:{UNIT}  {time.time() - t:.1f} s")
show_figure(np.stack(layer_images), labels=[f"{n.split('/')[0]}:{UNIT}" for n in conv_layers])

# %% [markdown]
# ### The fully connected layers: fc6, fc7 and prob
#
# Lucid's VGG16 also has the dense layers `fc6`, `fc7` and the class probabilities `prob`. They
# exist only when the graph was built from full ImageNet weights (Lucid's original `VGG16.pb`, or
# Keras' `vgg16_weights_tf_dim_ordering_tf_kernels.h5` converted with `lucid-vgg convert-h5`).
# The offline weights this project ships with hold the convolutional layers only, so the cell
# below skips them, with the reason, when they are missing.

# %%
dense_layers = ["fc6/fc6", "fc7/fc7", "prob"]
if model.has_dense_layers:
    dense_images = []
    for name in dense_layers:
        imgs = render.render_vis(model, objectives.channel(name, UNIT),
                                 param_f=lambda: param.image(SIZE), thresholds=(STEPS,),
                                 verbose=False, use_fixed_seed=True)
        dense_images.append(imgs[-1][0])
    show_figure(np.stack(dense_images), labels=[f"{n}:{UNIT}" for n in dense_layers])
else:
    print("Skipping fc6, fc7 and prob: this VGG16_caffe graph has the convolutional layers only.")
    try:
        model.get_activations(np.zeros([1, 32, 32, 3], np.float32), "fc6/fc6")
    except KeyError as e:
        print(e.args[0])

# %%
nbsetup.print_run_time()
