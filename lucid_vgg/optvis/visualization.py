"""The traced render step: `Visualization` owns one render's variables, optimizer and the
`tf.function` step (traced once, at construction), and answers Lucid's `T(name)` idiom.

    step():  t_image = param_f()                  (same variables every call)
             T = import_model(model, transform_f(t_image), t_image)
             loss = objective_f(T)                (the objective, reported as "loss" like Lucid)
             grads = tf.gradients(-loss, vars)    (maximise the objective; imported graph ops
                                                  are invisible to tf.GradientTape)
             optimizer.apply_gradients; constraints; global_step += 1
"""
import sys
from typing import IO, Any, List, Optional, Sequence

import numpy as np
import tensorflow as tf

from lucid_vgg.optvis import objectives, render_step
from lucid_vgg.optvis.fast_graph import graph_to_run, resolve_precision
from lucid_vgg.optvis.objectives import ObjectiveLike
from lucid_vgg.optvis.overrides.redirected_relu import redirected_relu_override
from lucid_vgg.optvis.param.variables import VariableStore
from lucid_vgg.optvis.render_parts import (OptimizerLike, ParamF, Transforms, import_model,
                                           make_optimizer, make_t_image, make_transform_f,
                                           short_repr)
from lucid_vgg.optvis.seeding import SeedLike, fixed_seed
from modelzoo.vision_base import Model

# pylint: disable=invalid-name


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
    dry trace (`DryTrace`), which cuts the trace/compile time, and computes only the channels
    they read of their last conv layer (`channel_cut`; a channel objective's step takes 0.43x
    as long on conv1_2, 0.93x on conv4_1), with the same results. `self.run_model` is the
    model actually imported in the step. (No XLA option: the standard transforms' rotation,
    ImageProjectiveTransformV3, has no XLA CPU kernel, and XLA's CPU convolution measured no
    faster than oneDNN's; see BENCHMARKS.md.)
    """

    def __init__(self, model: Model, objective_f: ObjectiveLike, param_f: ParamF = None,
                 optimizer: OptimizerLike = None, transforms: Transforms = None,
                 relu_gradient_override: bool = False,
                 print_objectives: Optional[Sequence[ObjectiveLike]] = None,
                 seed: SeedLike = None, precision: Optional[str] = "float32", prune: bool = True) -> None:
        if not hasattr(model, "import_graph"):
            raise TypeError("model must be a modelzoo Model (e.g. "
                            "modelzoo.vision_models.VGG16_caffe()), got "
                            f"{type(model).__name__}: {short_repr(model)}")
        # a seed fixes TF's and NumPy's global seeds and the variable store while the step is built
        # and traced (that is when every random op gets its seed); the caller's state comes back
        with fixed_seed(seed) as seed_value:
            self._build(model, objective_f, param_f, optimizer, transforms,
                        relu_gradient_override, print_objectives, seed_value, precision, prune)

    def _build(self, model: Model, objective_f: ObjectiveLike, param_f: ParamF, optimizer: OptimizerLike,
               transforms: Transforms, relu_gradient_override: bool,
               print_objectives: Optional[Sequence[ObjectiveLike]], seed: Optional[int],
               precision: Optional[str], prune: bool) -> None:
        self.model = model
        self.objective_f = objectives.as_objective(objective_f)
        self.print_objectives = [objectives.as_objective(o) for o in (print_objectives or [])]
        self.param_f = param_f
        self.transform_f = make_transform_f(transforms)
        self.relu_gradient_override = relu_gradient_override
        self.store = VariableStore(seed)
        with self.store:  # eager pass: creates the variables, checks the image
            probe = make_t_image(param_f)
        self.image_shape = tuple(probe.shape)
        self.precision = resolve_precision(precision)
        self.run_model = graph_to_run(model, [self.objective_f] + self.print_objectives,
                                      self.image_shape, self.precision, prune, self.transform_f)
        self.variables = [v for v in self.store.variables if v.trainable]
        if not self.variables:
            raise ValueError("param_f created no trainable variables: build it from the param "
                             "module (e.g. lambda: param.image(128)) or param.variables.make_variable.")
        self.optimizer = make_optimizer(optimizer, [])
        if hasattr(self.optimizer, "build") and not getattr(self.optimizer, "built", True):
            self.optimizer.build(self.variables)
        self.global_step = tf.Variable(0, dtype=tf.int64, trainable=False, name="global_step")
        self.trace_count = 0
        self.loss: Optional[np.ndarray] = None
        self.printed: List[np.ndarray] = []
        self._step = tf.function(self._step_fn, autograph=False)
        self._image = tf.function(self._image_fn, autograph=False)
        # trace now, as Lucid built its graph in make_vis_T: errors (unknown layer, channel out of
        # range, bad objective) surface here, and random op seeds are fixed at this point
        self._step.get_concrete_function()
        self._image.get_concrete_function()

    # traced bodies
    def _make_T(self):
        with self.store:
            t_image = make_t_image(self.param_f)
        with render_step.counting(self.global_step):
            transformed = self.transform_f(t_image)
        if self.relu_gradient_override:
            with redirected_relu_override(self.global_step):
                return import_model(self.run_model, transformed, t_image)
        return import_model(self.run_model, transformed, t_image)

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
                             "does not depend on the image being optimised (no gradient path to it: a "
                             "constant, or an objective scaled by 0)")
        self.optimizer.apply_gradients(pairs)
        for var, projection in getattr(self.store, "constraints", ()):
            var.assign(projection(var))
        self.global_step.assign_add(1)
        return loss, printed

    def _image_fn(self):
        with self.store:
            return make_t_image(self.param_f)

    # public
    def step(self) -> np.ndarray:
        """Run one optimisation step; return the objective value (NumPy) before the update."""
        loss, printed = self._step()
        self.loss = loss.numpy()
        self.printed = [p.numpy() for p in printed]
        return self.loss

    def image(self) -> np.ndarray:
        """The current image as a float32 NumPy array [batch, h, w, 3]."""
        return np.asarray(self._image().numpy(), np.float32)

    def print_objective_values(self, out: Optional[IO[str]] = None) -> None:
        """Print the print_objectives' values from the last step (Lucid's format)."""
        out = out or sys.stdout
        for i, (obj, v) in enumerate(zip(self.print_objectives, self.printed)):
            print("{:02d}: {}: {:7.2f}".format(i + 1, obj.description, float(np.sum(v))), file=out)

    def __call__(self, name: str) -> Any:
        """Lucid's `T(name)`: "vis_op" (the step), "input" (the image), "loss", ... or a layer's
        activations for the current image."""
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
