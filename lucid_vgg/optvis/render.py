"""render_vis(): optimise an image parameterisation so that a model maximises an objective.

Lucid built a TF1 graph and ran `vis_op` in a session. Here the same pieces (param_f, transforms,
the imported model graph, the objective, the optimizer) are assembled into ONE `tf.function`
step, traced once per render and called once per iteration:

    step():  t_image = param_f()                  (same variables every call)
             T = import_model(model, transform_f(t_image), t_image)
             loss = objective_f(T)                (the objective, reported as "loss" like Lucid)
             grads = tf.gradients(-loss, vars)    (maximise the objective; imported graph ops
                                                  are invisible to tf.GradientTape)
             optimizer.apply_gradients; constraints; global_step += 1

`make_vis_T` returns the `Visualization` that owns this step; it replaces Lucid's
`T("vis_op").run()` / `T("input").eval()` session idiom (see `Visualization`).

Porting from Lucid (session code -> TF2):

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
import time

import numpy as np
import tensorflow as tf

from lucid_vgg.optvis import objectives, transform
from lucid_vgg.optvis.fast_graph import fast_graph_def, resolve_precision
from lucid_vgg.optvis.overrides.redirected_relu import redirected_relu_override
from lucid_vgg.optvis.transform_size import check_transformed_size

log = logging.getLogger(__name__)

# pylint: disable=invalid-name


# -- building blocks ----------------------------------------------------------------------
def _variables_module():
    from lucid_vgg.optvis.param import variables  # lands with the param package
    return variables


def make_t_image(param_f):
    """Evaluate the parameterisation: `param.image(128)` by default, else `param_f()`.

    Returns the image tensor, checked to be a float tensor [batch, h, w, 3] (or 4 channels
    for RGBA parameterisations). Call it under the render's VariableStore so the variables
    made by `param_f` are recorded once and reused on every later call.
    """
    if param_f is None:
        from lucid_vgg.optvis import param
        t_image = param.image(128)
    elif isinstance(param_f, (tf.Tensor, tf.Variable, np.ndarray)):
        raise TypeError("param_f must be a function returning the image (e.g. "
                        "lambda: param.image(128)), not a tensor: in TF2 a tensor cannot be "
                        "re-evaluated with updated variables at each step.")
    elif callable(param_f):
        t_image = param_f()
    else:
        raise TypeError(f"Incompatible type for param_f: {type(param_f).__name__}; expected None "
                        "or a function returning an image tensor.")
    return _check_image(t_image)


def _check_image(t_image):
    if isinstance(t_image, tf.Variable):
        t_image = tf.convert_to_tensor(t_image)
    if not isinstance(t_image, tf.Tensor):
        raise TypeError(f"param_f should return a float image tensor [batch, h, w, 3], but "
                        f"returned {type(t_image).__name__}: {_short(t_image)}")
    if not t_image.dtype.is_floating:
        raise TypeError(f"param_f should return a float image tensor, but returned dtype "
                        f"{t_image.dtype.name} (shape {t_image.shape})")
    if t_image.shape.rank != 4 or t_image.shape[-1] not in (3, 4):
        raise ValueError(f"param_f should return an image tensor of shape [batch, h, w, 3] "
                         f"(or 4 channels with alpha), but returned shape {t_image.shape}")
    return t_image


def _short(x):
    s = repr(x)
    return s if len(s) < 80 else s[:77] + "..."


def make_transform_f(transforms):
    """Compose a list of transforms (applied in order); None means transform.standard_transforms."""
    if transforms is None:
        transforms = transform.standard_transforms
    if isinstance(transforms, tuple):
        transforms = list(transforms)
    if not isinstance(transforms, list) or not all(callable(t) for t in transforms):
        raise TypeError(f"transforms must be None or a list of functions image -> image, got "
                        f"{_short(transforms)}")
    return transform.compose(transforms)  # carries the transforms' size rules


def make_optimizer(optimizer, args):
    """None -> Adam(0.05) (epsilon 1e-8 as TF1's AdamOptimizer); an optimizer -> itself;
    a function -> optimizer(*args)."""
    if optimizer is None:
        return tf.keras.optimizers.Adam(learning_rate=0.05, epsilon=1e-8)
    if hasattr(optimizer, "apply_gradients"):
        return optimizer
    if callable(optimizer):
        made = optimizer(*args)
        if not hasattr(made, "apply_gradients"):
            raise TypeError(f"optimizer function returned {type(made).__name__}, not an optimizer")
        return made
    raise TypeError("Could not convert optimizer argument to a usable optimizer: needs to be "
                    "None, an optimizer (e.g. tf.keras.optimizers.Adam(0.05)) or a function "
                    f"returning one; got {type(optimizer).__name__}.")


def import_model(model, t_image, t_image_raw=None, scope="import"):
    """Import `model`'s graph fed by `t_image` (inside a tf.function); return T.

    T("input") is `t_image_raw` (the untransformed image, default `t_image`), T("labels") the
    model's labels, T(layer) the imported layer tensor (KeyError naming close matches if it
    does not exist). Layer tensors get the static batch size of `t_image`.
    """
    if t_image_raw is None:
        t_image_raw = t_image
    T_model = model.import_graph(t_image, scope=scope, forget_xy_shape=True)
    batch = t_image.shape[0]
    if T_model is None:  # a Lucid-style Model whose import_graph returns nothing
        graph = tf.compat.v1.get_default_graph()
        T_model = lambda name: graph.get_tensor_by_name(f"{scope}/{name}:0")  # noqa: E731

    def T(layer):
        if layer == "input":
            return t_image_raw
        if layer == "labels":
            return model.labels
        t = T_model(layer)
        if t.dtype == tf.bfloat16:  # precision="bfloat16": objectives see float32
            t = tf.cast(t, tf.float32)
        if batch is not None and t.shape.rank and t.shape[0] is None:
            t.set_shape([batch] + [None] * (t.shape.rank - 1))
        return t

    return T


# -- fast path: which nodes the objectives read (graph cutting is in fast_graph.py) ---
def needed_nodes(model, objective_fs, image_shape):
    """Names of the model's graph nodes the objectives read, found by a dry trace.

    The objectives are evaluated once on the model imported (under the scope "dry") into a
    throwaway graph fed by a placeholder; every imported op they depend on is returned (without
    the scope). None when it cannot be decided (a model whose import_graph returns nothing, or an
    objective that fails on the placeholder): the caller then keeps the whole graph.
    """
    graph = tf.Graph()
    try:
        with graph.as_default():
            raw = tf.compat.v1.placeholder(tf.float32, image_shape, name="dry_input_raw")
            x = tf.compat.v1.placeholder(tf.float32, [image_shape[0], None, None, 3],
                                         name="dry_input")
            T = import_model(model, x, raw, scope="dry")
            outputs = [tf.convert_to_tensor(f(T)) for f in objective_fs]
    except Exception as e:  # pylint: disable=broad-except
        log.debug("dry trace failed (%s); running the whole graph", e)
        return None
    prefix = "dry/"
    seen, stack, found = set(), [t.op for t in outputs], set()
    while stack:
        op = stack.pop()
        if op.name in seen:
            continue
        seen.add(op.name)
        if op.name.startswith(prefix):
            found.add(op.name[len(prefix):])
        stack.extend(i.op for i in op.inputs)
        stack.extend(op.control_inputs)
    return sorted(found) or None


# -- the visualisation --------------------------------------------------------------------
class Visualization:
    """One render: the variables, the optimizer and the traced step (what make_vis_T returns).

    TF2 form of Lucid's `T = make_vis_T(...)` session idiom:

        vis = make_vis_T(model, "conv4_1/conv4_1:12", lambda: param.image(128))
        for i in range(10):
            loss = vis("vis_op")()      # Lucid: T("vis_op").run()   (or vis.step())
        img = vis("input")              # Lucid: T("input").eval()   (or vis.image())

    `vis(name)` also gives "loss" (objective value at the last step), "global_step",
    "optimizer", "objective_f", "variables", and for any layer name its activations (NumPy)
    for the current, untransformed image. `trace_count` counts traces of the step (1 per render).

    Speed options: `precision` ("float32", "bfloat16" or "auto"; see `resolve_precision`) runs
    the network in bfloat16 while parameters, the objective value and images stay float32;
    `prune` (default True) imports only the part of the graph the objectives read, found by a
    dry trace (`needed_nodes`), which cuts the trace/compile time. `self.run_model` is the
    model actually imported in the step. (No XLA option: the standard transforms' rotation,
    ImageProjectiveTransformV3, has no XLA CPU kernel, and XLA's CPU convolution measured no
    faster than oneDNN's; see BENCHMARKS.md.)
    """

    def __init__(self, model, objective_f, param_f=None, optimizer=None, transforms=None,
                 relu_gradient_override=False, print_objectives=None, seed=None,
                 precision="float32", prune=True):
        if not hasattr(model, "import_graph"):
            raise TypeError("model must be a modelzoo Model (e.g. "
                            "modelzoo.vision_models.VGG16_caffe()), got "
                            f"{type(model).__name__}: {_short(model)}")
        self.model = model
        self.objective_f = objectives.as_objective(objective_f)
        self.print_objectives = [objectives.as_objective(o) for o in (print_objectives or [])]
        self.param_f = param_f
        self.transform_f = make_transform_f(transforms)
        self.relu_gradient_override = relu_gradient_override
        self.store = _variables_module().VariableStore(seed)
        with self.store:  # eager pass: creates the variables, checks the image
            probe = make_t_image(param_f)
        self.image_shape = tuple(probe.shape)
        self.precision = resolve_precision(precision)
        self.run_model = self._choose_graph(prune)
        self.variables = [v for v in self.store.variables if v.trainable]
        if not self.variables:
            raise ValueError("param_f created no trainable variables: build it from the param "
                             "module (e.g. lambda: param.image(128)) or param.variables.make_variable.")
        self.optimizer = make_optimizer(optimizer, [])
        if hasattr(self.optimizer, "build") and not getattr(self.optimizer, "built", True):
            self.optimizer.build(self.variables)
        self.global_step = tf.Variable(0, dtype=tf.int64, trainable=False, name="global_step")
        self.trace_count = 0
        self.loss = None
        self._step = tf.function(self._step_fn, autograph=False)
        self._image = tf.function(self._image_fn, autograph=False)
        # trace now, as Lucid built its graph in make_vis_T: errors (unknown layer, channel out of
        # range, bad objective) surface here, and random op seeds are fixed at this point
        self._step.get_concrete_function()
        self._image.get_concrete_function()

    def _choose_graph(self, prune):
        if not prune and self.precision == "float32":
            return self.model
        if getattr(self.model, "_graph_def", None) is None and not hasattr(self.model, "load_graph_def"):
            return self.model
        nodes = None
        if prune:
            nodes = needed_nodes(self.model, [self.objective_f] + self.print_objectives,
                                 self.image_shape)
        if nodes and hasattr(self.model, "min_input_size"):
            self._check_image_size(nodes)
        if nodes is None and self.precision == "float32":
            return self.model
        return self.model.with_graph_def(fast_graph_def(self.model, nodes, self.precision))

    def _check_image_size(self, nodes):
        """Refuse an image smaller than the pooling in front of the layers the objectives read."""
        need = max(self.model.min_input_size(n) for n in nodes)
        h, w = self.image_shape[1:3]
        if h is not None and w is not None and min(h, w) < need:
            raise ValueError(f"the image ({h}x{w} px) is too small for the layers the objective "
                             f"reads: their pooling needs at least {need}x{need} px; render a "
                             f"larger image, e.g. param.image({max(need, 128)})")
        if h is not None and w is not None:
            check_transformed_size([self.transform_f], h, w, need,
                                   "the layers the objective reads (their pooling)")

    # traced bodies
    def _make_T(self):
        with self.store:
            t_image = make_t_image(self.param_f)
        if self.relu_gradient_override:
            with redirected_relu_override(self.global_step):
                return import_model(self.run_model, self.transform_f(t_image), t_image)
        return import_model(self.run_model, self.transform_f(t_image), t_image)

    def _step_fn(self):
        self.trace_count += 1
        T = self._make_T()
        loss = tf.convert_to_tensor(self.objective_f(T))
        if not loss.dtype.is_floating:
            raise TypeError(f"objective returned a {loss.dtype.name} tensor; it must be float")
        printed = [tf.convert_to_tensor(o(T)) for o in self.print_objectives]
        grads = tf.gradients(-loss, self.variables)
        pairs = [(g, v) for g, v in zip(grads, self.variables) if g is not None]
        if not pairs:
            raise ValueError(f"objective {self.objective_f.description or self.objective_f.name!r} "
                             "does not depend on the image being optimised")
        self.optimizer.apply_gradients(pairs)
        for var, projection in getattr(self.store, "constraints", ()):
            var.assign(projection(var))
        self.global_step.assign_add(1)
        return loss, printed

    def _image_fn(self):
        with self.store:
            return make_t_image(self.param_f)

    # public
    def step(self):
        """Run one optimisation step; return the objective value (NumPy) before the update."""
        loss, printed = self._step()
        self.loss = loss.numpy()
        self.printed = [p.numpy() for p in printed]
        return self.loss

    def image(self):
        """The current image as a float32 NumPy array [batch, h, w, 3]."""
        return np.asarray(self._image().numpy(), np.float32)

    def print_objective_values(self, out=None):
        """Print the print_objectives' values from the last step (Lucid's format)."""
        out = out or sys.stdout
        for i, (obj, v) in enumerate(zip(self.print_objectives, getattr(self, "printed", []))):
            print("{:02d}: {}: {:7.2f}".format(i + 1, obj.description, float(np.sum(v))), file=out)

    def __call__(self, name):
        if name == "vis_op":
            return self.step
        if name == "input":
            return self.image()
        if name == "loss":
            return self.loss
        if name == "global_step":
            return int(self.global_step.numpy())
        if name in ("optimizer", "objective_f", "variables", "store", "transform_f", "param_f"):
            return getattr(self, name)
        if name == "labels":
            return self.model.labels
        return self.model.get_activations(self.image()[..., :3], name)


def make_vis_T(model, objective_f, param_f=None, optimizer=None, transforms=None,
               relu_gradient_override=False, *, print_objectives=None, seed=None,
               precision="float32", prune=True):
    """Build the render step without running it: returns a `Visualization` (see its docs)."""
    return Visualization(model, objective_f, param_f, optimizer, transforms,
                         relu_gradient_override, print_objectives, seed,
                         precision=precision, prune=prune)


def make_print_objective_func(print_objectives, T):
    """Lucid's helper: a function printing each objective's value (`{:02d}: {desc}: {:7.2f}`).

    In TF2 it takes T = a Visualization and prints the values computed in its last step.
    """
    descriptions = [objectives.as_objective(o).description for o in (print_objectives or [])]

    def print_objective_func(*_):
        for i, (k, v) in enumerate(zip(descriptions, getattr(T, "printed", []))):
            print("{:02d}: {}: {:7.2f}".format(i + 1, k, float(np.sum(v))))

    return print_objective_func


# -- the loop -----------------------------------------------------------------------------
def _check_thresholds(thresholds):
    if isinstance(thresholds, (int, np.integer)) and not isinstance(thresholds, bool):
        raise ValueError(f"thresholds must be a sequence of step counts, e.g. ({thresholds},), "
                         f"not the number {thresholds}")
    try:
        ts = list(thresholds)
    except TypeError:
        raise ValueError(f"thresholds must be a sequence of step counts, got {_short(thresholds)}") from None
    if not ts:
        raise ValueError("thresholds is empty: give at least one step count, e.g. (512,)")
    for t in ts:
        if isinstance(t, bool) or not isinstance(t, (int, np.integer)) or t < 0:
            raise ValueError(f"thresholds must be non-negative integers, got {t!r} in {tuple(ts)}")
    if any(b <= a for a, b in zip(ts, ts[1:])):
        raise ValueError(f"thresholds must be strictly increasing, got {tuple(ts)}")
    return [int(t) for t in ts]


class _ProgressBar:
    """A one-line progress bar on a stream (no dependencies); redraws at most 10 times/s."""

    def __init__(self, total, stream=None, width=30):
        self.total, self.stream, self.width = total, stream or sys.stderr, width
        self.start = time.perf_counter()
        self.last = 0.0

    def update(self, done, value=None, force=False):
        now = time.perf_counter()
        if not force and now - self.last < 0.1 and done < self.total:
            return
        self.last = now
        frac = done / self.total if self.total else 1.0
        fill = int(round(frac * self.width))
        rate = (now - self.start) / done * 1000 if done else 0.0
        val = "" if value is None else f"  objective {value:.4g}"
        self.stream.write(f"\r[{'#' * fill}{'.' * (self.width - fill)}] {done}/{self.total}"
                          f"  {rate:.0f} ms/step{val}")
        self.stream.flush()

    def close(self):
        self.stream.write("\n")
        self.stream.flush()


def _in_notebook():
    try:
        from lucid_vgg.misc.io import showing
    except ImportError:
        return False
    return showing._in_notebook()  # pylint: disable=protected-access


def _show(vis_image):
    if _in_notebook():
        from lucid_vgg.misc.io import show
        show(np.hstack(vis_image))


class RenderNumericalError(FloatingPointError):
    """A render produced a NaN or inf objective value or image; raised by `run_vis`.

    Attributes: `step` (0-based step index where it showed), `value` (the bad loss, or None for
    an image), `images` (the finite images of the thresholds reached before; nothing is lost).
    """

    def __init__(self, message, step=None, value=None, images=()):
        super().__init__(message)
        self.step, self.value, self.images = step, value, list(images)

    @staticmethod
    def _what(x):
        x = np.asarray(x)
        return "NaN" if np.isnan(x).any() else "infinite"

    @classmethod
    def for_loss(cls, vis, i, n_steps, loss, last_good, images):
        name = getattr(vis.objective_f, "description", "") or getattr(vis.objective_f, "name", "")
        head = (f"render stopped at step {i} of {n_steps}: the objective {name!r} is "
                f"{cls._what(loss)} (value {_short(np.asarray(loss).tolist())})")
        if last_good is None:
            cause = ("on the starting image, before any update: the objective itself is not finite "
                     "there. Likely cause: the objective divides by zero or takes the log/sqrt of "
                     "zero or a negative number (e.g. a ratio of two objectives whose denominator "
                     "is 0); check it with model.get_activations on a plain image.")
        else:
            cause = (f"after {i} finite steps (last value {float(np.sum(last_good)):.4g}): the "
                     "optimisation diverged. Likely causes: a NaN/inf gradient (the objective "
                     "divides by zero or takes sqrt/log near 0 for some images; add an epsilon), "
                     "a learning rate too high (try optimizer=tf.keras.optimizers.Adam(0.01)), or "
                     "a parameterisation that is not bounded (e.g. pixel_image without a sigmoid; "
                     "use param.image or to_valid_rgb).")
        return cls(f"{head} {cause} Images reached before are in this error's .images.",
                   step=i, value=loss, images=images)

    @classmethod
    def for_image(cls, vis, i, n_steps, image, images):
        return cls(f"render stopped at step {i} of {n_steps}: the image is {cls._what(image)} "
                   "although the objective was finite. Likely cause: the parameterisation "
                   "(param_f) overflows or is not bounded, or a constraint/projection produced "
                   "NaN; build images with param.image / to_valid_rgb (a sigmoid keeps them in "
                   "[0, 1]). Images reached before are in this error's .images.",
                   step=i, images=images)


def run_vis(vis, thresholds, verbose=True, progress=None, callback=None):
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
    wanted = set(thresholds)
    n_steps = max(thresholds) + 1
    if progress is None and verbose and sys.stderr.isatty():
        progress = sys.stderr
    bar = _ProgressBar(n_steps, progress) if progress else None
    images = []
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
                        progress.write("\n")
                    print(i, loss)
                    vis.print_objective_values()
                    _show(image)
    except KeyboardInterrupt:
        log.warning("Interrupted optimization at step %d.", i + 1)
        if verbose:
            _show(vis.image())
    finally:
        if bar:
            bar.close()
    return images


class _FixedSeed:
    """Seed TF's global seed and NumPy's global RNG with 0 while a render is built, then restore
    them, so `use_fixed_seed` does not leak into the caller's later random numbers."""

    def __enter__(self):
        self.np_state = np.random.get_state()
        try:
            from tensorflow.python.eager import context  # pylint: disable=import-outside-toplevel
            self.tf_seed = context.global_seed()
        except (ImportError, AttributeError):
            self.tf_seed = None
        tf.random.set_seed(0)
        np.random.seed(0)

    def __exit__(self, *exc):
        tf.random.set_seed(self.tf_seed)
        np.random.set_state(self.np_state)
        return False


def render_vis(model, objective_f, param_f=None, optimizer=None, transforms=None,
               thresholds=(512,), print_objectives=None, verbose=True,
               relu_gradient_override=True, use_fixed_seed=False, *, precision="float32",
               prune=True):
    """Optimise `param_f` to maximise `objective_f` on `model`; images at each threshold.

    Args:
      model: a modelzoo Model (e.g. `modelzoo.vision_models.VGG16_caffe()`).
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
      use_fixed_seed: seed everything (variable init, random transforms) for a bit-identical
        result on a rerun in a fresh process.
      precision: "float32" (default), "bfloat16" (the network runs in bfloat16; parameters,
        objective values and images stay float32) or "auto" (bfloat16 only on CPUs with AMX,
        where it pays; float32 elsewhere). See BENCHMARKS.md for the measurements.
      prune: import only the layers the objectives need (same results; faster first step).

    Returns:
      list with one float32 array [batch, h, w, 3] in [0, 1] per threshold reached.
    """
    thresholds = _check_thresholds(thresholds)
    if use_fixed_seed:
        with _FixedSeed():  # make_vis_T traces the step, so every random op seed is set here
            vis = make_vis_T(model, objective_f, param_f, optimizer, transforms,
                             relu_gradient_override, print_objectives=print_objectives, seed=0,
                             precision=precision, prune=prune)
    else:
        vis = make_vis_T(model, objective_f, param_f, optimizer, transforms,
                         relu_gradient_override, print_objectives=print_objectives,
                         precision=precision, prune=prune)
    return run_vis(vis, thresholds, verbose=verbose)
