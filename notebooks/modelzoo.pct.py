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
# *This notebook is generated from [`modelzoo.pct.py`](modelzoo.pct.py), its source in
# [jupytext](https://jupytext.readthedocs.io)'s percent format: edit that file, then run
# `jupytext --sync modelzoo.pct.py` to update the cells here (their outputs are kept), or
# `python tools/execute_notebooks.py modelzoo` to re-render the pictures. In Jupyter with jupytext
# installed, saving this notebook updates both files. Settings and helpers shared by every
# notebook: [`nbsetup.py`](nbsetup.py).*

# %% [markdown]
# # Adding a Model to the Model Zoo
#
# Lucid visualises any network it can load as a frozen TensorFlow graph plus a few facts about
# its input (the *metadata*): the input tensor's name, the image shape, and the range of pixel
# values the network was trained on. This notebook walks through the whole path for a model of
# your own, in TensorFlow 2:
#
# 1. train a small Keras CNN (here on a synthetic dataset, in seconds),
# 2. freeze and save it with `Model.save`, which stores the metadata inside the graph,
# 3. load it back with `Model.load`, or write a model-zoo class for it (as `VGG16_caffe` is),
# 4. visualise its units with the usual `render_vis`.
#
# In Lucid, `Model.save` froze the graph of a live TF1 `Session`. TF2 has no session, so here it
# takes the Keras model (`model=keras_model`) and freezes it for you.
#
# *Ported from [Lucid](https://github.com/tensorflow/lucid/blob/master/notebooks/modelzoo.ipynb)
# (Apache-2.0) to TensorFlow 2.*

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

OUT = nbsetup.start_notebook("modelzoo")  # this notebook's output folder; starts its clock
TRAIN_STEPS = 200 if QUICK else 400   # training steps for the toy CNN
SIZE = 32 if QUICK else 64            # visualisation size in pixels
STEPS = 8 if QUICK else 256           # optimisation steps per render
# Full settings (400 training steps, 64 px, 256 steps) on 2 CPU cores: under 1 min (44 s, TF
# 2.21 on an Intel Xeon with AVX-512; the machine was shared with a CI run and another render
# job, load average 2.5-3.6). The pictures below are from a re-run on an AMD EPYC (AVX2 only)
# with Lucid's nearest-neighbour rotation (the default since issue 22): 38 s.

# %% [markdown]
# ## Imports

# %%
import os

import numpy as np

from modelzoo.vision_base import Model  # lucid_vgg's imports first, as in the other notebooks
from modelzoo import saving
from lucid_vgg.optvis import objectives, param, render
import keras
import tensorflow as tf

tf.get_logger().setLevel("ERROR")

# %% [markdown]
# ## 1. A tiny dataset and a tiny CNN
#
# The dataset: 32 x 32 crops of three scikit-image textures (brick, grass, gravel), with random
# flips and brightness. The network: three small conv layers, global average pooling and a
# softmax over the three classes. A few hundred steps are enough for it to tell them apart.

# %%
import skimage.data
import skimage.transform

keras.utils.set_random_seed(0)
rng = np.random.RandomState(0)

def as_rgb(gray):
    gray = skimage.transform.resize(gray, (256, 256), anti_aliasing=True).astype(np.float32)
    return np.repeat(gray[..., None], 3, -1)

textures = [as_rgb(skimage.data.brick()), as_rgb(skimage.data.grass()),
            as_rgb(skimage.data.gravel())]
CLASSES = ["brick", "grass", "gravel"]

def batch(n, size=32):
    xs, ys = [], []
    for _ in range(n):
        k = rng.randint(len(textures))
        y0, x0 = rng.randint(0, 256 - size, 2)
        crop = textures[k][y0:y0 + size, x0:x0 + size]
        if rng.rand() < 0.5:
            crop = crop[:, ::-1]
        crop = np.clip(crop * rng.uniform(0.7, 1.3) + rng.uniform(-0.1, 0.1), 0, 1)
        tint = rng.uniform(0.8, 1.2, 3).astype(np.float32)     # a little colour
        xs.append(np.clip(crop * tint, 0, 1))
        ys.append(k)
    return np.stack(xs).astype(np.float32), np.array(ys)

x_show, y_show = batch(6)
show_figure(x_show, labels=[CLASSES[y] for y in y_show])

# %%
keras_model = keras.Sequential([
    keras.Input((None, None, 3)),
    keras.layers.Conv2D(16, 3, padding="same", activation="relu", name="conv1"),
    keras.layers.MaxPooling2D(name="pool1"),
    keras.layers.Conv2D(32, 3, padding="same", activation="relu", name="conv2"),
    keras.layers.MaxPooling2D(name="pool2"),
    keras.layers.Conv2D(32, 3, padding="same", activation="relu", name="conv3"),
    keras.layers.GlobalAveragePooling2D(name="gap"),
    keras.layers.Dense(len(CLASSES), activation="softmax", name="prob"),
])
keras_model.compile(optimizer=keras.optimizers.Adam(3e-3),
                    loss="sparse_categorical_crossentropy", metrics=["accuracy"])

t = time.time()
for step in range(TRAIN_STEPS):
    x, y = batch(32)
    loss, acc = keras_model.train_on_batch(x, y)
x_test, y_test = batch(300)
_, test_acc = keras_model.evaluate(x_test, y_test, verbose=0)
print(f"trained {TRAIN_STEPS} steps in {time.time() - t:.0f} s; "
      f"accuracy on fresh crops: {test_acc:.2f}")

# %% [markdown]
# ## 2. Save it: `Model.save`
#
# `Model.save` freezes the Keras model (variables become constants), keeps only what the outputs
# need, and stores the metadata in the graph. Keras layer names become op names: the ReLU output
# of layer `conv1` is the op `conv1`.
#
# **Check `image_value_range`.** It is the range of pixel values the network was trained on
# (here `(0, 1)`; `(-1, 1)`, `(0, 255)` and Caffe's mean-subtracted BGR are common). Getting it
# wrong is the most common reason for meaningless visualisations, and it cannot be guessed from
# the graph. `Model.suggest_save_args` guesses the rest:

# %%
graph_def = saving.freeze(keras_model)
suggested = Model.suggest_save_args(graph_def)

# %%
save_path = os.path.join(OUT, "tiny_textures.pb")
layers = [{"name": "conv1", "depth": 16, "tags": ["conv"]},
          {"name": "conv2", "depth": 32, "tags": ["conv"]},
          {"name": "conv3", "depth": 32, "tags": ["conv"]},
          {"name": "prob", "depth": len(CLASSES), "tags": ["dense"]}]
Model.save(save_path, input_name="input", output_names=["prob"], image_shape=[32, 32, 3],
           image_value_range=(0, 1), model=keras_model, layers=layers)
print(save_path, os.path.getsize(save_path), "bytes")
for entry in saving.list_layer_ops(saving.read_graph_def(save_path), ("Relu", "Softmax")):
    print(entry)

# %% [markdown]
# ## 3. Load it back
#
# `Model.load` reads the graph and its metadata and returns a model-zoo `Model`: the same kind
# of object as `VGG16_caffe()`. Its activations match Keras' own:

# %%
loaded = Model.load(save_path)
print(loaded.layers)
acts = loaded.get_activations(x_test[:8], "prob")
print("max difference to Keras:", float(np.abs(acts - keras_model.predict(x_test[:8], verbose=0)).max()))


# %% [markdown]
# ### A model-zoo entry
#
# To make the model part of a zoo, write a class, as `modelzoo/caffe_models.py` does for
# `VGG16_caffe`: where the frozen graph lives (a path or URL), the input's name, shape and value
# range, and the layers worth visualising (name, depth, tags). Put it in a module under
# `modelzoo/` and import it in `modelzoo/vision_models.py` to list it next to VGG16.

# %%
class TinyTextures(Model):
    """A 3-layer CNN telling brick, grass and gravel apart (trained in modelzoo.ipynb)."""

    model_path = save_path          # a local path or an http(s) URL (downloaded and cached)
    image_shape = [32, 32, 3]
    image_value_range = (0, 1)
    input_name = "input"
    is_BGR = False
    layers = [
        {"tags": ["conv"], "name": "conv1", "depth": 16},
        {"tags": ["conv"], "name": "conv2", "depth": 32},
        {"tags": ["conv"], "name": "conv3", "depth": 32},
        {"tags": ["dense"], "name": "prob", "depth": 3},
    ]

tiny = TinyTextures()
print(tiny, [layer.name for layer in tiny.layers])

# %% [markdown]
# ## 4. Visualise its units
#
# Everything in the tutorial now works on the new model. Each unit of `conv3` (four in quick
# mode), then the three class outputs: the textures the network has learnt to look for.

# %%
units = list(range(4 if QUICK else 32))
obj = objectives.Objective.sum([objectives.channel("conv3", u, batch=i)
                                for i, u in enumerate(units)])
t = time.time()
imgs = render.render_vis(tiny, obj, lambda: param.image(SIZE, batch=len(units)),
                         thresholds=(STEPS,), verbose=False, use_fixed_seed=True)[-1]
print(f"{len(units)} units of conv3: {time.time() - t:.0f} s")
show_figure(imgs, labels=[f"conv3:{u}" for u in units])

# %%
obj = objectives.Objective.sum([objectives.channel("prob", k, batch=k)
                                for k in range(len(CLASSES))])
imgs = render.render_vis(tiny, obj, lambda: param.image(SIZE, batch=len(CLASSES)),
                         thresholds=(STEPS,), verbose=False, use_fixed_seed=True)[-1]
show_figure(imgs, labels=CLASSES)
print("the network's own verdict on them:",
      [CLASSES[k] for k in tiny.get_activations(imgs, "prob").argmax(-1)])

# %%
nbsetup.print_run_time()
