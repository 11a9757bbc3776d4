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
# *This notebook is generated from [`your_keras_model.pct.py`](your_keras_model.pct.py), its source in
# [jupytext](https://jupytext.readthedocs.io)'s percent format: edit that file, then run
# `jupytext --sync your_keras_model.pct.py` to update the cells here (their outputs are kept), or
# `python tools/execute_notebooks.py your_keras_model` to re-render the pictures. In Jupyter with
# jupytext installed, saving this notebook updates both files. Settings and helpers shared by every
# notebook: [`nbsetup.py`](nbsetup.py).*

# %% [markdown]
# # Your own Keras model, as it is
#
# Your network is a `keras.Model`. `render_vis`, `get_activations` and the recipes take it as it
# is: no freezing into a `.pb` first. This notebook trains a small CNN on synthetic shapes (a few
# seconds), visualises its units directly, and compares the result with the frozen-graph path
# (`Model.save` + `Model.load`), which must give the same pictures.
#
# **Quick mode.** With `LUCID_VGG_QUICK=1` (what the test run sets) the training and renders
# shrink to a smoke test. Files go under `$LUCID_VGG_OUT` (default `~/lucid_vgg_outputs`).

# %%
# Settings. LUCID_VGG_QUICK=1 (the test run) shrinks everything to a smoke test.
import nbsetup
from nbsetup import QUICK, show_figure

OUT = nbsetup.start_notebook("your_keras_model")
N_TRAIN = 256 if QUICK else 3000   # synthetic training images (32 x 32 px)
EPOCHS = 1 if QUICK else 4         # training epochs
SIZE = 32 if QUICK else 96         # rendered image size in pixels
STEPS = 8 if QUICK else 256        # optimisation steps per render
# Full settings on 2 CPU cores: about 1 min (54 s for the committed outputs, AMD EPYC, TF 2.21,
# load average about 3; 203 s on the same machine at load 13-16).

# %%
# Imports: lucid_vgg's first (it sets TensorFlow's oneDNN default before TensorFlow loads).
import os
import warnings

import numpy as np

import modelzoo
from lucid_vgg import recipes
from lucid_vgg.optvis import objectives, param, render
from modelzoo.vision_base import Model
import keras
import tensorflow as tf

tf.get_logger().setLevel("ERROR")

# %% [markdown]
# ## 1. A small CNN, trained here
#
# Four classes of 32 x 32 colour images: a disc, a square outline, horizontal stripes and
# vertical stripes, each in a random colour on a random dark background, at a random place.

# %%
CLASSES = ["disc", "square", "h-stripes", "v-stripes"]


def shape_image(kind, rng, size=32):
    """One synthetic image of class `kind` (float32 RGB in [0, 1])."""
    yy, xx = np.mgrid[:size, :size].astype(np.float32)
    cy, cx = rng.uniform(10, size - 10, 2)
    r = rng.uniform(5, 9)
    if kind == 0:
        mask = (yy - cy) ** 2 + (xx - cx) ** 2 < r ** 2
    elif kind == 1:
        inside = (np.abs(yy - cy) < r) & (np.abs(xx - cx) < r)
        mask = inside & ~((np.abs(yy - cy) < r - 2) & (np.abs(xx - cx) < r - 2))
    else:
        period = rng.uniform(4, 7)
        mask = np.sin(2 * np.pi * (yy if kind == 2 else xx) / period) > 0
    background = rng.uniform(0, 0.35, 3)
    colour = rng.uniform(0.5, 1.0, 3)
    img = np.where(mask[..., None], colour, background) + rng.normal(0, 0.03, (size, size, 3))
    return np.clip(img, 0, 1).astype(np.float32)


rng = np.random.default_rng(0)
y_all = rng.integers(0, len(CLASSES), N_TRAIN + 200)
x_all = np.stack([shape_image(k, rng) for k in y_all])
x_train, y_train, x_test, y_test = x_all[:N_TRAIN], y_all[:N_TRAIN], x_all[N_TRAIN:], y_all[N_TRAIN:]
show_figure(list(x_train[:8]), labels=[CLASSES[k] for k in y_train[:8]])

# %%
keras.utils.set_random_seed(0)
inputs = keras.Input((None, None, 3), name="image")
x = keras.layers.Conv2D(16, 3, padding="same", activation="relu", name="conv1")(inputs)
x = keras.layers.MaxPooling2D(name="pool1")(x)
x = keras.layers.Conv2D(32, 3, padding="same", activation="relu", name="conv2")(x)
x = keras.layers.MaxPooling2D(name="pool2")(x)
x = keras.layers.Conv2D(32, 3, padding="same", activation="relu", name="conv3")(x)
x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
outputs = keras.layers.Dense(len(CLASSES), name="logits")(x)
cnn = keras.Model(inputs, outputs, name="shapes_cnn")
cnn.compile(optimizer=keras.optimizers.Adam(3e-3),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
history = cnn.fit(x_train, y_train, epochs=EPOCHS, batch_size=64, verbose=0)
print("test accuracy:", round(cnn.evaluate(x_test, y_test, verbose=0)[1], 3))

# %% [markdown]
# ## 2. Wrap it: `modelzoo.KerasModel`
#
# The wrapper says how to feed the model: the pixel range it was trained on (here `(0, 1)`) and
# the colour order. Its layers are the Keras layers, by their Keras names, with depths and tags
# (`conv` for image-shaped outputs, `dense` for vectors).

# %%
model = modelzoo.KerasModel(cnn, image_value_range=(0, 1), labels=CLASSES)
for layer in model.layers:
    print(f"{layer.name:8s} {layer.depth:4d}  {sorted(layer.tags)}")

# %% [markdown]
# `get_activations` runs the live model (NumPy in, NumPy out), and matches Keras' own `predict`:

# %%
acts = model.get_activations(x_test[:8], "logits")
print("max difference to cnn.predict:", float(np.abs(acts - cnn.predict(x_test[:8], verbose=0)).max()))

# %% [markdown]
# ## 3. Visualise its units directly
#
# Objectives name Keras layers: `"conv3:5"` is channel 5 of `conv3`, and `class_logit` reads a
# class by its label. The render step is one `tf.function`, traced once, that calls only the
# part of the Keras model the objective reads (here up to `logits`).

# %%
class_images = []
for label in CLASSES:
    imgs = render.render_vis(model, objectives.class_logit("logits", label),
                             lambda: param.image(SIZE), thresholds=(STEPS,), verbose=False,
                             use_fixed_seed=0)
    class_images.append(imgs[-1][0])
show_figure(class_images, labels=CLASSES)

# %% [markdown]
# Every channel of `conv3`, through the `render_layer` recipe (one render, one unit per image):

# %%
units, info = recipes.render_layer(model, "conv3", size=SIZE // 2 if not QUICK else 16,
                                   steps=STEPS, batch_size=8 if QUICK else 32,
                                   use_fixed_seed=0, return_info=True)
show_figure(list(units), labels=[f"conv3:{u}" for u in info.units])

# %% [markdown]
# Grey cells are units the render could not move. The activations on the test images say why:
# most are dead (zero for every image, so the gradient through their ReLU is zero whatever the
# image; the redirected ReLU gradient only helps units dead for the *starting* image); a unit
# that fires only weakly (a small fraction of a typical unit's peak) can also stay grey from a
# noise start.

# %%
conv3_acts = model.get_activations(x_test, "conv3")
peak = conv3_acts.max(axis=(1, 2))                      # [images, units]
print("dead conv3 units (zero on all test images):", [u for u in range(peak.shape[1]) if peak[:, u].max() == 0])
grey = [u for u in range(len(units)) if units[u].std() < 0.05]
for u in grey:
    print(f"conv3:{u} rendered grey: max activation {peak[:, u].max():.3f} (median unit: "
          f"{np.median(peak.max(axis=0)):.3f}), active on {np.mean(peak[:, u] > 0):.0%} of test images")

# %% [markdown]
# A bare `keras.Model` works too: `render_vis` wraps it and says which input range it assumed.

# %%
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    bare = render.render_vis(cnn, "conv2:3", lambda: param.image(SIZE), thresholds=(STEPS,),
                             verbose=False, use_fixed_seed=0)
print(caught[0].message)
show_figure(bare[-1][0])

# %% [markdown]
# ## 4. The same pictures from the frozen graph
#
# The frozen-graph path (`Model.save` freezes the model into a `.pb`, `Model.load` reads it back)
# gives the same activations, and the same renders for the same seed, up to float rounding:

# %%
pb = os.path.join(OUT, "shapes_cnn.pb")
Model.save(pb, input_name="input", output_names=["logits"], image_shape=[None, None, 3],
           image_value_range=(0, 1), model=cnn,
           layers=[{"name": n, "depth": d, "tags": ["conv"]} for n, d in
                   (("conv1", 16), ("conv2", 32), ("conv3", 32))])
frozen = Model.load(pb)
a_keras = model.get_activations(x_test[:8], "conv3")
a_frozen = frozen.get_activations(x_test[:8], "conv3")
print("activations, max relative difference:",
      float(np.abs(a_keras - a_frozen).max() / np.abs(a_frozen).max()))

pairs = []
for unit in (0, 5, 11):
    kw = dict(param_f=lambda: param.image(SIZE), thresholds=(STEPS,), verbose=False, use_fixed_seed=1)
    k_img = render.render_vis(model, f"conv3:{unit}", **kw)[-1][0]
    f_img = render.render_vis(frozen, f"conv3:{unit}", **kw)[-1][0]
    print(f"conv3:{unit}  max pixel difference keras vs frozen: {np.abs(k_img - f_img).max():.2e}")
    pairs += [k_img, f_img]
show_figure(pairs, labels=[f"conv3:{u} {path}" for u in (0, 5, 11) for path in ("keras", "frozen")])

# %%
nbsetup.print_run_time()
