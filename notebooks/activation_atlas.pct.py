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
# *This notebook is generated from [`activation_atlas.pct.py`](activation_atlas.pct.py), its source in
# [jupytext](https://jupytext.readthedocs.io)'s percent format: edit that file, then run
# `jupytext --sync activation_atlas.pct.py` to update the cells here (their outputs are kept), or
# `python tools/execute_notebooks.py activation_atlas` to re-render the pictures. In Jupyter with
# jupytext installed, saving this notebook updates both files. Settings and helpers shared by every
# notebook: [`nbsetup.py`](nbsetup.py).*

# %% [markdown]
# # Activation Atlas
#
# This notebook builds an [Activation Atlas](https://distill.pub/2019/activation-atlas/) of one
# VGG16 layer. Feature visualisation of single units shows what one channel wants; an atlas shows
# what the layer *actually sees* on real images. We run many image patches through the network,
# keep one activation vector per patch, lay those vectors out in 2-D so that similar ones sit
# together, cut the layout into a grid, and render one picture (an "icon") per grid cell from the
# average activation vector of the patches in that cell.
#
# Lucid read 100,000 ImageNet activation vectors that it had collected beforehand; here they are
# collected from every photo that ships inside scikit-image, at several crops and scales, so the
# notebook runs offline.
#
# *Ported from Lucid's
# [activation-atlas-simple](https://github.com/tensorflow/lucid/blob/master/notebooks/activation-atlas/activation-atlas-simple.ipynb)
# and
# [activation-atlas-collect](https://github.com/tensorflow/lucid/blob/master/notebooks/activation-atlas/activation-atlas-collect.ipynb)
# notebooks (Apache-2.0) to TensorFlow 2 and VGG16. VGG16 weights: Simonyan & Zisserman, *Very Deep
# Convolutional Networks for Large-Scale Image Recognition* (2014), CC BY 4.0.*

# %% [markdown]
# **Quick mode.** With the environment variable `LUCID_VGG_QUICK=1` (what the test run sets) every
# setting below shrinks (one small scale, two patches per photo, a 3x3 grid of tiny icons, a
# handful of steps, and t-SNE instead of UMAP, whose just-in-time compilation alone takes a
# minute) so the whole notebook runs in well under a minute. The pictures are then only a smoke
# test: run without it to see a real atlas. Files go under `$LUCID_VGG_OUT` (default
# `~/lucid_vgg_outputs`).

# %%
# Settings. LUCID_VGG_QUICK=1 (the test run) shrinks everything to a smoke test.
import time

import nbsetup
from nbsetup import QUICK, show_figure

OUT = nbsetup.start_notebook("activation_atlas")  # this notebook's output folder; starts its clock
LAYER = "conv4_1/conv4_1"                  # the layer whose activations we map
SCALES = (96,) if QUICK else (128, 256, 512)  # each photo's shorter side, in px, one copy per scale
PATCH = 64 if QUICK else 96                # side of the random crops fed to VGG16
PER_IMAGE = 2 if QUICK else 8              # random crops per photo and scale
GRID = 3 if QUICK else 8                   # the atlas is GRID x GRID cells
THRESHOLD = 0 if QUICK else 5              # a cell gets an icon when it holds more patches
ICON = 32 if QUICK else 64                 # icon side in px (Lucid: 80)
STEPS = 8 if QUICK else 192                # optimisation steps per icon (Lucid: 512)
LAYOUT = "tsne" if QUICK else "auto"       # "auto": UMAP when umap-learn is installed
SEED = 0
# Full settings (480 patches of 96 px from 20 photos at 3 scales, UMAP, an 8x8 grid, 35 icons of
# 64 px, 192 steps) on 2 CPU cores: 561 s (TF 2.21 on an AMD EPYC, AVX2; the machine was shared
# with other jobs, load average 5-12, and the notebook's kernel got 276 CPU-seconds of it).

# %% [markdown]
# ## Import, load the model

# %%
# Imports: lucid_vgg's first, so that on CPUs where TensorFlow leaves its faster oneDNN
# kernels off (no AVX-512) they are turned on before TensorFlow loads (see the README).
import inspect

import numpy as np
import skimage.data
import skimage.transform

import modelzoo.vision_models as models
from lucid_vgg.recipes import activation_atlas as atlas
from lucid_vgg.recipes.activation_atlas import collect, layout, main, render, whitening
import tensorflow as tf

tf.get_logger().setLevel("ERROR")  # keep TF's Python warnings out of the pictures

# %%
# VGG16 from the model zoo (the first call builds the frozen graph from the offline ImageNet
# weights and caches it). The atlas needs a spatial layer: these are the ones we can map.
model = models.VGG16_caffe()
print([layer.name for layer in model.layers if "conv" in layer.tags])

# %% [markdown]
# ## The photos: everything scikit-image ships
#
# `skimage.data` has loaders for about forty images; some need a download (they are skipped
# here), and some are drawings rather than photos (a checkerboard, a colour wheel, the
# scikit-image logo, binary masks, a phantom), which we leave out. The list below is made by
# calling every loader, not typed by hand: grey photos are turned into RGB, and a stereo pair
# contributes its left view.

# %%
NOT_PHOTOS = {"checkerboard", "colorwheel", "logo", "binary_blobs", "horse",
              "shepp_logan_phantom", "download_all"}


def skimage_photos(min_side=96):
    """name -> uint8 RGB photo, for every image loader of skimage.data that works offline."""
    photos = {}
    for name in sorted(skimage.data.__all__):
        loader = getattr(skimage.data, name)
        if name in NOT_PHOTOS or not callable(loader):
            continue
        if any(p.default is p.empty for p in inspect.signature(loader).parameters.values()):
            continue  # not an image loader (e.g. file_hash)
        try:
            img = loader()
        except (ImportError, OSError):  # not in the wheel: needs the optional download (pooch)
            continue
        except BaseException as error:  # the same under a pytest run: skimage raises its Skipped
            if type(error).__name__ != "Skipped":
                raise
            continue
        if isinstance(img, tuple):  # stereo_motorcycle: (left, right, disparity)
            img = img[0]
        if not isinstance(img, np.ndarray) or img.dtype != np.uint8 or min(img.shape[:2]) < min_side:
            continue  # a file name, masks, tiny face crops
        if img.ndim == 2:
            img = np.repeat(img[..., None], 3, axis=-1)
        if img.ndim == 3 and img.shape[2] == 3:
            photos[name] = img
    return photos


photos = skimage_photos()
print(len(photos), "photos:", ", ".join(photos))
show_figure([nbsetup.square_photo(p, 96) for p in photos.values()], labels=list(photos))

# %% [markdown]
# ## Collect activation vectors: random crops at several scales
#
# Each photo is resized so its shorter side is each of `SCALES` px, and from each copy we cut
# `PER_IMAGE` random `PATCH` px crops. At the smallest scale a crop holds most of the photo (a
# whole cat, a whole rocket); at the largest it holds a detail (fur, an eye, a letter, gravel).
# `collect_activations` runs the crops through VGG16 and reads the `conv4_1` vector (512
# channels) at one random position away from the crop's edge, as Lucid did for ImageNet.
#
# We map `conv4_1`, the first layer of VGG16's fourth block: its positions see about 60 px of
# the input, enough for textures and object parts, and deeper layers mostly repeat what a
# handful of photos contain. The crops and positions depend only on `SEED` and each image's
# index, so `collect_patches` gives back the very crops behind each vector (used below).
#
# Here the collection runs in this process. On a Ray cluster, add
# `ray_address="auto"` (or `"HOST:PORT"`) to `collect_activations`: batches of crops go to Ray
# workers that load the model once, and the vectors come back identical, in the same order.

# %%
def at_scale(photo, side):
    """`photo` resized (anti-aliased) so that its shorter side is `side` px, float in [0, 1]."""
    h, w = photo.shape[:2]
    f = side / min(h, w)
    return skimage.transform.resize(photo, (round(h * f), round(w * f)),
                                    anti_aliasing=True).astype(np.float32)


images = [at_scale(p, s) for s in SCALES for p in photos.values()]
sources = [f"{name}@{s}" for s in SCALES for name in photos]
options = dict(patch_size=PATCH, patches_per_image=PER_IMAGE, seed=SEED)
t = time.time()
acts = atlas.collect_activations(model, LAYER, images, batch_size=32, **options)
print(f"{len(images)} images -> activations {acts.shape} in {time.time() - t:.0f} s")
patches, _ = collect.collect_patches(images, **options)  # the crop behind each row of acts
origin = np.repeat(sources, PER_IMAGE)
print(f"{np.mean(acts > 0):.0%} of the entries are positive (after the ReLU)")

# %% [markdown]
# ## Whitening
#
# Some directions in activation space are common to almost every patch; averaging and then
# rendering them gives the same icon everywhere. Like Lucid, we render each cell's mean vector `v`
# through the inverse of the activations' second-moment matrix, `v @ S` with
# `S = inv(A.T A / n)`, which favours what is *particular* to a cell. (A small ridge keeps `S`
# finite when some channels never fire on these photos, or when there are fewer patches than
# channels, as here.) `render_icons` then scales each whitened direction to a largest entry of 1:
# VGG16's activations are large, so whitened directions are tiny and, unscaled, the objective
# would be lost next to the penalty on busy icon borders.

# %%
S = whitening.whiten(acts)
rank = np.linalg.matrix_rank(whitening.layer_covariance(acts))
print(f"S: {S.shape}, from {len(acts)} vectors; the second-moment matrix has rank {rank} of "
      f"{acts.shape[1]}, so the ridge is what keeps S finite")

# %% [markdown]
# ## A 2-D layout
#
# `aligned_umap` embeds the vectors in 2-D with UMAP (cosine distance, Lucid's settings) when
# umap-learn is installed (`pip install lucid-vgg[atlas]`), else with scikit-learn's t-SNE; the
# line below says which ran. Outliers are clipped and both axes scaled to [0, 1]. In the picture
# every patch is drawn as a small thumbnail at its place in the layout (first axis down, second
# across, the way the atlas below is laid out).

# %%
method = LAYOUT if LAYOUT != "auto" else ("umap" if layout.umap_available() else "tsne")
t = time.time()
xy = atlas.aligned_umap(acts, method=method, seed=SEED)
print(f"layout by {method.upper()} in {time.time() - t:.0f} s")


def thumbnails(points, pictures, side=512, thumb=16):
    """Each picture shrunk to `thumb` px and pasted at its point (in [0, 1]^2) on a white canvas."""
    canvas = np.ones((side, side, 3), np.float32)
    for (r, c), pic in zip(points, pictures):
        r0, c0 = int(r * (side - thumb)), int(c * (side - thumb))
        canvas[r0:r0 + thumb, c0:c0 + thumb] = skimage.transform.resize(pic, (thumb, thumb),
                                                                        anti_aliasing=True)
    return canvas


show_figure(thumbnails(xy, patches))

# %% [markdown]
# ## The grid, and the real patches in each cell
#
# The layout is cut into `GRID` x `GRID` cells. Every cell holding more than `THRESHOLD` patches
# keeps the mean of their vectors (the direction rendered below); emptier cells stay white. To
# see what the network is summarising there, the left picture shows, for each cell, the real
# patch whose vector points most nearly along that mean (highest cosine similarity).

# %%
directions, cells, counts = main.bin_laid_out_activations(xy, acts, GRID, threshold=THRESHOLD)
print(f"{len(directions)} of {GRID * GRID} cells hold more than {THRESHOLD} patches "
      f"(from {min(counts)} to {max(counts)})")
unit = acts / (np.linalg.norm(acts, axis=1, keepdims=True) + 1e-9)
typical = [int(np.argmax(unit @ (d / (np.linalg.norm(d) + 1e-9)))) for d in directions]
patch_grid = main.make_canvas(
    [skimage.transform.resize(patches[i], (ICON, ICON), anti_aliasing=True) for i in typical],
    cells, GRID)
print("typical patch per cell comes from:", ", ".join(origin[i] for i in typical[:8]), "...")

# %% [markdown]
# ## Render one icon per cell
#
# `render_icons` optimises one image per cell, all in one batch: the objective is Lucid's
# `direction_neuron_cossim_S`, the whitened direction at the centre position of `conv4_1`, times
# the cosine similarity squared (so the icon must point along the direction, not just be large),
# with a decorrelated FFT parameterisation and Lucid's atlas transforms (padding, jitter,
# scaling, rotation). `make_canvas` puts each icon into its cell.

# %%
t = time.time()
icons, values = render.render_icons(directions, model, LAYER, size=ICON, n_steps=STEPS, S=S,
                                    num_attempts=1, seed=SEED)
print(f"{len(icons)} icons of {ICON} px, {STEPS} steps, in {time.time() - t:.0f} s; "
      f"objective per icon from {min(values):.2f} to {max(values):.2f}")
atlas_canvas = main.make_canvas(icons, cells, GRID)
show_figure([atlas_canvas], labels=[f"activation atlas of {LAYER.split('/')[0]}"])
show_figure([patch_grid], labels=["the typical real patch of each cell"])

# %% [markdown]
# ## Reading the atlas
#
# Neighbouring cells hold similar activation vectors, so the atlas changes gradually: read
# regions rather than single icons, and compare each icon with the real patch in the same cell
# of the second picture. The regions are clearest in the patches:
#
# - **Top left: printed text and brickwork**, rows of letters and courses of bricks (repeated
#   strokes); their icons are grids and stripes of small repeated marks.
# - **Top right: granular textures**: coins, gravel and grass in one row; the icons are dense,
#   evenly scattered grains and blobs.
# - **Middle: the astronaut's face and orange suit, the coffee cup and the retina's red disc**:
#   skin, fabric folds and round, glazed surfaces; icons with curved, layered bands.
# - **Right: the cat's fur and eye, and the stained tissue slide** side by side: to `conv4_1`
#   both fur and tissue are fields of fine, flowing strands, and the icons there mix strands
#   with eye-like spots.
# - **Bottom: grey, mostly flat patches with a round bright spot or a soft edge**, and the
#   rocket's launch tower against the sky; the icons are rings and dots on calmer backgrounds.
# - **The island on the left: the Hubble deep field.** Stars on black are unlike everything
#   else, so UMAP places them apart, and one cell collects them.
#
# What a user should conclude: `conv4_1` of VGG16 does not yet encode whole objects; it encodes
# textures and parts (grains, strands, strokes, spots), and it groups patches by those more than
# by the photo they came from (fur and tissue share a region; the astronaut's face and her suit
# do not). The icons are busier, and match their cells more loosely, than those of the Distill
# article, which used 100,000 ImageNet vectors, larger icons and more steps; with 480 vectors
# from 20 photos the regions are the point, not the single icon.

# %% [markdown]
# ## In one call
#
# `activation_atlas` runs all of the above (collect, layout, bin, whiten, render, assemble) and
# returns the canvas; its `images` argument takes a folder of image files, an array or any
# iterable of photos, and `collect_options` go to `collect_activations`, Ray included:
#
# ```python
# canvas = atlas.activation_atlas(model, LAYER, grid_size=GRID, icon_size=ICON, images=images,
#                                 collect_options=dict(options, ray_address="auto"),
#                                 n_steps=STEPS, threshold=THRESHOLD, whiten=True)
# ```
#
# Asking for a grid with more cells than patches (say `grid_size=10` over 40 patches) is refused
# with a `ValueError` before any patch is collected.

# %%
nbsetup.print_run_time()
