"""`lucid-vgg layers`: VGG16_caffe's layer table, with the layers its loaded graph lacks marked."""
import argparse

from lucid_vgg.cli.common import (add_keras_arguments, add_model_pb_argument, graph_names,
                                  keras_model_of, loaded_vgg16)

NAME = "layers"
HELP = "list VGG16_caffe's layers and their depths"


def configure(parser: argparse.ArgumentParser) -> None:
    """Add the `layers` arguments."""
    add_model_pb_argument(parser)
    add_keras_arguments(parser)


def run(args: argparse.Namespace) -> int:
    """Print one row per layer of the model (name, depth, tags); exit code 0."""
    model = keras_model_of(args) or loaded_vgg16(args.model_pb)
    in_graph = graph_names(model)
    present = [layer for layer in model.layers if layer.name in in_graph]
    width = max(len(layer.name) for layer in model.layers)
    print(f"{model.name}: {len(present)} of {len(model.layers)} layers in this graph")
    print(f"{'layer':<{width}}  {'depth':>5}  tags")
    for layer in model.layers:
        note = "" if layer.name in in_graph else "  (not in this graph)"
        print(f"{layer.name:<{width}}  {layer.depth:>5}  {','.join(sorted(layer.tags))}{note}")
    return 0
