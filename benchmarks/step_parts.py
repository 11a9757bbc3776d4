"""Where a render step's time goes, and whether XLA helps: times the parts of one step.

    python benchmarks/step_parts.py [--layer conv4_1] [--batch 4] [--json out.json]

  full step      render.make_vis_T(...).step()   (param + transforms + network + Adam)
  param+transforms only    param.image(128) (FFT, decorrelation) and the standard transforms,
                 with the gradient through them (the network replaced by a sum)
  network        import of the (pruned) graph at a fixed 140x140 input + channel objective +
                 gradient to the input, float32 / bfloat16, with and without jit_compile (XLA)
The full step cannot be XLA-compiled: the rotation transform (ImageProjectiveTransformV3) has no
XLA CPU kernel, so XLA can only apply to the network part; it is measured here.
"""
import numpy as np

from _bench import (load_average, make_parser, median_seconds,  # before TensorFlow
                    run_model, write_json)
import tensorflow as tf
from conv_peak import conv_peak


def _median_ms(f, iters):
    """Median ms per call of f() over `iters` calls after two warm-up calls."""
    return 1000 * median_seconds(f, iters, warmup=2)


def _input_as_const(graph_def, input_name):
    from tensorflow.core.framework import graph_pb2
    out = graph_pb2.GraphDef()
    out.CopyFrom(graph_def)
    for node in out.node:
        if node.name == input_name and node.op == "Placeholder":
            node.op = "Const"
            node.attr.clear()
            node.attr["dtype"].type = tf.float32.as_datatype_enum
            node.attr["value"].tensor.CopyFrom(tf.make_tensor_proto(np.zeros([1, 1, 1, 3], np.float32)))
    return out


def network_fn(model, layer, precision, jit, batch, size=140):
    from lucid_vgg.optvis import objectives, render
    obj = objectives.channel(f"{layer}/{layer}", 0)
    run = run_model(model, obj, batch, precision)
    if jit:  # XLA has no Placeholder kernel: the (input_map-replaced) input node becomes a Const
        cuts = getattr(run, "channel_cuts", {})
        run = model.with_graph_def(_input_as_const(run.graph_def, model.input_name))
        run.channel_cuts = cuts
    x = tf.random.uniform([batch, size, size, 3])

    @tf.function(jit_compile=jit, autograph=False)
    def f(x):
        T = render.import_model(run, x)
        loss = obj(T)
        return loss, tf.gradients(-loss, [x])[0]

    return lambda: [t.numpy() for t in f(x)]


def parts_fn(batch):
    from lucid_vgg.optvis import param, render
    from lucid_vgg.optvis.param.variables import VariableStore
    store = VariableStore(0)
    with store:
        param.image(128, batch=batch)
    tfm = render.make_transform_f(None)
    variables = [v for v in store.variables if v.trainable]

    @tf.function(autograph=False)
    def f():
        with store:
            img = param.image(128, batch=batch)
        y = tfm(img)
        return tf.gradients(tf.reduce_sum(y), variables)

    return lambda: [g.numpy() for g in f()]


def full_step_fn(model, layer, precision, batch):
    from lucid_vgg.optvis import param, render
    vis = render.make_vis_T(model, f"{layer}/{layer}:0", lambda: param.image(128, batch=batch),
                            precision=precision)
    return vis.step


def main(argv=None):
    p = make_parser(__doc__, layer="conv4_1", json=None)
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--iters", type=int, default=8)
    args = p.parse_args(argv)
    from modelzoo import VGG16_caffe
    model = VGG16_caffe()
    res = {"layer": args.layer, "batch": args.batch, "load": load_average()}
    res["conv_peak_float32"] = conv_peak("float32", iters=5, repeats=2)
    res["param+transforms"] = _median_ms(parts_fn(args.batch), args.iters)
    for prec in ("float32", "bfloat16"):
        res[f"full step {prec}"] = _median_ms(full_step_fn(model, args.layer, prec, args.batch), args.iters)
        for jit in (False, True):
            name = f"network {prec}{' xla' if jit else ''}"
            res[name] = _median_ms(network_fn(model, args.layer, prec, jit, args.batch), args.iters)
    res["conv_peak_float32_after"] = conv_peak("float32", iters=5, repeats=2)
    res["load_after"] = load_average()
    for k, v in res.items():
        print(f"  {k:28s} {v}" if isinstance(v, str) else f"  {k:28s} {v:10.2f}" + ("" if "peak" in k or "load" in k or k == "batch" else " ms"))
    if args.json:
        write_json(args.json, res)
    return res


if __name__ == "__main__":
    main()
