"""Pruning for a live Keras model (modelzoo.KerasModel): the render runs a sub-model whose
outputs are only the layers the objectives read, and of a Conv2D layer read only by channel,
only those channels; both found by a dry trace (the Keras analogue of `fast_graph.DryTrace`,
`subgraph` and `channel_cut` for a frozen graph)."""
import logging
from typing import Any, Callable, Dict, List, Optional, Sequence, Set, Tuple

import tensorflow as tf

from lucid_vgg.optvis.channel_cut import read_channels
from lucid_vgg.optvis.render_parts import import_model
from modelzoo.util import walk
from modelzoo.vision_base import Model

log = logging.getLogger(__name__)

# pylint: disable=invalid-name


def layers_read(model: Model, objective_fs: Sequence[Any], image_shape: Sequence[Optional[int]]
                ) -> Optional[Tuple[List[str], Dict[str, Set[int]]]]:
    """(names of the layers the objectives ask T for, {layer: the only channels they read of it}),
    found by tracing the objectives once (never run) on the whole model; None when the dry trace
    fails (the caller then keeps every layer)."""
    names: List[str] = []
    channels: Dict[str, Set[int]] = {}
    batch = image_shape[0]

    def dry(raw, x):
        graph = tf.compat.v1.get_default_graph()
        before = set(graph.get_operations())
        T_model = import_model(model, x, raw, scope="dry")
        inside = set(graph.get_operations()) - before  # the model's own ops
        layers: Dict[str, tf.Tensor] = {}

        def T(name):
            t = T_model(name)
            if name not in ("input", "labels"):
                layers.setdefault(name.split(":")[0], t)
            return t

        outputs = [tf.convert_to_tensor(f(T)) for f in objective_fs]
        reached = walk([t.op for t in outputs], lambda op: [i.op for i in op.inputs])
        for name, t in layers.items():
            names.append(name)
            depth = tf.compat.dimension_value(t.shape[-1]) if t.shape.rank else None
            read = read_channels(t, depth, reached, inside) if depth else None
            if depth and read and len(read) < depth:
                channels[name] = read
        return outputs

    try:
        tf.function(dry, autograph=False).get_concrete_function(
            tf.TensorSpec(image_shape, tf.float32), tf.TensorSpec([batch, None, None, 3], tf.float32))
    except Exception as e:  # pylint: disable=broad-except
        log.debug("dry trace failed (%s); the render computes every layer", e)
        return None
    return names, channels


def live_model_to_run(model: Any, objective_fs: Sequence[Any], image_shape: Sequence[Optional[int]],
                      precision: str, prune: bool, transform_f: Optional[Callable] = None,
                      check_size: Optional[Callable] = None, cut_channels: bool = True) -> Any:
    """The live model a render calls: pruned to the layers read (`model.with_layers`) when
    `prune`, and with `cut_channels` computing only the channels read of the Conv2D layers that
    can (`model.why_not_cut`); `check_size(model, names, image_shape, transform_f)` refuses
    too-small images."""
    if precision != "float32":
        log.warning("precision=%r needs a frozen graph; %s runs in its Keras dtype (float32)",
                    precision, model.name)
    if not prune:
        return model
    found = layers_read(model, objective_fs, image_shape)
    if not found or not found[0]:
        return model
    names, channels = found
    if check_size is not None:
        check_size(model, names, image_shape, transform_f)
    cuts = ({n: c for n, c in channels.items() if model.why_not_cut(n) is None}
            if cut_channels else {})
    return model.with_layers(names, cuts)
