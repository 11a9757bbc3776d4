"""Pruning for a live Keras model (modelzoo.KerasModel): the render runs a sub-model whose
outputs are only the layers the objectives read, found by a dry trace (the Keras analogue of
`fast_graph.DryTrace` + `subgraph` for a frozen graph)."""
import logging
from typing import Any, Callable, List, Optional, Sequence

import tensorflow as tf

from lucid_vgg.optvis.render_parts import import_model
from modelzoo.vision_base import Model

log = logging.getLogger(__name__)

# pylint: disable=invalid-name


def layers_read(model: Model, objective_fs: Sequence[Any],
                image_shape: Sequence[Optional[int]]) -> Optional[List[str]]:
    """Names of the layers the objectives ask T for, found by tracing them once (never run) on
    the whole model; None when the dry trace fails (the caller then keeps every layer)."""
    names: List[str] = []
    batch = image_shape[0]

    def dry(raw, x):
        T_model = import_model(model, x, raw, scope="dry")

        def T(name):
            t = T_model(name)
            if name not in ("input", "labels") and name.split(":")[0] not in names:
                names.append(name.split(":")[0])
            return t

        return [tf.convert_to_tensor(f(T)) for f in objective_fs]

    try:
        tf.function(dry, autograph=False).get_concrete_function(
            tf.TensorSpec(image_shape, tf.float32), tf.TensorSpec([batch, None, None, 3], tf.float32))
    except Exception as e:  # pylint: disable=broad-except
        log.debug("dry trace failed (%s); the render computes every layer", e)
        return None
    return names


def live_model_to_run(model: Any, objective_fs: Sequence[Any], image_shape: Sequence[Optional[int]],
                      precision: str, prune: bool, transform_f: Optional[Callable] = None,
                      check_size: Optional[Callable] = None) -> Any:
    """The live model a render calls: pruned to the layers read (`model.with_layers`) when
    `prune`; `check_size(model, names, image_shape, transform_f)` refuses too-small images."""
    if precision != "float32":
        log.warning("precision=%r needs a frozen graph; %s runs in its Keras dtype (float32)",
                    precision, model.name)
    if not prune:
        return model
    names = layers_read(model, objective_fs, image_shape)
    if not names:
        return model
    if check_size is not None:
        check_size(model, names, image_shape, transform_f)
    return model.with_layers(names)
