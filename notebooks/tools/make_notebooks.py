"""Write every notebook in notebooks/ from the cell lists below (run from anywhere):

    python notebooks/tools/make_notebooks.py [NAME ...] [--clear]

Outputs of code cells whose source did not change are kept (so pictures rendered at full
settings survive a prose edit); `--clear` writes every notebook without outputs.

One file keeps the eight notebooks consistent: the same settings cell (QUICK / SIZE / STEPS /
OUT), the same imports and model loading, the same closing timing cell. Notebooks are written
without outputs; run them (e.g. with nbclient) to fill the pictures in.

Each notebook follows the structure of the Lucid notebook it ports (tensorflow/lucid,
notebooks/...), on VGG16_caffe instead of InceptionV1.
"""
import os
import sys

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from render_layer_grids import LAYER_SIZES, LAYER_STEPS  # sibling script: the grids' full settings

HERE = os.path.dirname(os.path.abspath(__file__))
NOTEBOOKS = os.path.dirname(HERE)

#: Wall time of each notebook at full settings on 2 CPU cores, measured on the Intel Xeon of
#: BENCHMARKS.md (AVX-512, oneDNN on); layer_grids partly on an AMD EPYC (AVX2).
INTEL = "TF 2.21 on an Intel Xeon with AVX-512"
FULL_TIMES = {
    "tutorial": f"about 32 min (1947 s, conv layers only, {INTEL}; the machine was shared "
                "with other jobs, load average 5-11, so this is pessimistic)",
    "layer_grids": "about 12.9 h of rendering (774 min in 312 batches of 8 units, spread over "
                   "several sessions by `render_layer_grids.py`: conv1_1 to conv4_1 unit 343 "
                   f"214.6 min, {INTEL}; the rest 559.7 min, TF 2.21 on an AMD EPYC with AVX2 "
                   "only, oneDNN on; per layer in docs/layer_grids/README.md); loading the "
                   "committed units with LUCID_VGG_OUT=docs took 15 s",
    "negative_neurons": f"about 26 min (1560 s, {INTEL}; the machine was shared with a CI run "
                        "and another render job for most of the run, load average 4-5, so "
                        "this is pessimistic)",
    "neuron_diversity": f"about 19 min (1152 s, {INTEL}; a CI run shared the machine for the "
                        "first 6 min, load average 2-3)",
    "neuron_interaction": f"about 17 min (1035 s, {INTEL}; short test runs shared the machine "
                          "for a few minutes, load average up to 3)",
    "activation_grid": f"about 24 min (1410 s, {INTEL}; no other job on the machine: the "
                       "simple conv5_1 grid 751 s, the three shared-parameter grids 188-239 s "
                       "each)",
    "neuron_groups": f"about 5 min (289 s, {INTEL}; load average 0.2-2.4, the machine was "
                     "nearly idle)",
    "modelzoo": f"under 1 min (44 s, {INTEL}; the machine was shared with a CI run and "
                "another render job, load average 2.5-3.6)",
}

LUCID = "https://github.com/tensorflow/lucid/blob/master/notebooks/"

CREDITS = (
    "*Ported from [Lucid]({url}) (Apache-2.0) to TensorFlow 2 and VGG16. "
    "VGG16 weights: Simonyan & Zisserman, *Very Deep Convolutional Networks for Large-Scale "
    "Image Recognition* (2014), CC BY 4.0.*")

QUICK_NOTE = (
    "**Quick mode.** With the environment variable `LUCID_VGG_QUICK=1` (what the test run sets) "
    "every setting below shrinks (tiny images, a handful of steps, fewer units) so the whole "
    "notebook runs in well under a minute. The pictures are then only a smoke test: run without "
    "it to see real visualisations. Files go under `$LUCID_VGG_OUT` "
    "(default `~/lucid_vgg_outputs`).")


def md(text):
    return ("md", text.strip("\n"))


def code(text):
    return ("code", text.strip("\n"))


def settings(name, quick_full_lines, full_desc):
    """The settings cell every notebook starts with."""
    lines = [
        "# Settings. LUCID_VGG_QUICK=1 (the test run) shrinks everything to a smoke test.",
        "import os",
        "import time",
        "",
        "T0 = time.time()",
        'QUICK = os.environ.get("LUCID_VGG_QUICK") == "1"',
        f'OUT = os.path.join(os.environ.get("LUCID_VGG_OUT", os.path.expanduser("~/lucid_vgg_outputs")), "{name}")',
        "os.makedirs(OUT, exist_ok=True)",
    ]
    lines += quick_full_lines
    lines += [f"# Full settings ({full_desc}) on 2 CPU cores: {FULL_TIMES[name]}."]
    return code("\n".join(lines))


IMPORTS = code('''
# Imports: lucid_vgg's first, so that on CPUs where TensorFlow leaves its faster oneDNN
# kernels off (no AVX-512) they are turned on before TensorFlow loads (see the README).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np

import modelzoo.vision_models as models
from lucid_vgg.misc.io import show
from lucid_vgg.optvis import objectives, param, render, transform
import tensorflow as tf

tf.get_logger().setLevel("ERROR")  # keep TF's Python warnings out of the pictures
''')

LOAD_MODEL = code('''
# Let's load VGG16 from the model zoo. The first call builds the frozen graph from the offline
# ImageNet weights and caches it; later calls read the cache.
model = models.VGG16_caffe()
print("fc6/fc7/prob in this graph:", model.has_dense_layers)
''')

PHOTO = code('''
# A real photo from scikit-image: Chelsea the cat, centre-cropped to a square.
import skimage.data
import skimage.transform

def square_photo(img, size):
    h, w = img.shape[:2]
    s = min(h, w)
    top, left = (h - s) // 2, (w - s) // 2
    crop = img[top:top + s, left:left + s]
    return skimage.transform.resize(crop, (size, size), anti_aliasing=True).astype(np.float32)

img = square_photo(skimage.data.chelsea(), PHOTO_SIZE)
show(img)
''')

DONE = code('''
print(f"notebook ran in {time.time() - T0:.0f} s (QUICK={QUICK})")
''')


def header(title, source, intro, name, quick_full_lines, full_desc, photo=False):
    cells = [
        md(f"# {title}\n\n{intro}\n\n{CREDITS.format(url=LUCID + source)}"),
        md(QUICK_NOTE),
        settings(name, quick_full_lines, full_desc),
        md("## Import, load the model"),
        IMPORTS,
        LOAD_MODEL,
    ]
    if photo:
        cells.append(PHOTO)
    return cells


# ------------------------------------------------------------------------------------------
# tutorial.ipynb  (Lucid: notebooks/tutorial.ipynb)
# ------------------------------------------------------------------------------------------
TUTORIAL = header(
    "lucid-vgg: A Quick Tutorial", "tutorial.ipynb",
    "This notebook is a quick introduction to **lucid-vgg**, a TensorFlow 2 port of "
    "[Lucid](https://github.com/tensorflow/lucid), Google's library for visualising what "
    "neural networks see. Lucid grew out of DeepDream, but its small building blocks "
    "(objectives, parameterisations, transformations) make it useful for a wide range of "
    "interpretability experiments. Here every example runs on **VGG16**, with the original "
    "ImageNet weights, on a CPU.\n\n"
    "The code is Lucid's own: only the import lines differ "
    "(`lucid.optvis` becomes `lucid_vgg.optvis`, `lucid.modelzoo` becomes `modelzoo`).",
    "tutorial",
    ["SIZE = 32 if QUICK else 128   # image size in pixels (Lucid's default: 128)",
     "STEPS = 8 if QUICK else 512   # optimisation steps (Lucid's default: 512)",
     "UNIT = 1                      # the unit shown for every layer",
     "EVERY_NTH_LAYER = 6 if QUICK else 1   # quick mode: conv1_1, conv3_1, conv5_3 only"],
    "128 px, 512 steps") + [
    md('''
## Visualize a Neuron

Visualising a neuron takes one line: `render_vis` optimises an image so that the named unit
fires as strongly as possible and shows the result. Unit names are `layer:channel`; VGG16's
layers are named as in the original Caffe model (`conv4_1/conv4_1` is the output of the first
convolution of block 4, after its ReLU).

`render_vis(model, "conv4_1/conv4_1:12")` is all Lucid needs (128 px, 512 steps by default);
we pass the image size and the number of steps explicitly so the notebook can run in quick
mode. It prints the objective value at the end and shows the image.
'''),
    code('''
# Visualizing a neuron is easy!
_ = render.render_vis(model, "conv4_1/conv4_1:12",
                      param_f=lambda: param.image(SIZE), thresholds=(STEPS,),
                      use_fixed_seed=True)
'''),
    md('''
## Getting Help

Every function carries its documentation, as in Lucid: `help(objectives.channel)`,
`help(param.image)`, `help(render.render_vis)`. The layers the model knows about, with their
number of channels, are in `model.layers`:
'''),
    code('''
for layer in model.layers:
    print(f"{layer.name:18s} depth {layer.depth:5d}  {sorted(layer.tags)}")
'''),
    md('''
## Combining Objectives

Objectives are small Python objects that can be added, subtracted and scaled. Here we ask for
an image that excites two units of `conv4_1` at once: the result usually mixes the two
patterns.
'''),
    code('''
channel = lambda n: objectives.channel("conv4_1/conv4_1", n)
obj = channel(12) + channel(40)
_ = render.render_vis(model, obj, param_f=lambda: param.image(SIZE), thresholds=(STEPS,),
                      use_fixed_seed=True)
'''),
    md('''
## Transformation Robustness

Optimising the pixels directly tends to find high-frequency patterns that excite the unit but
look like noise to us. Asking the image to keep working when it is jittered, scaled and rotated
slightly at every step ("transformation robustness") removes much of that noise. (`render_vis`
applies Lucid's `transform.standard_transforms` when `transforms` is not given, as above.)

On InceptionV1 the difference is dramatic; on this VGG16 unit it is milder: the same diagonal
bands come out in every case, with more pixel-level speckle the fewer transformations are used.
Compare the three images below. First, no transformations at all:
'''),
    code('''
_ = render.render_vis(model, "conv4_1/conv4_1:12", param_f=lambda: param.image(SIZE),
                      transforms=[], thresholds=(STEPS,), use_fixed_seed=True)
'''),
    md("Only jitter (random shifts of up to 8 pixels):"),
    code('''
transforms = [transform.jitter(8)]
_ = render.render_vis(model, "conv4_1/conv4_1:12", param_f=lambda: param.image(SIZE),
                      transforms=transforms, thresholds=(STEPS,), use_fixed_seed=True)
'''),
    md("A stronger set: padding, jitter, random scaling and rotation (Lucid's tutorial list):"),
    code('''
transforms = [
    transform.pad(16),
    transform.jitter(8),
    transform.random_scale([n / 100. for n in range(80, 120)]),
    transform.random_rotate(list(range(-10, 10)) + list(range(-5, 5)) + 10 * list(range(-2, 2))),
    transform.jitter(2),
]
_ = render.render_vis(model, "conv4_1/conv4_1:12", param_f=lambda: param.image(SIZE),
                      transforms=transforms, thresholds=(STEPS,), use_fixed_seed=True)
'''),
    md('''
## Experimenting with Parameterization

How the image is described to the optimiser matters as much as the objective. By default
`param.image` stores the image in a decorrelated colour space and in the Fourier basis, where
the gradient steps are much better conditioned. Turning both off gives plain pixels; with the
default transformations on, the unit's pattern still comes through here, but with harsher
colours and more high-frequency detail:
'''),
    code('''
param_f = lambda: param.image(SIZE, fft=False, decorrelate=False)
_ = render.render_vis(model, "conv4_1/conv4_1:12", param_f, thresholds=(STEPS,),
                      use_fixed_seed=True)
'''),
    md('''
A CPPN (a small network mapping pixel coordinates to colours) is another parameterisation;
it favours smooth, flowing shapes. Lucid optimises it with a smaller Adam learning rate:
'''),
    code('''
param_f = lambda: param.cppn(SIZE)
optimizer = tf.keras.optimizers.Adam(0.005)
_ = render.render_vis(model, "conv4_1/conv4_1:12", param_f, optimizer=optimizer,
                      thresholds=(STEPS,), use_fixed_seed=True)
'''),
    md('''
## Every Layer of VGG16

Finally, one unit (`UNIT`) of every convolutional layer, from `conv1_1` to `conv5_3`. Early
layers respond to colours and simple edges; the patterns grow larger and more complex with
depth (textures in block 3, patterns and object parts in blocks 4 and 5).
'''),
    code('''
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
show(np.stack(layer_images), labels=[f"{n.split('/')[0]}:{UNIT}" for n in conv_layers])
'''),
    md('''
### The fully connected layers: fc6, fc7 and prob

Lucid's VGG16 also has the dense layers `fc6`, `fc7` and the class probabilities `prob`. They
exist only when the graph was built from full ImageNet weights (Lucid's original `VGG16.pb`, or
Keras' `vgg16_weights_tf_dim_ordering_tf_kernels.h5` converted with `lucid-vgg convert-h5`).
The offline weights this project ships with hold the convolutional layers only, so the cell
below skips them, with the reason, when they are missing.
'''),
    code('''
dense_layers = ["fc6/fc6", "fc7/fc7", "prob"]
if model.has_dense_layers:
    dense_images = []
    for name in dense_layers:
        imgs = render.render_vis(model, objectives.channel(name, UNIT),
                                 param_f=lambda: param.image(SIZE), thresholds=(STEPS,),
                                 verbose=False, use_fixed_seed=True)
        dense_images.append(imgs[-1][0])
    show(np.stack(dense_images), labels=[f"{n}:{UNIT}" for n in dense_layers])
else:
    print("Skipping fc6, fc7 and prob: this VGG16_caffe graph has the convolutional layers only.")
    try:
        model.get_activations(np.zeros([1, 32, 32, 3], np.float32), "fc6/fc6")
    except KeyError as e:
        print(e.args[0])
'''),
    DONE,
]

# ------------------------------------------------------------------------------------------
# layer_grids.ipynb  (every unit of a layer, as in Lucid's channel overviews)
# ------------------------------------------------------------------------------------------
LAYER_GRIDS = header(
    "Every Unit of a Layer", "tutorial.ipynb",
    "Lucid's tutorial visualises one unit at a time. To get a feel for a whole layer it helps "
    "to look at *all* of its units side by side, as the overview figures of "
    "[Feature Visualization](https://distill.pub/2017/feature-visualization/) and the "
    "[Building Blocks](https://distill.pub/2018/building-blocks/) appendix do. This notebook "
    "renders every channel of `conv1_1`, `conv2_1`, `conv3_1`, `conv4_1`, `conv5_1`, "
    "`conv5_2` and `conv5_3` of VGG16.\n\n"
    "Units are rendered in batches (one unit per batch element, the way Lucid's notebooks "
    "batch channels) with `lucid_vgg.recipes.render_layer`. Each finished unit is saved as a "
    "PNG under `OUT`, and units already on disk are loaded instead of rendered, so a long run "
    "that is interrupted resumes where it stopped.\n\n"
    "At full settings `conv1_1` to `conv3_1` are rendered at 128 px and `conv4_1`/`conv5_x` "
    "at 64 px: at 128 px each of those layers alone takes 4-7 hours on 2 CPU cores. The "
    "`conv5_x` layers take 256 steps instead of 512: the pictures are the same with a little "
    "less contrast (`benchmarks/layer_grid_settings.py` compares them on `conv5_1`), and it "
    "halves the longest part of the run. The "
    "pictures committed with this notebook are rendered with "
    "`notebooks/tools/render_layer_grids.py` (the same calls, stopped and resumed across "
    "several sessions; per-batch times in "
    "`docs/layer_grids/timings.jsonl`), then the notebook is run with "
    "`LUCID_VGG_OUT=docs` and loads the units from `docs/layer_grids/`.",
    "layer_grids",
    ["SIZE = 32 if QUICK else 128       # image size in pixels, conv1_1 to conv3_1",
     "SMALL_SIZE = 32 if QUICK else 64  # conv4_1 and conv5_x: a quarter of the work",
     "STEPS = 8 if QUICK else 512       # optimisation steps per batch, conv1_1 to conv4_1",
     "CONV5_STEPS = 8 if QUICK else 256 # conv5_x: nearly the 512-step pictures, half the time",
     "N_UNITS = 4 if QUICK else None    # None: every unit of the layer",
     "BATCH = 4 if QUICK else 8         # units rendered together",
     "THUMB = 64                        # display size of each unit in the overview grids"],
    "128 px for conv1_1-conv3_1 and 64 px for conv4_1/conv5_x, 512 steps (256 for conv5_x), "
    "all 2496 units")
LAYER_GRIDS += [
    code('''
from lucid_vgg import recipes
from lucid_vgg.misc.io import image_grid, showing
import skimage.transform

LAYERS = ["conv1_1/conv1_1", "conv2_1/conv2_1", "conv3_1/conv3_1", "conv4_1/conv4_1",
          "conv5_1/conv5_1", "conv5_2/conv5_2", "conv5_3/conv5_3"]

def overview(images, units, thumb=THUMB):
    """A labelled grid; units are shrunk to `thumb` px (to keep the notebook small)."""
    if images.shape[1] > thumb:
        images = np.stack([skimage.transform.resize(im, (thumb, thumb), anti_aliasing=True)
                           for im in images]).astype(np.float32)
    cols = int(np.ceil(np.sqrt(len(units))))
    return image_grid(list(images), n_cols=cols, labels=[str(u) for u in units])

def show_layer(layer, size, steps):
    depth = model.get_layer(layer).depth
    units = list(range(depth if N_UNITS is None else N_UNITS))
    t = time.time()
    images, info = recipes.render_layer(model, layer, out_dir=OUT, units=units, size=size,
                                        steps=steps, batch_size=BATCH, seed=0,
                                        return_info=True)
    print(f"{layer}: {len(info.rendered)} units rendered, {len(info.loaded)} loaded from "
          f"{OUT}, {time.time() - t:.0f} s; full-size grid: {info.grid_path}")
    # shown as JPEG, a third of a PNG's size (a 512-unit grid would add ~8 MB to the notebook);
    # the lossless per-unit PNGs and the full-size grid are in OUT
    showing.image(overview(images, units), format="jpeg")
'''),
]
_GRID_PROSE = {
    "conv1_1/conv1_1": "The first layer sees 3x3 pixels: its units are colours and "
                       "oriented edges, repeated over the whole image.",
    "conv2_1/conv2_1": "After one pooling step: colour contrasts, simple textures and "
                       "finer edges.",
    "conv3_1/conv3_1": "Block 3: textures proper (grids, dots, stripes, fur-like patterns).",
    "conv4_1/conv4_1": "Block 4: more complex patterns, the first hints of object parts.",
    "conv5_1/conv5_1": "Block 5: the last convolutional block; units respond to object "
                       "parts and whole objects (eyes, faces, wheels, text...).",
    "conv5_2/conv5_2": "More heads than in conv5_1: dogs, foxes, monkeys, birds, next to "
                       "eyes, fur, spots and round objects.",
    "conv5_3/conv5_3": "The last convolutional layer, just below the classifier: whole "
                       "animals and objects (dogs, cats, birds, wheels, lenses) are common.",
}
assert list(_GRID_PROSE) == list(LAYER_SIZES)
assert set(LAYER_SIZES.values()) == {128, 64}  # the SIZE and SMALL_SIZE of the settings cell
assert set(LAYER_STEPS.values()) == {512, 256}  # the STEPS and CONV5_STEPS of the settings cell
for _layer, _prose in _GRID_PROSE.items():
    LAYER_GRIDS.append(md(f"## {_layer.split('/')[0]}\n\n{_prose}"))
    _size = "SIZE" if LAYER_SIZES[_layer] == 128 else "SMALL_SIZE"
    _steps = "STEPS" if LAYER_STEPS[_layer] == 512 else "CONV5_STEPS"
    LAYER_GRIDS.append(code(f'show_layer("{_layer}", {_size}, {_steps})'))
LAYER_GRIDS.append(DONE)

# ------------------------------------------------------------------------------------------
# negative_neurons.ipynb  (Lucid: feature-visualization/negative_neurons.ipynb)
# ------------------------------------------------------------------------------------------
NEGATIVE = header(
    "Negative Neurons - Feature Visualization", "feature-visualization/negative_neurons.ipynb",
    "This notebook reproduces the *negative* visualisations of "
    "[Feature Visualization](https://distill.pub/2017/feature-visualization/) on VGG16: next "
    "to the image that excites a unit most, the image that excites it *least*. The two are "
    "often recognisably opposite (e.g. a colour and its complement, or a texture and a smooth "
    "region).\n\n"
    "You may want to read the [tutorial](tutorial.ipynb) first; this notebook does not "
    "introduce the abstractions.",
    "negative_neurons",
    ["SIZE = 32 if QUICK else 128                   # image size in pixels",
     "STEPS = 8 if QUICK else 512                   # optimisation steps",
     "UNITS = [1, 2] if QUICK else [1, 2, 3, 4]     # units shown for each layer"],
    "128 px, 512 steps, 4 units x 4 layers")
NEGATIVE += [
    md('''
## Negative and positive, side by side

Lucid renders a batch of two images and gives each its own objective: batch element 1
maximises the unit, batch element 0 *minimises* it:

```python
obj = objectives.channel(layer, n, batch=1) - objectives.channel(layer, n, batch=0)
```

Lucid uses the *pre-ReLU* layers for this (`mixed4a_pre_relu`): after a ReLU a unit can only
be pushed down to zero, and every image that silences it is equally good. VGG16's pre-ReLU
tensors are the convolutions' `BiasAdd` outputs, so `conv4_1/BiasAdd` plays the role of
`mixed4a_pre_relu` here.
'''),
    code('''
param_f = lambda: param.image(SIZE, batch=2)

def neg_pos(layer, n):
    obj = objectives.channel(layer, n, batch=1) - objectives.channel(layer, n, batch=0)
    imgs = render.render_vis(model, obj, param_f, thresholds=(STEPS,), verbose=False,
                             use_fixed_seed=True)[-1]
    return imgs  # [negative, positive]

def show_layer(block):
    layer = f"{block}/BiasAdd"  # pre-ReLU
    t = time.time()
    pairs = [neg_pos(layer, n) for n in UNITS]
    print(f"{layer}: {time.time() - t:.0f} s")
    images = np.concatenate(pairs)
    labels = [f"{block}:{n} {side}" for n in UNITS for side in ("negative", "positive")]
    show(images, labels=labels)
'''),
    md("## conv2_2\n\nEarly units: the negative is mostly the complementary colour or edge."),
    code('show_layer("conv2_2")'),
    md("## conv3_1"),
    code('show_layer("conv3_1")'),
    md("## conv4_1"),
    code('show_layer("conv4_1")'),
    md("## conv4_2"),
    code('show_layer("conv4_2")'),
    md('''
## After the ReLU

The same objective on the post-ReLU layer (`conv4_1/conv4_1`), through the
`lucid_vgg.recipes.negative_positive` recipe. The positive image is unchanged in spirit, but the
negative side has nothing to aim for once the unit reaches zero, so it stays close to the
random start (Lucid's redirected ReLU gradient lets it move at first, then it stops).
'''),
    code('''
from lucid_vgg import recipes

neg, pos = recipes.negative_positive(model, "conv4_1/conv4_1", UNITS[0], size=SIZE,
                                     steps=STEPS, seed=0, out_dir=OUT)
show(np.stack([neg, pos]), labels=[f"conv4_1:{UNITS[0]} post-ReLU negative",
                                   f"conv4_1:{UNITS[0]} post-ReLU positive"])
'''),
    DONE,
]

# ------------------------------------------------------------------------------------------
# neuron_diversity.ipynb  (Lucid: feature-visualization/neuron_diversity.ipynb)
# ------------------------------------------------------------------------------------------
DIVERSITY = header(
    "Diversity - Feature Visualization", "feature-visualization/neuron_diversity.ipynb",
    "A single image that maximally excites a unit can hide the fact that the unit responds "
    "to several different things. This notebook reproduces the *diversity* visualisations of "
    "[Feature Visualization](https://distill.pub/2017/feature-visualization/) on VGG16: "
    "several images for the same unit, pushed to differ from each other.\n\n"
    "You may want to read the [tutorial](tutorial.ipynb) first; this notebook does not "
    "introduce the abstractions.",
    "neuron_diversity",
    ["SIZE = 32 if QUICK else 128   # image size in pixels",
     "STEPS = 8 if QUICK else 512   # optimisation steps",
     "BATCH = 4                     # images per unit (Lucid: 4)"],
    "128 px, 512 steps, 6 units x 4 images")
DIVERSITY += [
    md('''
## Diversity objective

As in Lucid, we render a batch of images that all maximise the same channel, minus a penalty
on how similar their *styles* are at that layer (the cosine similarity of the batch elements'
Gram matrices, `objectives.diversity`):

```python
obj = objectives.channel(layer, n) - 1e3 * objectives.diversity(layer)
```

The similarity term lies between 0 and `batch - 1` whatever the layer, while channel
activations grow large, so it has to be scaled up to matter. Lucid used 1e2 on InceptionV1;
VGG16's conv activations are about ten times larger (thousands at conv5), and 1e2 leaves
near-copies there, so we use 1e3. `lucid_vgg.recipes.diverse_images` wraps exactly this.
'''),
    code('''
def diversity(layer, n):
    obj = objectives.channel(layer, n) - 1e3 * objectives.diversity(layer)
    t = time.time()
    imgs = render.render_vis(model, obj, lambda: param.image(SIZE, batch=BATCH),
                             thresholds=(STEPS,), verbose=False, use_fixed_seed=True)[-1]
    print(f"{layer}:{n} rendered in {time.time() - t:.0f} s")
    show(imgs, labels=[f"{layer.split('/')[0]}:{n} #{i}" for i in range(len(imgs))])
    return imgs
'''),
    md("## conv1_1, unit 1\n\nAt the first layer there is little room for variety: the "
       "images differ mostly in phase and in the exact colour."),
    code('_ = diversity("conv1_1/conv1_1", 1)'),
    md("## conv2_1, unit 1"),
    code('_ = diversity("conv2_1/conv2_1", 1)'),
    md("## conv3_1, unit 1"),
    code('_ = diversity("conv3_1/conv3_1", 1)'),
    md("## conv4_1, unit 1"),
    code('_ = diversity("conv4_1/conv4_1", 1)'),
    md("## conv5_1, unit 1\n\nDeeper units have more room for genuinely different "
       "solutions: different textures, scales or object parts."),
    code('_ = diversity("conv5_1/conv5_1", 1)'),
    md("## conv5_1, unit 4"),
    code('_ = diversity("conv5_1/conv5_1", 4)'),
    md('''
## Without the diversity term

For comparison, the same batch without the penalty: the images are independent restarts of
the same optimisation and usually end up much more alike.
'''),
    code('''
imgs = render.render_vis(model, objectives.channel("conv5_1/conv5_1", 4),
                         lambda: param.image(SIZE, batch=BATCH), thresholds=(STEPS,),
                         verbose=False, use_fixed_seed=True)[-1]
show(imgs, labels=[f"conv5_1:4 plain #{i}" for i in range(len(imgs))])
'''),
    DONE,
]

# ------------------------------------------------------------------------------------------
# neuron_interaction.ipynb  (Lucid: feature-visualization/neuron_interaction.ipynb)
# ------------------------------------------------------------------------------------------
INTERACTION = header(
    "Interaction Between Neurons - Feature Visualization",
    "feature-visualization/neuron_interaction.ipynb",
    "Units do not work alone: the network represents things with combinations of them. This "
    "notebook reproduces the *interaction* experiments of "
    "[Feature Visualization](https://distill.pub/2017/feature-visualization/) on VGG16: adding "
    "two units' objectives, random directions in activation space, and interpolating from one "
    "unit to another.\n\n"
    "You may want to read the [tutorial](tutorial.ipynb) first; this notebook does not "
    "introduce the abstractions.",
    "neuron_interaction",
    ["SIZE = 32 if QUICK else 128   # image size in pixels",
     "STEPS = 8 if QUICK else 512   # optimisation steps",
     "FRAMES = 4 if QUICK else 6    # interpolation frames (Lucid: 6)"],
    "128 px, 512 steps")
INTERACTION += [
    md('''
## Combining Objectives

The two units we connect: units 303 and 5 of `conv5_1`. We render each alone and then their
sum, in one batch of three (each batch element has its own objective).
'''),
    code('''
neuron1 = ("conv5_1/conv5_1", 303)
neuron2 = ("conv5_1/conv5_1", 5)
C = lambda neuron, batch=None: objectives.channel(*neuron, batch=batch)

obj = C(neuron1, batch=0) + C(neuron2, batch=1) + C(neuron1, batch=2) + C(neuron2, batch=2)
imgs = render.render_vis(model, obj, lambda: param.image(SIZE, batch=3), thresholds=(STEPS,),
                         verbose=False, use_fixed_seed=True)[-1]
show(imgs, labels=["conv5_1:303", "conv5_1:5", "conv5_1:303 + conv5_1:5"])
'''),
    md('''
## Random Directions

A *direction* in activation space is a weighted combination of all the units of a layer.
Random directions tend to look as meaningful as single units, which is one reason to doubt
that individual units are special.
'''),
    code('''
rng = np.random.RandomState(0)
depth = model.get_layer("conv5_1/conv5_1").depth
directions = [rng.randn(depth).astype(np.float32) for _ in range(4)]
obj = objectives.Objective.sum([objectives.direction("conv5_1/conv5_1", d, batch=i)
                                for i, d in enumerate(directions)])
imgs = render.render_vis(model, obj, lambda: param.image(SIZE, batch=4), thresholds=(STEPS,),
                         verbose=False, use_fixed_seed=True)[-1]
show(imgs, labels=[f"random direction {i}" for i in range(4)])
'''),
    md('''
## Interpolating Between Neurons

`objectives.channel_interpolate(layer1, unit1, layer2, unit2)` gives frame *i* of a batch the
objective `(1 - t) * unit1 + t * unit2` with `t` going from 0 to 1 across the batch. Each frame
is optimised independently, so neighbouring frames can look unrelated:
'''),
    code('''
from lucid_vgg import recipes

t = time.time()
plain = recipes.interpolate(model, neuron1, neuron2, frames=FRAMES, aligned=False, size=SIZE,
                            steps=STEPS, seed=0, out_dir=OUT)
print(f"{time.time() - t:.0f} s; mean change between frames: "
      f"{recipes.frame_difference(plain):.3f}")
show(plain, labels=[f"frame {i}" for i in range(len(plain))])
'''),
    md('''
## Aligned Interpolation

Lucid's *aligned* interpolation (from
[Differentiable Image Parameterizations](https://distill.pub/2018/differentiable-parameterizations/))
makes the frames share part of their parameterisation (low-resolution tensors common to all
frames or interpolated between them) and adds a small `objectives.alignment` penalty on the
difference between neighbouring frames' activations at lower layers. The frames then morph
smoothly from one unit into the other.

Lucid weighs that penalty by `1e-1` on InceptionV1. It is a mean of *squared* activations, and
VGG16's activations are about ten times larger, so on VGG16 `1e-1` freezes every frame into the
same picture; the recipe's default `recipes.ALIGNMENT_WEIGHT` is `1e-3`, the largest weight at
which the first and last frames still show their own unit (measured with
`benchmarks/interpolation_alignment.py`, numbers in `docs/quality/`).
'''),
    code('''
t = time.time()
aligned = recipes.interpolate(model, neuron1, neuron2, frames=FRAMES, aligned=True, size=SIZE,
                              steps=STEPS, seed=0, out_dir=OUT)
print(f"{time.time() - t:.0f} s; mean change between frames: "
      f"{recipes.frame_difference(aligned):.3f}")
show(aligned, labels=[f"frame {i}" for i in range(len(aligned))])
'''),
    DONE,
]

# ------------------------------------------------------------------------------------------
# activation_grid.ipynb  (Lucid: building-blocks/ActivationGrid, recipes/activation_grid.py)
# ------------------------------------------------------------------------------------------
ACT_GRID = header(
    "Activation Grid - Building Blocks of Interpretability",
    "building-blocks/jupyter_versions/ActivationGridJupyter.ipynb",
    "This notebook reproduces the *activation grid* of "
    "[The Building Blocks of Interpretability](https://distill.pub/2018/building-blocks/) on "
    "VGG16: run a photo through the network, take the activation vector at every position of a "
    "layer, and render an image for each one. The grid shows *what the network sees* at each "
    "place in the photo, in the network's own visual vocabulary.",
    "activation_grid",
    ["PHOTO_SIZE = 64 if QUICK else 224   # photo fed to VGG16 (224: its training size)",
     "CELL = 16 if QUICK else 42          # rendered size of each cell (Lucid: 42)",
     "STEPS = 8 if QUICK else 256         # optimisation steps (Lucid: 256)",
     "N_GROUPS = 4 if QUICK else 6        # NMF groups shared between cells (Lucid: 6)",
     "BATCH = 16 if QUICK else 64         # cells optimised per step (Lucid: 64)"],
    "224 px photo, 42 px cells, 256 steps", photo=True)
ACT_GRID += [
    md('''
## What the network sees

At `conv4_1` a 224 px photo gives a 28 x 28 grid of activation vectors (512 numbers each); at
`conv5_1` and `conv5_2`, 14 x 14. Each cell's image maximises the dot product with that cell's
activation vector (`objectives.direction`).

### The naive version

Lucid's `render_activation_grid_very_naive`: every cell is an independent image. It works, but
neighbouring cells that see the same thing end up with unrelated-looking images.
'''),
    code('''
from lucid_vgg import recipes

t = time.time()
cells = recipes.activation_grid_simple(model, img, "conv5_1/conv5_1", cell_size=CELL,
                                       n_steps=STEPS, seed=0, out_dir=OUT)
print(f"conv5_1, {cells.shape[0]} x {cells.shape[1]} cells: {time.time() - t:.0f} s")
show(recipes.assemble(cells))
'''),
    md('''
### The less naive version

Lucid's `render_activation_grid_less_naive`: the cells' activation vectors are factorised
with NMF into a few groups, and every cell's image is the sum of its own image and of the
group images weighted by its NMF coefficients, so cells that see similar things share
structure. Each step optimises a random batch of cells, which keeps the cost per step
fixed whatever the grid size.
'''),
    code('''
def grid(layer):
    t = time.time()
    cells = recipes.activation_grid(model, img, layer, n_groups=N_GROUPS, cell_size=CELL,
                                    n_steps=STEPS, batch_size=BATCH, seed=0, out_dir=OUT)
    print(f"{layer}, {cells.shape[0]} x {cells.shape[1]} cells: {time.time() - t:.0f} s")
    show([img, recipes.assemble(cells)], labels=["photo", layer])
'''),
    md("## conv4_1\n\nThe finest grid: one fur-like texture almost everywhere, and a "
       "different, round eye-like texture where the cat's eyes and nose are."),
    code('grid("conv4_1/conv4_1")'),
    md("## conv5_1\n\nCoarser and more semantic: eyes appear where the cat's eyes are, a "
       "snout around its nose, whiskers below and fur elsewhere."),
    code('grid("conv5_1/conv5_1")'),
    md("## conv5_2"),
    code('grid("conv5_2/conv5_2")'),
    DONE,
]

# ------------------------------------------------------------------------------------------
# neuron_groups.ipynb  (Lucid: building-blocks/NeuronGroups.ipynb)
# ------------------------------------------------------------------------------------------
GROUPS = header(
    "Neuron Groups - Building Blocks of Interpretability",
    "building-blocks/NeuronGroups.ipynb",
    "This notebook reproduces the *neuron groups* of "
    "[The Building Blocks of Interpretability](https://distill.pub/2018/building-blocks/) on "
    "VGG16. Looking at hundreds of units one by one is too much; instead we factorise a "
    "photo's activations at a layer with non-negative matrix factorisation (NMF) into a few "
    "groups. Each group has a spatial map (where in the photo it fires) and a direction in "
    "activation space (which units it uses), which we visualise.",
    "neuron_groups",
    ["PHOTO_SIZE = 64 if QUICK else 224   # photo fed to VGG16",
     "SIZE = 32 if QUICK else 80          # size of each group's icon (Lucid: 80)",
     "STEPS = 8 if QUICK else 512         # optimisation steps",
     "N_GROUPS = 3 if QUICK else 6        # number of NMF groups (Lucid: 6)"],
    "224 px photo, 80 px icons, 512 steps", photo=True)
GROUPS += [
    md('''
## Factorise, then visualise

`ChannelReducer(n_groups, "NMF")` factorises the `[height, width, channels]` activations into
`n_groups` spatial maps times `n_groups` channel directions. As in Lucid, the groups are ordered
by where they peak (left to right) and each direction is rendered with
`sum(objectives.direction(layer, direction_i, batch=i))`. `lucid_vgg.recipes.neuron_groups`
does both steps; the maps are drawn in red over the photo.
'''),
    code('''
from lucid_vgg import recipes
from lucid_vgg.misc.channel_reducer import ChannelReducer

def groups(layer):
    t = time.time()
    g = recipes.neuron_groups(model, img, layer, n_groups=N_GROUPS, size=SIZE, steps=STEPS,
                              seed=0, out_dir=OUT)
    print(f"{layer}: {time.time() - t:.0f} s, NMF reconstruction error "
          f"{g.reconstruction_error:.2f}")
    labels = [f"group {i}" for i in range(g.n_groups)]
    show(g.images, labels=labels)
    show(g.overlays(img), labels=labels)
    return g
'''),
    md("## conv2_1\n\nEarly groups split the photo by colour and texture."),
    code('_ = groups("conv2_1/conv2_1")'),
    md("## conv4_1"),
    code('_ = groups("conv4_1/conv4_1")'),
    md("## conv5_1\n\nThe deepest layer here: groups tend to follow parts of the "
       "scene (the cat's eyes and face, its fur, the background)."),
    code('g = groups("conv5_1/conv5_1")'),
    md('''
## Doing it by hand

The recipe is a thin layer over Lucid's API. The factorisation itself is three lines:
'''),
    code('''
acts = model.get_activations(img[None], "conv5_1/conv5_1")[0]   # [h, w, 512]
nmf = ChannelReducer(N_GROUPS, "NMF", random_state=0, max_iter=1000)
spatial = nmf.fit_transform(acts)                               # [h, w, N_GROUPS]
print("activations", acts.shape, "-> spatial factors", spatial.shape,
      "and channel factors", nmf.components_.shape)
# Each map scaled to [0, 1] and blown up with nearest-neighbour pixels to the photo's size.
scale = PHOTO_SIZE // spatial.shape[0]
maps = [np.kron(spatial[..., i] / max(spatial[..., i].max(), 1e-9), np.ones((scale, scale)))
        for i in range(N_GROUPS)]
show(maps, labels=[f"map {i}" for i in range(N_GROUPS)])
'''),
    DONE,
]

# ------------------------------------------------------------------------------------------
# modelzoo.ipynb  (Lucid: notebooks/modelzoo.ipynb)
# ------------------------------------------------------------------------------------------
MODELZOO = [
    md(f'''
# Adding a Model to the Model Zoo

Lucid visualises any network it can load as a frozen TensorFlow graph plus a few facts about
its input (the *metadata*): the input tensor's name, the image shape, and the range of pixel
values the network was trained on. This notebook walks through the whole path for a model of
your own, in TensorFlow 2:

1. train a small Keras CNN (here on a synthetic dataset, in seconds),
2. freeze and save it with `Model.save`, which stores the metadata inside the graph,
3. load it back with `Model.load`, or write a model-zoo class for it (as `VGG16_caffe` is),
4. visualise its units with the usual `render_vis`.

In Lucid, `Model.save` froze the graph of a live TF1 `Session`. TF2 has no session, so here it
takes the Keras model (`model=keras_model`) and freezes it for you.

*Ported from [Lucid]({LUCID}modelzoo.ipynb) (Apache-2.0) to TensorFlow 2.*
'''),
    md(QUICK_NOTE),
    settings("modelzoo",
             ["TRAIN_STEPS = 200 if QUICK else 400   # training steps for the toy CNN",
              "SIZE = 32 if QUICK else 64            # visualisation size in pixels",
              "STEPS = 8 if QUICK else 256           # optimisation steps per render"],
             "400 training steps, 64 px, 256 steps"),
    md("## Imports"),
    code('''
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np

from modelzoo.vision_base import Model  # lucid_vgg's imports first, as in the other notebooks
from modelzoo import saving
from lucid_vgg.misc.io import show
from lucid_vgg.optvis import objectives, param, render
import keras
import tensorflow as tf

tf.get_logger().setLevel("ERROR")
'''),
    md('''
## 1. A tiny dataset and a tiny CNN

The dataset: 32 x 32 crops of three scikit-image textures (brick, grass, gravel), with random
flips and brightness. The network: three small conv layers, global average pooling and a
softmax over the three classes. A few hundred steps are enough for it to tell them apart.
'''),
    code('''
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
show(x_show, labels=[CLASSES[y] for y in y_show])
'''),
    code('''
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
'''),
    md('''
## 2. Save it: `Model.save`

`Model.save` freezes the Keras model (variables become constants), keeps only what the outputs
need, and stores the metadata in the graph. Keras layer names become op names: the ReLU output
of layer `conv1` is the op `conv1`.

**Check `image_value_range`.** It is the range of pixel values the network was trained on
(here `(0, 1)`; `(-1, 1)`, `(0, 255)` and Caffe's mean-subtracted BGR are common). Getting it
wrong is the most common reason for meaningless visualisations, and it cannot be guessed from
the graph. `Model.suggest_save_args` guesses the rest:
'''),
    code('''
graph_def = saving.freeze(keras_model)
suggested = Model.suggest_save_args(graph_def)
'''),
    code('''
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
'''),
    md('''
## 3. Load it back

`Model.load` reads the graph and its metadata and returns a model-zoo `Model`: the same kind
of object as `VGG16_caffe()`. Its activations match Keras' own:
'''),
    code('''
loaded = Model.load(save_path)
print(loaded.layers)
acts = loaded.get_activations(x_test[:8], "prob")
print("max difference to Keras:", float(np.abs(acts - keras_model.predict(x_test[:8], verbose=0)).max()))
'''),
    md('''
### A model-zoo entry

To make the model part of a zoo, write a class, as `modelzoo/caffe_models.py` does for
`VGG16_caffe`: where the frozen graph lives (a path or URL), the input's name, shape and value
range, and the layers worth visualising (name, depth, tags). Put it in a module under
`modelzoo/` and import it in `modelzoo/vision_models.py` to list it next to VGG16.
'''),
    code('''
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
'''),
    md('''
## 4. Visualise its units

Everything in the tutorial now works on the new model. Each unit of `conv3` (four in quick
mode), then the three class outputs: the textures the network has learnt to look for.
'''),
    code('''
units = list(range(4 if QUICK else 32))
obj = objectives.Objective.sum([objectives.channel("conv3", u, batch=i)
                                for i, u in enumerate(units)])
t = time.time()
imgs = render.render_vis(tiny, obj, lambda: param.image(SIZE, batch=len(units)),
                         thresholds=(STEPS,), verbose=False, use_fixed_seed=True)[-1]
print(f"{len(units)} units of conv3: {time.time() - t:.0f} s")
show(imgs, labels=[f"conv3:{u}" for u in units])
'''),
    code('''
obj = objectives.Objective.sum([objectives.channel("prob", k, batch=k)
                                for k in range(len(CLASSES))])
imgs = render.render_vis(tiny, obj, lambda: param.image(SIZE, batch=len(CLASSES)),
                         thresholds=(STEPS,), verbose=False, use_fixed_seed=True)[-1]
show(imgs, labels=CLASSES)
print("the network's own verdict on them:",
      [CLASSES[k] for k in tiny.get_activations(imgs, "prob").argmax(-1)])
'''),
    DONE,
]

ALL = {
    "tutorial": TUTORIAL,
    "layer_grids": LAYER_GRIDS,
    "negative_neurons": NEGATIVE,
    "neuron_diversity": DIVERSITY,
    "neuron_interaction": INTERACTION,
    "activation_grid": ACT_GRID,
    "neuron_groups": GROUPS,
    "modelzoo": MODELZOO,
}


def build(cells):
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    for i, (kind, text) in enumerate(cells):
        cell = new_markdown_cell(text) if kind == "md" else new_code_cell(text)
        cell["id"] = f"cell-{i:02d}"
        nb.cells.append(cell)
    return nb


def keep_outputs(nb, path):
    """Copy outputs from the notebook already at `path` into code cells whose source is
    unchanged, so regenerating does not throw away pictures rendered at full settings."""
    if not os.path.exists(path):
        return 0
    old = nbformat.read(path, as_version=4)
    by_source = {c.source: c for c in old.cells if c.cell_type == "code" and c.get("outputs")}
    kept = 0
    for cell in nb.cells:
        prev = by_source.get(cell.source) if cell.cell_type == "code" else None
        if prev is not None:
            cell.outputs = prev.outputs
            cell.execution_count = prev.execution_count
            kept += 1
    return kept


def main(names=None, clear=False):
    for name in names or ALL:
        path = os.path.join(NOTEBOOKS, f"{name}.ipynb")
        nb = build(ALL[name])
        kept = 0 if clear else keep_outputs(nb, path)
        nbformat.write(nb, path)
        print("wrote", path, f"(outputs kept for {kept} unchanged cells)" if kept else "")


if __name__ == "__main__":
    args = sys.argv[1:]
    clear = "--clear" in args
    main([a for a in args if a != "--clear"] or None, clear=clear)
