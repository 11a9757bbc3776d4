"""render_vis(): optimise an image parameterisation so that a model maximises an objective.

Lucid built a TF1 graph and ran `vis_op` in a session. Here the same pieces (param_f, transforms,
the imported model graph, the objective, the optimizer) are assembled into ONE `tf.function`
step, traced once per render and called once per iteration. This module is Lucid's `render`:
the entry points (`render_vis`, `make_vis_T`, `run_vis`) and every name Lucid users import from
it; the work is done by one module per job:

    render_parts   make_t_image, make_transform_f, make_optimizer, import_model (Lucid's helpers)
    visualization  Visualization: the traced step (what make_vis_T returns)
    fast_graph     the graph a render runs: the dry trace, pruning, bfloat16
    channel_cut    of the last conv layer read, only the channels the objectives read
    seeding        fixed_seed: use_fixed_seed / seed without touching the caller's random state
    numerics       RenderNumericalError;   progress: the progress bar and notebook display
    graph_mode     Lucid's graph and `T` for TF1 session code (a default tf.Graph, compat.v1)

`make_vis_T` returns the `Visualization` that owns the step; it replaces Lucid's
`T("vis_op").run()` / `T("input").eval()` session idiom (see `Visualization`).

Lucid's session code runs as it is under `import tensorflow.compat.v1 as tf;
tf.disable_v2_behavior()` (or in a `with tf.Graph().as_default():` block): there make_vis_T
returns Lucid's graph-mode `T` and render_vis runs in a fresh graph and session (`graph_mode`).
Or port it to TF2 (session code -> TF2):

    Lucid (TF1)                                     lucid_vgg
    with tf.Graph().as_default(), tf.Session():     (nothing)
      T = render.make_vis_T(model, obj, param_f)    vis = render.make_vis_T(model, obj, param_f)
      tf.global_variables_initializer().run()       (nothing: variables exist already)
      T("vis_op").run()                             vis("vis_op")()   or   vis.step()
      loss_, _ = sess.run([T("loss"), T("vis_op")]) loss_ = vis.step()
      T("input").eval()                             vis("input")      or   vis.image()
      sess.run(T("mixed4a"))                        vis("conv4_1/conv4_1")  (current image, NumPy)
    param_f that calls tf.Variable(...)             param.variables.make_variable(...)
    optimizer=tf.train.AdamOptimizer(0.05)          optimizer=tf.keras.optimizers.Adam(0.05)

Differences worth knowing: `print_objectives` are evaluated in the same step as the loss (on
the same transformed image) rather than in a second session run; `transforms` may also be a
tuple; the redirected ReLU gradient decides per batch entry (Lucid's intent; its TF2 `where`
broadcast of the [batch] flags fails for batch > 1
unless the batch size equals the channel count).
"""
import logging
import sys
from typing import IO, Any, Callable, List, Optional, Sequence, Union

import numpy as np

from lucid_vgg.optvis import graph_mode, objectives
from lucid_vgg.optvis.graph_mode import GraphVisT
from lucid_vgg.optvis.limits import MAX_STEPS
from lucid_vgg.optvis.numerics import RenderNumericalError
from lucid_vgg.optvis.objectives import ObjectiveLike
from lucid_vgg.optvis.progress import ProgressBar, show_in_notebook
from lucid_vgg.optvis.render_parts import (OptimizerLike, ParamF, Transforms, import_model,
                                           make_optimizer, make_t_image, make_transform_f,
                                           short_repr)
from lucid_vgg.optvis.seeding import SeedLike, seed_of
from lucid_vgg.optvis.visualization import Visualization
from modelzoo.keras_model import as_model
from modelzoo.vision_base import Model

__all__ = [
    "render_vis", "make_vis_T", "run_vis", "make_print_objective_func", "Visualization", "GraphVisT",
    "RenderNumericalError", "make_t_image", "make_transform_f", "make_optimizer", "import_model",
]

log = logging.getLogger(__name__)

# pylint: disable=invalid-name

AnyVis = Union[Visualization, GraphVisT]
"""What make_vis_T returns: the eager `Visualization`, or Lucid's graph-mode `T` (GraphVisT)."""


def make_vis_T(model: Model, objective_f: ObjectiveLike, param_f: ParamF = None,
               optimizer: OptimizerLike = None, transforms: Transforms = None,
               relu_gradient_override: bool = False, *,
               print_objectives: Optional[Sequence[ObjectiveLike]] = None,
               seed: SeedLike = None, precision: Optional[str] = "float32",
               prune: bool = True) -> AnyVis:
    """Build the render step without running it: a `Visualization` (eager), or in graph mode
    (TF1 code: a default tf.Graph) Lucid's `T` with "vis_op", "loss", "input", layers, ...

    `seed` (None or an int) seeds TF, NumPy and the variable store while the step is built, then
    restores the caller's random state (`seeding.fixed_seed`): same seed, same render. In graph
    mode the whole model is imported (so T(layer) reaches every layer, as Lucid's) and `prune`
    is not used; see `graph_mode`. A keras.Model is wrapped as modelzoo.KerasModel (a notice
    names the input range assumed).
    """
    model = as_model(model)
    if graph_mode.in_graph_mode():
        return graph_mode.make_vis_T(model, objective_f, param_f, optimizer, transforms,
                                     relu_gradient_override, print_objectives=print_objectives,
                                     seed=seed, precision=precision, prune=False)
    return Visualization(model, objective_f, param_f, optimizer, transforms,
                         relu_gradient_override, print_objectives, seed,
                         precision=precision, prune=prune)


def make_print_objective_func(print_objectives: Optional[Sequence[ObjectiveLike]],
                              T: AnyVis) -> Callable[..., None]:
    """Lucid's helper: a function printing each objective's value (`{:02d}: {desc}: {:7.2f}`).

    In TF2 it takes T = a Visualization and prints the values computed in its last step.
    """
    descriptions = [objectives.as_objective(o).description for o in (print_objectives or [])]

    def print_objective_func(*_):
        for i, (k, v) in enumerate(zip(descriptions, getattr(T, "printed", []))):
            print("{:02d}: {}: {:7.2f}".format(i + 1, k, float(np.sum(v))))

    return print_objective_func


# -- the loop -----------------------------------------------------------------------------
def _check_thresholds(thresholds: Any) -> List[int]:
    """`thresholds` as a list of increasing step counts; ValueError naming what is wrong."""
    if isinstance(thresholds, (int, np.integer)) and not isinstance(thresholds, bool):
        raise ValueError(f"thresholds must be a sequence of step counts, e.g. ({thresholds},), "
                         f"not the number {thresholds}")
    try:
        ts = list(thresholds)
    except TypeError:
        raise ValueError(f"thresholds must be a sequence of step counts, got {short_repr(thresholds)}") from None
    if not ts:
        raise ValueError("thresholds is empty: give at least one step count, e.g. (512,)")
    for t in ts:
        if isinstance(t, bool) or not isinstance(t, (int, np.integer)) or t < 0:
            raise ValueError(f"thresholds must be non-negative integers, got {t!r} in {tuple(ts)}")
        if t > MAX_STEPS:
            raise ValueError(f"thresholds must be at most {MAX_STEPS:,} steps (lucid_vgg.optvis.limits."
                             f"MAX_STEPS), got {t:,}")
    if any(b <= a for a, b in zip(ts, ts[1:])):
        raise ValueError(f"thresholds must be strictly increasing, got {tuple(ts)}")
    return [int(t) for t in ts]


def _check_mode(vis: Any) -> None:
    """An eager Visualization cannot run inside a TF1 graph block: say so before stepping."""
    if isinstance(vis, Visualization) and graph_mode.in_graph_mode():
        raise RuntimeError("this Visualization was built in eager mode (TF2) but is run inside a "
                           "graph-mode block (a default tf.Graph / TF1 session code): run it "
                           "outside the `with tf.Graph().as_default()` block, or build Lucid's T "
                           f"with make_vis_T inside the block [{graph_mode.GRAPH_MODE_HINT}]")
    if not isinstance(vis, (Visualization, GraphVisT)):
        raise TypeError(f"run_vis needs what make_vis_T returns, got {type(vis).__name__}: "
                        f"{short_repr(vis)}")


def run_vis(vis: AnyVis, thresholds: Sequence[int], verbose: bool = True,
            progress: Optional[IO[str]] = None,
            callback: Optional[Callable[[int, np.ndarray, AnyVis], Any]] = None
            ) -> List[np.ndarray]:
    """Run `vis` for max(thresholds)+1 steps; return the images at each threshold (Lucid's loop).

    The image for threshold t is taken after step t (i.e. after t+1 updates), as in Lucid.
    `progress`: a stream for a progress bar (default: stderr when verbose and it is a terminal).
    `callback(i, loss, vis)` runs after each step. Ctrl-C returns the images reached so far.

    A NaN/inf objective value (checked every step: the loss is fetched anyway) or image (checked
    at each threshold, where it is fetched anyway) raises `RenderNumericalError` naming the step
    and the likely cause; its `.images` holds the images reached before. NaN/inf gradients are
    not checked separately (that would cost a reduction per variable per step): the optimizer
    writes them into the variables, so the image and hence the loss of the very next step are
    NaN/inf and the error names the step where they first showed (see RenderNumericalError).
    """
    thresholds = _check_thresholds(thresholds)
    _check_mode(vis)
    wanted = set(thresholds)
    n_steps = max(thresholds) + 1
    if progress is None and verbose and sys.stderr.isatty():
        progress = sys.stderr
    bar = ProgressBar(n_steps, progress) if progress else None
    images: List[np.ndarray] = []
    i = -1
    last_good = None
    try:
        for i in range(n_steps):
            loss = vis.step()
            if not np.all(np.isfinite(loss)):  # the loss is fetched anyway: a free check
                raise RenderNumericalError.for_loss(vis, i, n_steps, loss, last_good, images)
            last_good = loss
            if bar:
                bar.update(i + 1, float(np.sum(loss)))
            if callback is not None:
                callback(i, loss, vis)
            if i in wanted:
                image = vis.image()
                if not np.all(np.isfinite(image)):
                    raise RenderNumericalError.for_image(vis, i, n_steps, image, images)
                images.append(image)
                if verbose:
                    if bar:
                        bar.update(i + 1, float(np.sum(loss)), force=True)
                        bar.stream.write("\n")
                    print(i, loss)
                    vis.print_objective_values()
                    show_in_notebook(image)
    except KeyboardInterrupt:
        log.warning("Interrupted optimization at step %d.", i + 1)
        if verbose:
            show_in_notebook(vis.image())
    finally:
        if bar:
            bar.close()
    return images


def render_vis(model: Model, objective_f: ObjectiveLike, param_f: ParamF = None,
               optimizer: OptimizerLike = None, transforms: Transforms = None,
               thresholds: Sequence[int] = (512,),
               print_objectives: Optional[Sequence[ObjectiveLike]] = None,
               verbose: bool = True, relu_gradient_override: bool = True,
               use_fixed_seed: SeedLike = False, *, precision: Optional[str] = "float32",
               prune: bool = True, progress: Optional[IO[str]] = None,
               callback: Optional[Callable[[int, np.ndarray, AnyVis], Any]] = None
               ) -> List[np.ndarray]:
    """Optimise `param_f` to maximise `objective_f` on `model`; images at each threshold.

    Args:
      model: a modelzoo Model (e.g. `modelzoo.vision_models.VGG16_caffe()`), or a keras.Model
        (wrapped as modelzoo.KerasModel; better wrap it yourself to give its input range).
      objective_f: an Objective, a function T -> tensor, or a "layer:channel" string.
      param_f: function returning the image tensor (default `param.image(128)`); it is called
        under the render's VariableStore, so it must make its variables with the param module.
      optimizer: a Keras optimizer or a function returning one (default Adam(0.05)).
      transforms: list of image -> image functions (default `transform.standard_transforms`;
        `[]` for none).
      thresholds: increasing step counts at which to snapshot the image; runs max+1 steps.
      print_objectives: objectives whose values are printed at thresholds when verbose.
      verbose: print "step objective" at thresholds, show images in a notebook and a progress
        bar on a terminal (stderr).
      relu_gradient_override: use the redirected ReLU gradient for the first 16 steps.
      use_fixed_seed: False (unseeded), True (seed 0, as Lucid) or an int seed: seeds the
        variable initialisation and the random transforms for a bit-identical result on a rerun
        (also in a fresh process); the caller's global TF/NumPy random state is left unchanged
        (see `seeding.fixed_seed`).
      precision: "float32" (default), "bfloat16" (the network runs in bfloat16; parameters,
        objective values and images stay float32) or "auto" (bfloat16 only on CPUs with AMX,
        where it pays; float32 elsewhere). See BENCHMARKS.md for the measurements.
      prune: import only the layers the objectives need, and compute only the channels they
        read of the last one (same results; faster first step and steps).
      progress, callback: as in `run_vis` (a stream for the progress bar; `callback(i, loss,
        vis)` after each step, e.g. to keep the image reached when interrupted).

    Returns:
      list with one float32 array [batch, h, w, 3] in [0, 1] per threshold reached.
    """
    thresholds = _check_thresholds(thresholds)
    if graph_mode.in_graph_mode():  # Lucid's frame: a fresh graph and session for the render
        with graph_mode.session_render():
            T = graph_mode.make_vis_T(model, objective_f, param_f, optimizer, transforms,
                                      relu_gradient_override, print_objectives=print_objectives,
                                      seed=seed_of(use_fixed_seed), precision=precision, prune=prune)
            graph_mode.initialize(T)
            return run_vis(T, thresholds, verbose=verbose, progress=progress, callback=callback)
    vis = make_vis_T(model, objective_f, param_f, optimizer, transforms, relu_gradient_override,
                     print_objectives=print_objectives, seed=seed_of(use_fixed_seed),
                     precision=precision, prune=prune)
    return run_vis(vis, thresholds, verbose=verbose, progress=progress, callback=callback)
