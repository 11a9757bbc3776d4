"""Lucid's session-style render in TF1 graph mode: `make_vis_T` builds Lucid's graph in the default
graph and returns Lucid's `T` (name -> tensor or op), for code written against `tf.compat.v1`.

    import tensorflow.compat.v1 as tf; tf.disable_v2_behavior()
    with tf.Graph().as_default(), tf.Session() as sess:
        T = render.make_vis_T(model, "conv4_1/conv4_1:12", optimizer=tf.train.AdamOptimizer(0.05))
        tf.global_variables_initializer().run()
        for i in range(n):
            loss, _ = sess.run([T("loss"), T("vis_op")])
        img = T("input").eval()

The eager path (`Visualization`, one traced `tf.function` step) is untouched; both share param,
objectives, transforms, seeding, the pruned/bfloat16 graph choice and the redirected ReLU, so
the same seed gives the same first steps in both modes.
"""
import contextlib
import sys
from typing import IO, Any, Callable, Dict, Iterator, List, Optional, Sequence

import numpy as np
import tensorflow as tf

from lucid_vgg.optvis import objectives, param, render_step
from lucid_vgg.optvis.fast_graph import graph_to_run, resolve_precision
from lucid_vgg.optvis.objectives import ObjectiveLike
from lucid_vgg.optvis.overrides.redirected_relu import redirected_relu_override
from lucid_vgg.optvis.param.variables import VariableStore
from lucid_vgg.optvis.render_parts import (OptimizerLike, ParamF, Transforms, check_image,
                                           import_model, make_transform_f, short_repr)
from lucid_vgg.optvis.seeding import SeedLike, fixed_seed
from modelzoo.vision_base import Model

# T is Lucid's name for the tensor accessor; keep it.
# pylint: disable=invalid-name

GRAPH_MODE_HINT = ("graph mode = TF1 code: `import tensorflow.compat.v1 as tf; "
                   "tf.disable_v2_behavior()` or a `with tf.Graph().as_default():` block; eager "
                   "mode = plain TF2")


def in_graph_mode() -> bool:
    """True while building a TF1 graph (not eagerly, not inside a tf.function trace)."""
    if tf.executing_eagerly():
        return False
    return not getattr(tf.compat.v1.get_default_graph(), "building_function", False)


def check_graph_mode(what: str) -> tf.Graph:
    """The default graph, or an error when `what` is called inside a tf.function."""
    graph = tf.compat.v1.get_default_graph()
    if tf.executing_eagerly() or getattr(graph, "building_function", False):
        raise RuntimeError(f"{what} in graph mode needs a TF1 default graph, not eager execution "
                           "or a tf.function trace; call it outside any tf.function (in eager "
                           f"mode it builds its own traced step) [{GRAPH_MODE_HINT}]")
    return graph


def graph_t_image(param_f: ParamF, graph: tf.Graph) -> tf.Tensor:
    """The image tensor from `param_f` (or a tensor itself, as Lucid allowed), checked to live in
    `graph`: an eager tensor or one of another graph gets an error naming both modes."""
    if param_f is None:
        t_image = param.image(128)
    elif isinstance(param_f, (tf.Tensor, tf.Variable)):
        t_image = param_f
    elif isinstance(param_f, np.ndarray):
        raise TypeError("param_f must be a function returning the image tensor (e.g. "
                        "lambda: param.image(128)) or a tensor of this graph, not a NumPy array")
    elif callable(param_f):
        t_image = param_f()
    else:
        raise TypeError(f"Incompatible type for param_f: {type(param_f).__name__}; expected None, "
                        "a function returning an image tensor, or an image tensor")
    if isinstance(t_image, tf.Variable):
        t_image = tf.convert_to_tensor(t_image)
    if isinstance(t_image, tf.Tensor) and not hasattr(t_image, "graph"):
        raise TypeError("param_f returned an eager tensor (made eagerly, outside this graph), but "
                        "make_vis_T is building a TF1 graph: create the image inside param_f "
                        "(e.g. lambda: param.image(128)) within the same `with "
                        f"tf.Graph().as_default()` block [{GRAPH_MODE_HINT}]")
    if isinstance(t_image, tf.Tensor) and t_image.graph is not graph:
        raise TypeError("param_f produced an image tensor of another graph than the default one "
                        "make_vis_T builds in: create it inside the same `with "
                        "tf.Graph().as_default()` block (did you mean make_vis_T rather than "
                        "render_vis, which makes its own graph?)")
    return check_image(t_image)


def make_graph_optimizer(optimizer: OptimizerLike) -> Any:
    """None -> tf.compat.v1.train.AdamOptimizer(0.05) (Lucid's); a TF1 optimizer -> itself; a
    function -> its result. Keras optimizers only run eagerly: a clear error names the fix."""
    if optimizer is None:
        return tf.compat.v1.train.AdamOptimizer(0.05)
    made = optimizer
    if not isinstance(optimizer, tf.compat.v1.train.Optimizer) and callable(optimizer) \
            and not hasattr(optimizer, "apply_gradients"):
        made = optimizer()
    if isinstance(made, tf.compat.v1.train.Optimizer):
        return made
    if hasattr(made, "apply_gradients"):
        raise TypeError(f"in graph mode the optimizer must be a tf.compat.v1.train.Optimizer, e.g. "
                        f"tf.compat.v1.train.AdamOptimizer(0.05); got {type(made).__name__}, a "
                        f"Keras optimizer, which only runs in eager mode [{GRAPH_MODE_HINT}]")
    raise TypeError("Could not convert optimizer argument to a usable optimizer: in graph mode "
                    "it must be None, a tf.compat.v1.train.Optimizer (e.g. "
                    "tf.compat.v1.train.AdamOptimizer(0.05)) or a function returning one; got "
                    f"{type(made).__name__}: {short_repr(made)}")


class GraphVisT:
    """Lucid's `T` from make_vis_T in graph mode: `T(name)` is a tensor or op of the graph.

    Names: "vis_op", "loss", "input" (the untransformed image), "global_step", "t_image",
    "optimizer", "objective_f", "transform_f", "param_f", "model", "T", "init_global_step",
    "variables", "store", "labels" (the model's) and any layer name (the imported layer tensor). `step()`,
    `image()` run it in the session (so `render.run_vis` drives it as it drives the eager
    `Visualization`).
    """

    def __init__(self, parts: Dict[str, Any], T_model: Callable[[str], Any],
                 printed: Sequence[tf.Tensor], print_objectives: Sequence[objectives.Objective]) -> None:
        self.parts = parts
        self.graph: tf.Graph = parts["loss"].graph
        self._T_model = T_model
        self._printed = list(printed)
        self.objective_f = parts["objective_f"]
        self.print_objectives = list(print_objectives)
        self.loss: Optional[np.ndarray] = None
        self.printed: List[np.ndarray] = []
        self._session = tf.compat.v1.get_default_session()

    def __call__(self, name: str) -> Any:
        if name in self.parts:
            return self.parts[name]
        return self._T_model(name)

    def session(self) -> tf.compat.v1.Session:
        """The session to run in: the default one if it holds this graph, else the one that was
        default when T was built; an error naming the fix when there is none."""
        sess = tf.compat.v1.get_default_session()
        for candidate in (sess, self._session):
            if candidate is not None and candidate.graph is self.graph and not candidate._closed:  # pylint: disable=protected-access
                return candidate
        raise RuntimeError("this T was built in graph mode (TF1) and runs in a tf.compat.v1.Session "
                           "of its graph, but there is none (open or default): run it inside "
                           "`with tf.Session(graph=...)` (and tf.global_variables_initializer()), "
                           f"or build it eagerly with make_vis_T outside the graph [{GRAPH_MODE_HINT}]")

    def step(self) -> np.ndarray:
        """Run `vis_op` once; return the objective value before the update (Lucid's loss)."""
        loss, printed, _ = self.session().run([self.parts["loss"], self._printed, self.parts["vis_op"]])
        self.loss, self.printed = np.asarray(loss), [np.asarray(p) for p in printed]
        return self.loss

    def image(self) -> np.ndarray:
        """The current (untransformed) image as float32 NumPy [batch, h, w, c]."""
        return np.asarray(self.session().run(self.parts["input"]), np.float32)

    def print_objective_values(self, out: Optional[IO[str]] = None) -> None:
        """Print the print_objectives' values from the last step (Lucid's format)."""
        out = out or sys.stdout
        for i, (obj, v) in enumerate(zip(self.print_objectives, self.printed)):
            print("{:02d}: {}: {:7.2f}".format(i + 1, obj.description, float(np.sum(v))), file=out)


def _vis_op(optimizer: Any, loss: tf.Tensor, global_step: tf.Variable, store: VariableStore,
            objective: objectives.Objective) -> tf.Operation:
    """Lucid's `optimizer.minimize(-loss, global_step)`, with a clear error when nothing depends
    on the image, then the param constraints' projections."""
    if not tf.compat.v1.trainable_variables():
        raise ValueError("param_f created no trainable variables: build it from the param module "
                         "(e.g. lambda: param.image(128)) or with tf.Variable / "
                         "param.variables.make_variable")
    pairs = [(g, v) for g, v in optimizer.compute_gradients(-loss) if g is not None]
    if not pairs:
        raise ValueError(f"objective {objective.description or objective.name!r} does not depend "
                         "on the image being optimised (no gradient path to it: a constant, or an "
                         "objective scaled by 0)")
    train = optimizer.apply_gradients(pairs, global_step=global_step)
    with tf.control_dependencies([train]):
        projections = [var.assign(fn(var)) for var, fn in store.constraints]
    return tf.group(train, *projections, name="vis_op")


def make_vis_T(model: Model, objective_f: ObjectiveLike, param_f: ParamF = None,
               optimizer: OptimizerLike = None, transforms: Transforms = None,
               relu_gradient_override: bool = False, *,
               print_objectives: Optional[Sequence[ObjectiveLike]] = None,
               seed: SeedLike = None, precision: Optional[str] = "float32",
               prune: bool = False) -> GraphVisT:
    """Build Lucid's render graph in the default graph and return its `T` (see GraphVisT).

    `prune=False` imports the whole model so `T(layer)` reaches every layer, as in Lucid;
    `render_vis` prunes. `seed` fixes the graph seed and the variable store while building.
    """
    graph = check_graph_mode("make_vis_T")
    if not hasattr(model, "import_graph"):
        raise TypeError("model must be a modelzoo Model (e.g. modelzoo.vision_models.VGG16_caffe()), "
                        f"got {type(model).__name__}: {short_repr(model)}")
    with fixed_seed(seed) as seed_value:
        objective = objectives.as_objective(objective_f)
        printing = [objectives.as_objective(o) for o in (print_objectives or [])]
        transform_f = make_transform_f(transforms)
        store = VariableStore(seed_value)
        with store:
            t_image = graph_t_image(param_f, graph)
        # T(layer) is the user's to run here, so no layer is cut to the channels the objective reads
        run_model = graph_to_run(model, [objective] + printing, tuple(t_image.shape.as_list()),
                                 resolve_precision(precision), prune, transform_f,
                                 cut_channels=False)
        opt = make_graph_optimizer(optimizer)
        global_step = tf.compat.v1.train.get_or_create_global_step()
        init_global_step = tf.compat.v1.variables_initializer([global_step])
        if tf.compat.v1.get_default_session() is not None:
            init_global_step.run()
        override = redirected_relu_override(global_step) if relu_gradient_override \
            else contextlib.nullcontext()
        with render_step.counting(global_step):
            transformed = transform_f(t_image)
        with override:
            T = import_model(run_model, transformed, t_image)
        loss = tf.convert_to_tensor(objective(T))
        if not loss.dtype.is_floating:
            raise TypeError(f"objective returned a {loss.dtype.name} tensor; it must be float")
        printed = [tf.convert_to_tensor(o(T)) for o in printing]
        vis_op = _vis_op(opt, loss, global_step, store, objective)
    parts = dict(vis_op=vis_op, loss=loss, input=t_image, t_image=t_image,
                 global_step=global_step, init_global_step=init_global_step, optimizer=opt,
                 objective_f=objective, transform_f=transform_f, param_f=param_f, model=model,
                 T=T, transforms=transforms, store=store, variables=list(store.variables),
                 relu_gradient_override=relu_gradient_override)
    return GraphVisT(parts, T, printed, printing)


@contextlib.contextmanager
def session_render() -> Iterator[tf.compat.v1.Session]:
    """Lucid's render_vis frame: a fresh graph and a session on it, default while inside."""
    with tf.Graph().as_default() as graph, tf.compat.v1.Session(graph=graph) as sess:
        yield sess


def initialize(T: GraphVisT) -> None:
    """Run `tf.global_variables_initializer()` in T's session (what Lucid's render_vis did)."""
    with T.graph.as_default():
        T.session().run(tf.compat.v1.global_variables_initializer())
