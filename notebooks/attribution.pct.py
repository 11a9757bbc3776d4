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
# *This notebook is generated from [`attribution.pct.py`](attribution.pct.py), its source in
# [jupytext](https://jupytext.readthedocs.io)'s percent format: edit that file, then run
# `jupytext --sync attribution.pct.py` to update the cells here (their outputs are kept), or
# `python tools/execute_notebooks.py attribution` to re-render the pictures. In Jupyter with jupytext
# installed, saving this notebook updates both files. Settings and helpers shared by every
# notebook: [`nbsetup.py`](nbsetup.py).*

# %% [markdown]
# # Attribution and Semantic Dictionaries - Building Blocks of Interpretability
#
# Feature visualisation says what a unit responds to; *attribution* says how much one part of
# the network contributed to another on a particular photo. This notebook reproduces three
# notebooks of [The Building Blocks of Interpretability](https://distill.pub/2018/building-blocks/)
# on VGG16: **channel attribution** (which channels of a lower layer drive a score higher up),
# **spatial attribution** (which positions do), and the **semantic dictionary** (each position's
# strongest channels, shown as their feature visualisations).
#
# All of it is one formula, Lucid's linear approximation: the attribution of a score to an
# activation is *activation x gradient of the score with respect to it*. Summed over positions it
# gives one number per channel; summed over channels, one number per position.
#
# *Ported from Lucid's
# [AttrChannel](https://github.com/tensorflow/lucid/blob/master/notebooks/building-blocks/AttrChannel.ipynb),
# [AttrSpatial](https://github.com/tensorflow/lucid/blob/master/notebooks/building-blocks/AttrSpatial.ipynb)
# and [SemanticDictionary](https://github.com/tensorflow/lucid/blob/master/notebooks/building-blocks/SemanticDictionary.ipynb)
# notebooks (Apache-2.0) to TensorFlow 2 and VGG16. VGG16 weights: Simonyan & Zisserman, *Very
# Deep Convolutional Networks for Large-Scale Image Recognition* (2014), CC BY 4.0.*

# %% [markdown]
# **Quick mode.** With the environment variable `LUCID_VGG_QUICK=1` (what the test run sets) every
# setting below shrinks (a small photo, tiny icons, a handful of steps) so the whole notebook runs
# in well under a minute. The pictures are then only a smoke test: run without it to see real
# visualisations. Files go under `$LUCID_VGG_OUT` (default `~/lucid_vgg_outputs`).

# %%
# Settings. LUCID_VGG_QUICK=1 (the test run) shrinks everything to a smoke test.
import nbsetup
from nbsetup import QUICK, show_figure

OUT = nbsetup.start_notebook("attribution")  # this notebook's output folder; starts its clock
PHOTO_SIZE = 64 if QUICK else 224   # photo fed to VGG16 (conv4_3: 28 x 28, conv5_3: 14 x 14)
ICON = 32 if QUICK else 80          # size of each channel's feature visualisation
ICON_STEPS = 4 if QUICK else 256    # optimisation steps for the icons
N_SHOW = 2 if QUICK else 3          # channels raising a group shown (and half as many lowering it)
N_GROUPS = 3                        # NMF groups of conv5_3 (the attribution targets)
PATH_STEPS = 4 if QUICK else 32     # steps of the path-integrated attribution
# Full settings (224 px photo, 10 icons of 80 px at 256 steps) on 2 CPU cores: 891 s (TF 2.21
# on an AMD EPYC, AVX2 only), on a machine shared with other jobs (load average 12-15, against
# 2 cores); an earlier run at load average 7-14 took 639 s. Most of it is the icons' render.

# %% [markdown]
# ## Import, load the model and a photo

# %%
# Imports: lucid_vgg's first, so that on CPUs where TensorFlow leaves its faster oneDNN
# kernels off (no AVX-512) they are turned on before TensorFlow loads (see the README).
import numpy as np

import modelzoo.vision_models as models
from lucid_vgg.misc.channel_reducer import ChannelReducer
from lucid_vgg.optvis import overrides
from lucid_vgg.recipes import attribution
from lucid_vgg.recipes.neuron_groups import upsample_maps
import tensorflow as tf

tf.get_logger().setLevel("ERROR")  # keep TF's Python warnings out of the pictures

model = models.VGG16_caffe()
img = nbsetup.chelsea(PHOTO_SIZE)  # Chelsea the cat (scikit-image), a square crop
show_figure(img)

# %% [markdown]
# ## What to attribute to: channel groups of conv5_3
#
# Lucid attributes to GoogLeNet's class logits. The VGG16 built from the offline weights has its
# convolutional layers only (its classifier needs the full graph, see the last section), so we
# attribute to something inside the network that is just as meaningful: the **neuron groups** of
# `conv5_3`, VGG16's last conv layer. NMF factorises the photo's `conv5_3` activations
# `[14, 14, 512]` into a few spatial maps times channel directions; each direction is a
# "concept" the top of the network uses on this photo. The maps show where each group fires
# (red): on Chelsea, one group covers the eyes, one the striped forehead, one the cheeks and
# whiskers. Parts of a face, found without any labels.

# %%
L4, L5 = "conv4_3/conv4_3", "conv5_3/conv5_3"
acts5 = model.get_activations(img[None], L5)[0]
nmf = ChannelReducer(N_GROUPS, "NMF", random_state=0, max_iter=1000)
group_maps = np.asarray(nmf.fit_transform(acts5)).transpose(2, 0, 1)    # [groups, 14, 14]
directions = np.asarray(nmf.components_, np.float32)                     # [groups, 512]
big = upsample_maps(group_maps, PHOTO_SIZE, PHOTO_SIZE)
tint = [np.clip(0.5 * img + (m / m.max())[..., None] * [0.6, -0.3, -0.3], 0, 1) for m in big]
show_figure(tint, labels=[f"conv5_3 group {k}" for k in range(N_GROUPS)])

# %% [markdown]
# ## Spatial attribution: which conv4_3 positions feed each group
#
# `attribution.attribute(model, img, layer, target, unit)` returns the activations of `layer`
# (`conv4_3`, the layer right below `conv5_3`'s block) and the gradient of a score at `target`:
# here each group's direction, summed over all `conv5_3` positions. `.spatial` sums activation x
# gradient over channels: one value per `conv4_3` position, **blue where the position raises the
# group's score, red where it lowers it** (scaled to the 99th percentile, so that the peaks do
# not hide the rest). The eyes and the nose stand out for every group: `conv4_3`'s activations
# are largest there, and activation x gradient weighs each position by its activation. Beyond
# them each group draws on its own region (the forehead stripes for group 1, the cheeks and
# whiskers for group 2); the red is scattered and weak: on this photo few `conv4_3` positions
# argue against a face part.

# %%
results = [attribution.attribute(model, img, L4, L5, directions[k]) for k in range(N_GROUPS)]
show_figure([attribution.overlay(img, r.spatial) for r in results],
            labels=[f"conv4_3 -> group {k}" for k in range(N_GROUPS)])

# %% [markdown]
# ## Channel attribution: which conv4_3 channels feed a group
#
# `.channels` sums activation x gradient over positions: one value per `conv4_3` channel. First
# the whole distribution, sorted, as Lucid's bar widget drew it (blue: positive, red: negative):
# a few channels carry most of the attribution, a long tail carries little, and some channels
# argue against the group.

# %%
k = int(np.argmax(group_maps.reshape(N_GROUPS, -1).max(1)))  # the group that fires most strongly
result = results[k]
print(f"group {k}: score {result.score:.0f}; attribution of its 512 conv4_3 channels: "
      f"{result.channels.min():.0f} .. {result.channels.max():.0f}")
show_figure(attribution.bars(result.channels, height=50, bar_width=1))

# %% [markdown]
# A number per channel means little until we see what the channel detects. Lucid showed
# precomputed spritemaps of GoogLeNet; here `attribution.channel_icons` renders the channels we
# need (one batch, a fixed seed, also the icons of the semantic dictionary below). First the
# channels that raise the group most, then the one that lowers it most; the labels give channel
# and attribution. The strongest channels draw round, eye-like blobs and fur-like stripes and
# swirls: the parts this group of `conv5_3` is made of.

# %%
pos, neg = result.top_channels(N_SHOW)
neg = neg[:max(1, N_SHOW // 2)]
dictionary = attribution.semantic_dictionary(model, img, L4, n_top=3)
h4 = dictionary.acts.shape[0]
spots = [dictionary.strongest_positions(1)[0], (h4 // 7, h4 // 2)]  # the strongest; the forehead
wanted = list(dict.fromkeys([*pos, *neg, *dictionary.channels[spots[0]], *dictionary.channels[spots[1]]]))
icons = dict(zip(wanted, attribution.channel_icons(model, L4, wanted, size=ICON, steps=ICON_STEPS)))
show_figure([icons[c] for c in [*pos, *neg]],
            labels=[f"{c}: {result.channels[c]:+.0f}" for c in [*pos, *neg]])

# %% [markdown]
# ## Path-integrated attribution
#
# The linear approximation uses the gradient at the photo's activations only. AttrChannel's
# second method averages the gradient along the straight path from zero activations to the
# photo's (`n_steps`); its total equals the change of the score along that path. Here the two
# agree almost exactly (the printed correlation): above `conv4_3`, VGG16 is ReLUs and
# convolutions with small biases, close to a function f with f(a x) = a f(x) for a > 0, whose
# gradient is the same all along the path. Networks with large biases or normalisation differ
# more.

# %%
path = attribution.attribute(model, img, L4, L5, directions[k], n_steps=PATH_STEPS)
top_linear, top_path = set(result.top_channels(10)[0]), set(path.top_channels(10)[0])
corr = np.corrcoef(result.channels, path.channels)[0, 1]
print(f"correlation of the two channel attributions: {corr:.2f}; "
      f"top-10 channels in common: {len(top_linear & top_path)}")
show_figure([attribution.bars(result.channels, 40, 1), attribution.bars(path.channels, 40, 1)],
            labels=["linear", f"path-integrated ({PATH_STEPS} steps)"])

# %% [markdown]
# ## Spatial-to-spatial attribution
#
# AttrSpatial's main widget: pick a position of the upper layer and see which positions of the
# lower layer it relies on. The score is the magnitude (L2 norm over channels) of `conv5_3`'s
# activation vector at that position (`unit=None`). Each picture marks the `conv5_3` position
# (orange square) and colours the `conv4_3` positions by their attribution: a position's input
# is a neighbourhood around it, strongest on the parts it sees: next to the left eye the eye
# dominates, below it the eye still outweighs the cheek right under the square, and in the
# bottom corner the fur around it.

# %%
h5 = acts5.shape[0]
peak = np.unravel_index(np.argmax(np.linalg.norm(acts5, axis=-1)), acts5.shape[:2])
picks = [tuple(int(v) for v in peak), (h5 // 2, h5 // 4), (h5 - 2, h5 - 2)]
maps = attribution.spatial_spatial_attribution(model, img, L4, L5, positions=picks)
show_figure([attribution.mark_position(attribution.overlay(img, m), p, (h5, h5))
             for m, p in zip(maps, picks)], labels=[f"conv5_3 at {p}" for p in picks])

# %% [markdown]
# Max-pooling passes gradient to one input of each 2 x 2 window, which makes attribution maps
# blotchy. AttrSpatial compares a smoothed max-pool gradient (Lucid's `l2_smoothed_maxpool_grad`,
# passed as `override`): the forward pass is the same, the gradient is spread over each window.
# Lucid's warning holds: this hides some of the model's behaviour; use it to see, not to measure.

# %%
smooth = attribution.spatial_spatial_attribution(
    model, img, L4, L5, positions=picks[:1],
    override={"MaxPool": overrides.l2_smoothed_maxpool_grad})
show_figure([attribution.overlay(img, maps[0]), attribution.overlay(img, smooth[0])],
            labels=["max-pool gradient", "smoothed max-pool gradient"])

# %% [markdown]
# ## Semantic dictionary
#
# At every position of a layer, the few channels with the largest activation, shown as their
# feature visualisations: a dictionary from "the activation vector here" to "what the network
# sees here". `attribution.semantic_dictionary` lists them for all `conv4_3` positions (28 x 28
# at 224 px). We look up two: the most active position (an eye) and one on the forehead. Below
# the photos, one row per position: its strongest channels, with their activations. At the eye,
# channels that draw round, eye-like patterns and rings; on the forehead, repeated spots and
# fur-like swirls. Channel 479, the strongest for the eye group above, is in both.

# %%
show_figure([attribution.mark_position(img, spot, (h4, h4)) for spot in spots],
            labels=[f"conv4_3 at {spot}" for spot in spots])
for spot in spots:
    show_figure([icons[c] for c in dictionary.channels[spot]],
                labels=[f"{c}: {v:.0f}" for c, v in zip(dictionary.channels[spot],
                                                        dictionary.values[spot])])

# %% [markdown]
# ## Attribution to classes (full graph only)
#
# With the full VGG16 graph (`lucid-vgg convert-h5` on Keras'
# `vgg16_weights_tf_dim_ordering_tf_kernels.h5`), the class logits `fc8/fc8` are a target like
# any other, and labels name the units: as in AttrChannel, `unit="tiger cat", minus="Egyptian
# cat"` attributes the difference of two logits. The default graph, built from the offline
# weights, has no classifier: then this part is skipped with a message.

# %%
logits = attribution.logits_layer(model)
if logits is None:
    print("This VGG16_caffe graph has conv layers only (built from the offline weights), so it has "
          "no class logits: skipping attribution to classes. Convert the full model with "
          "`lucid-vgg convert-h5 vgg16_weights_tf_dim_ordering_tf_kernels.h5` to run this part.")
else:
    cls = attribution.attribute(model, img, L5, logits, "tiger cat", minus="Egyptian cat")
    cpos, cneg = cls.top_channels(N_SHOW)
    print("conv5_3 channels for 'tiger cat' over 'Egyptian cat':", list(cpos),
          "against:", list(cneg))
    show_figure([attribution.overlay(img, cls.spatial)], labels=["tiger cat - Egyptian cat"])

# %%
nbsetup.print_run_time()
