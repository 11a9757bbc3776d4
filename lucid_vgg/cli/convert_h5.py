"""`lucid-vgg convert-h5 FILE`: Keras' VGG16 ImageNet weights (.h5) into VGG16_caffe's frozen graph
(with fc6/fc7/prob when the file has the top), by `modelzoo.weights.keras_h5.convert_keras_h5`."""
import argparse

NAME = "convert-h5"
HELP = "convert Keras' VGG16 ImageNet .h5 into VGG16_caffe's frozen graph"
DESCRIPTION = ("Convert Keras' VGG16 ImageNet weights (.h5) into the VGG16_caffe frozen graph "
               "(Lucid's layer names).")


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the `convert-h5` arguments."""
    parser.description = DESCRIPTION
    parser.add_argument("file", help="vgg16_weights_tf_dim_ordering_tf_kernels.h5 (full model) or "
                                     "the _notop file (conv layers only)")
    parser.add_argument("-o", "--output", help="where to write the .pb (default: the lucid-vgg "
                                               "cache, used by VGG16_caffe())")


def run(args: argparse.Namespace) -> int:
    """Convert and write the graph; exit code 0 (a missing or wrong .h5 is a runtime failure, an
    output path that cannot be written a usage error, found before converting)."""
    from lucid_vgg.cli.common import usage_errors
    from lucid_vgg.recipes._common import check_output_file
    from modelzoo.weights.keras_h5 import convert_keras_h5
    from modelzoo.weights.cache import default_cache_file

    if args.output is not None:  # before the conversion: '' would have meant "the cache"
        with usage_errors("-o/--output: "):
            check_output_file(args.output, "output")

    graph_def = convert_keras_h5(args.file, args.output)
    dense = any(node.name == "prob" for node in graph_def.node)
    print(f"Wrote {args.output or default_cache_file()} ({len(graph_def.node)} nodes, "
          f"{'conv + fc6/fc7/prob' if dense else 'conv layers only'}).")
    return 0
