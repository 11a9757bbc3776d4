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
# *This notebook is generated from [`style_transfer.pct.py`](style_transfer.pct.py), its source in
# [jupytext](https://jupytext.readthedocs.io)'s percent format: edit that file, then run
# `jupytext --sync style_transfer.pct.py` to update the cells here (their outputs are kept), or
# `python tools/execute_notebooks.py style_transfer` to re-render the pictures. In Jupyter with
# jupytext installed, saving this notebook updates both files. Settings and helpers shared by every
# notebook: [`nbsetup.py`](nbsetup.py).*

# %% [markdown]
# # Style Transfer
#
# Style transfer paints the *content* of one photo in the *style* of another (Gatys, Ecker &
# Bethge, [A Neural Algorithm of Artistic Style](https://arxiv.org/abs/1508.06576), 2015). It was
# invented on VGG, the network used here. We optimise an image so that
#
# - its activations at one deep layer match the content photo's (the **content loss**: same
#   things in the same places), and
# - the channel correlations (Gram matrices) of its activations at several layers match the style
#   photo's (the **style loss**: same textures and colours, wherever they are).
#
# Both losses are Lucid objectives, so the optimisation is an ordinary `render_vis` with Lucid's
# decorrelated Fourier-space image parameterisation. The style loss is `lucid_vgg.optvis.style`,
# the port of Lucid's `lucid.optvis.style`.
#
# *Ported from [Lucid](https://github.com/tensorflow/lucid/blob/master/notebooks/differentiable-parameterizations/style_transfer_2d.ipynb)
# (Apache-2.0) to TensorFlow 2 and VGG16. VGG16 weights: Simonyan & Zisserman, *Very Deep
# Convolutional Networks for Large-Scale Image Recognition* (2014), CC BY 4.0. Photos: scikit-image's
# `chelsea`, `immunohistochemistry` and `hubble_deep_field` (see `skimage.data`).*

# %% [markdown]
# **Quick mode.** With the environment variable `LUCID_VGG_QUICK=1` (what the test run sets) every
# setting below shrinks (tiny images, a handful of steps) so the whole notebook runs in well under
# a minute. The pictures are then only a smoke test: run without it to see real style transfer.
# Files go under `$LUCID_VGG_OUT` (default `~/lucid_vgg_outputs`).

# %%
# Settings. LUCID_VGG_QUICK=1 (the test run) shrinks everything to a smoke test.
import time

import nbsetup
from nbsetup import QUICK, show_figure

OUT = nbsetup.start_notebook("style_transfer")  # this notebook's output folder; starts its clock
SIZE = 48 if QUICK else 160          # side of the rendered image and of the content photo, px
STYLE_SIZE = 140 if QUICK else 256   # side of the style photos: above conv5_1's receptive field
STEPS = 8 if QUICK else 256          # optimisation steps per render
CONTENT_WEIGHT = 3.0                 # content loss weight against the (summed) style losses
# Full settings (160 px, 256 steps, three renders) on 2 CPU cores: about 16 min (941 s, TF 2.21
# on an AMD EPYC with AVX-512; the machine was shared with other notebook runs, load average
# 9-15, so this is pessimistic: the renders take 277-301 s each here).

# %% [markdown]
# ## Import, load the model

# %%
# Imports: lucid_vgg's first, so that on CPUs where TensorFlow leaves its faster oneDNN
# kernels off (no AVX-512) they are turned on before TensorFlow loads (see the README).
import numpy as np
import skimage.data

import modelzoo.vision_models as models
from lucid_vgg.misc.convert_matplotlib import matplotlib_to_numpy
from lucid_vgg.optvis import objectives, param, render, style, transform
from modelzoo.receptive_field import receptive_field
import tensorflow as tf

tf.get_logger().setLevel("ERROR")  # keep TF's Python warnings out of the pictures

# %%
# VGG16 from the model zoo. The first call builds the frozen graph from the offline ImageNet
# weights and caches it; later calls read the cache.
model = models.VGG16_caffe()

# %% [markdown]
# ## The content and style photos
#
# The content photo is Chelsea the cat. The styles are two texture-rich photos that ship with
# scikit-image: a stained tissue section (immunohistochemistry: brown bands of cells on a pale
# blue background) and the Hubble deep field (coloured galaxies on black). Lucid's notebook used
# Big Ben and *The Starry Night*, which would need a download.

# %%
content = nbsetup.chelsea(SIZE)
STYLES = {"tissue": skimage.data.immunohistochemistry(), "galaxies": skimage.data.hubble_deep_field()}
style_photos = {name: nbsetup.square_photo(img, STYLE_SIZE) for name, img in STYLES.items()}
thumbs = {name: nbsetup.square_photo(img, SIZE) for name, img in STYLES.items()}  # for display
show_figure([content] + list(thumbs.values()), labels=["content"] + [f"style: {n}" for n in thumbs])

# %% [markdown]
# ## Which layers
#
# We use Gatys et al.'s choice for VGG: the **content layer** is `conv4_2`, deep enough that its
# activations describe *what* is where (eyes, nose, the outline of the head) but not the exact
# pixels; the **style layers** are the first layer of every block, `conv1_1`, `conv2_1`,
# `conv3_1`, `conv4_1` and `conv5_1`. Gram matrices of early layers capture colours and fine
# grain, those of later layers larger motifs. How large is set by each layer's *receptive field*,
# the input patch one unit sees, which `modelzoo.receptive_field` reads off the graph's kernel
# sizes and strides:

# %%
CONTENT_LAYER = "conv4_2/conv4_2"
STYLE_LAYERS = [f"conv{b}_1/conv{b}_1" for b in range(1, 6)]
for layer in STYLE_LAYERS + [CONTENT_LAYER]:
    rf = receptive_field(model.graph_def, layer)
    role = "content" if layer == CONTENT_LAYER else "style"
    print(f"{role:8s}{layer:17s} receptive field {rf.size:3d} px, one unit every {rf.stride:2d} px")

# %% [markdown]
# A `conv5_1` unit sees 132x132 px, so the style photos are 256 px: a smaller one would give
# `conv5_1` little more than its zero padding to describe (the last section shows the error you
# get). The scale of the texture in the result follows the style photo's scale: the layers see
# patches of a fixed size in pixels, so a larger copy of the same photo gives larger motifs.
#
# ## The losses
#
# The Gram matrices of VGG's layers differ in scale by two orders of magnitude (mean absolute
# entries for the tissue photo):

# %%
for layer in STYLE_LAYERS:
    gram = style.gram_style(model.get_activations(style_photos["tissue"][None], layer))
    print(f"{layer:17s} mean |Gram| {float(tf.reduce_mean(tf.abs(gram))):9.1f}")

# %% [markdown]
# With Lucid's plain mean L1 distance `conv3_1` would outweigh `conv1_1` and `conv5_1` by 100
# to 1 and the colours and large motifs would be lost. So both losses use a *relative* L1
# distance, the mean absolute difference divided by the target's mean magnitude: every style
# layer counts alike and a loss of 1.0 means "as far off as the target is large".
# `style.StyleLoss` takes it as its `loss_func`; `set_style_image` computes the style photo's
# Gram matrices once, before rendering. The content target is the content photo's `conv4_2`
# activations, also computed once (Lucid's notebook instead stacks the image, the content photo
# and a crop of the style photo into one batch of three, so VGG runs on three images per step;
# fixed targets run it on one).

# %%
def relative_l1(stat, target):
    """Mean absolute difference, relative to the target's mean magnitude."""
    return tf.reduce_mean(tf.abs(stat - target)) / (tf.reduce_mean(tf.abs(target)) + 1e-6)


def content_loss(layer, image):
    """Objective: how far the rendered image's activations at `layer` are from `image`'s."""
    target = tf.constant(model.get_activations(image[None], layer))
    return objectives.Objective(lambda T: relative_l1(T(layer), target), name="content_loss",
                                description=f"content loss ({layer.split('/')[0]})")


# Keep the image size (pad 2 px, crop 4 px at a random offset: a shift of up to 2 px), so the
# content target stays aligned; the small shifts keep a fine checkerboard pattern away.
TRANSFORMS = [transform.pad(2), transform.jitter(4)]


def style_transfer(style_photo, fft=True, decorrelate=True):
    """Render `content` in the style of `style_photo`; the image and the losses at each step."""
    style_loss = style.StyleLoss(STYLE_LAYERS, loss_func=relative_l1)
    style_loss.set_style_image(model, style_photo)
    style_obj = style_loss.objective()
    content_obj = content_loss(CONTENT_LAYER, content)
    history = []  # [style loss, content loss] per step
    t = time.time()
    images = render.render_vis(
        model, -style_obj - CONTENT_WEIGHT * content_obj,
        lambda: param.image(SIZE, fft=fft, decorrelate=decorrelate), transforms=TRANSFORMS,
        thresholds=(STEPS,), print_objectives=[style_obj, content_obj], verbose=False,
        use_fixed_seed=0, callback=lambda i, loss, vis: history.append(vis.printed))
    history = np.array(history, dtype=np.float64)
    print(f"{len(history)} steps in {time.time() - t:.0f} s: style loss {history[0, 0]:.2f} -> "
          f"{history[-1, 0]:.2f}, content loss {history[0, 1]:.2f} -> {history[-1, 1]:.2f}")
    return images[-1][0], history


def loss_curves(histories):
    """The style and content losses against the step, one line per render, as an image."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.5, 2.6), dpi=100)
    for ax, col, title in zip(fig.subplots(1, 2), (0, 1), ("style loss (sum of 5 layers)",
                                                           "content loss (conv4_2)")):
        for label, history in histories.items():
            ax.plot(history[:, col], label=label)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("step")
        ax.set_ylim(bottom=0)
        ax.legend(fontsize=8)
    fig.tight_layout()
    return matplotlib_to_numpy(fig)


# %% [markdown]
# ## Style transfer
#
# The image is Lucid's default parameterisation, `param.image(SIZE, fft=True, decorrelate=True)`:
# its variables are Fourier coefficients of colour channels decorrelated the way ImageNet's
# colours are, so a step of the optimiser changes smooth patterns rather than single pixels.

# %%
results, histories = {}, {}
results["tissue"], histories["tissue"] = style_transfer(style_photos["tissue"])
show_figure([content, thumbs["tissue"], results["tissue"]],
            labels=["content", "style", "content in the style"])

# %% [markdown]
# The cat is still there (eyes, nose, the dark stripes on its forehead) but painted in the tissue's
# palette, pale blue-white with brown bands, and its fur is drawn with the streaky texture of the
# stained cells. Where the content is weak (the background, the cheeks) the style takes over.
# Look closely at the nose: a fine grid, the checkerboard artefact Lucid's notebook discusses;
# the small random shifts (`TRANSFORMS`) keep it faint.

# %%
results["galaxies"], histories["galaxies"] = style_transfer(style_photos["galaxies"])
show_figure([content, thumbs["galaxies"], results["galaxies"]],
            labels=["content", "style", "content in the style"])

# %% [markdown]
# The galaxies turn the picture dark: a black sky of bright coloured points over a dim grey-brown
# cat whose eyes became dark shining spots. This style has almost no large structure, so the
# cat's outline is kept by the content loss alone and is harder to see.

# %%
show_figure(loss_curves({"tissue": histories["tissue"], "galaxies": histories["galaxies"]}))

# %% [markdown]
# Both losses start at a random image's values: the style loss about 4.9 (five layers, each
# about 1.0, as far from its target as the target is large), the content loss about 1.0. With
# the tissue both fall and level off after about 100 steps (style 4.87 -> 1.32, content
# 1.02 -> 0.55). With the galaxies the two losses pull apart: after 20 steps the content loss
# rises again (to 0.89) while the style loss keeps falling (to 1.43), since a black field of
# points cannot have the cat's `conv4_2` activations, and at `CONTENT_WEIGHT = 3` the style wins.
# Raise `CONTENT_WEIGHT` for a more recognisable cat, lower it for more style.
#
# ## The parameterisation matters
#
# Lucid's notebook goes on to show that the parameterisation is much of the method. The same
# objective, transforms and steps, now on plain pixels (`fft=False, decorrelate=False`):

# %%
results["pixels"], histories["pixels"] = style_transfer(style_photos["tissue"], fft=False,
                                                        decorrelate=False)
show_figure([results["tissue"], results["pixels"]],
            labels=["Fourier, decorrelated", "plain pixels"])
show_figure(loss_curves({"Fourier, decorrelated": histories["tissue"],
                         "plain pixels": histories["pixels"]}))

# %% [markdown]
# On VGG16 the difference is much smaller than in Lucid's notebook on GoogLeNet. The plain-pixel
# render ends at the same content loss (0.54 against 0.55) and a somewhat higher style loss
# (1.49 against 1.32); the Fourier parameterisation gets there faster in the first 50 steps.
# The pixel image is, if anything, smoother, with less of the fine grid. That matches Gatys et
# al., who optimised VGG's pixels directly: on VGG the parameterisation speeds the optimisation
# up rather than making it work at all.
#
# ## A style photo that is too small
#
# A style layer's Gram matrix is only a description of the style when its units see the style
# photo rather than padding. `set_style_image` checks the style photo against each style layer's
# receptive field before it computes anything, and says what to do:

# %%
try:
    style.StyleLoss(STYLE_LAYERS).set_style_image(model, nbsetup.square_photo(STYLES["tissue"], 100))
except ValueError as e:
    print(f"ValueError: {e}")

# %%
nbsetup.print_run_time()
