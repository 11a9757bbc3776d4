"""What the `lucid-vgg` subcommands share: the usage error, integer argument types, model loading.

Kept free of TensorFlow imports so `--help` and usage errors answer without loading it.
"""
import argparse
import contextlib
import sys
from typing import TYPE_CHECKING, Any, Callable, Iterator, Optional, Set

from lucid_vgg.optvis.presets import PRESETS

if TYPE_CHECKING:  # for annotations only: modelzoo imports TensorFlow
    from modelzoo.vision_base import Model


class UsageError(Exception):
    """Bad input from the user: reported in one line, exit code 2."""


@contextlib.contextmanager
def usage_errors(prefix: str = "") -> Iterator[None]:
    """Inside the block, the library's argument checks (ValueError, TypeError, KeyError) are
    UsageErrors (exit 2): wrap only checks that run before any work, never the work itself."""
    try:
        yield
    except (ValueError, TypeError, KeyError) as e:
        text = str(e.args[0]) if isinstance(e, KeyError) and e.args else str(e)
        raise UsageError(prefix + text) from e


def int_at_least(low: int, at_most: Optional[int] = None) -> Callable[[str], int]:
    """An argparse `type`: the text as an int >= `low` (and <= `at_most`), else a one-line usage
    error."""
    what = "a positive integer" if low == 1 else f"an integer >= {low}"
    if at_most is not None:
        what = f"an integer from {low} to {at_most:,}"

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if value < low or (at_most is not None and value > at_most):
            raise argparse.ArgumentTypeError(f"expected {what}, got {value:,}")
        return value

    return parse


def add_model_pb_argument(parser: argparse.ArgumentParser) -> None:
    """The hidden `--model-pb PATH`: another frozen graph read with VGG16_caffe's input
    conventions and layer table (tests, custom builds)."""
    parser.add_argument("--model-pb", metavar="PATH", help=argparse.SUPPRESS)


def zoo_model(name: str = "VGG16_caffe", path: Optional[str] = None) -> "Model":
    """A model-zoo entry by class name (`modelzoo.vision_models`), on `path` when given.

    An unknown name is a UsageError listing the known ones.
    """
    from modelzoo import vision_models

    def is_entry(value: Any) -> bool:
        return isinstance(value, type) and issubclass(value, vision_models.Model) \
            and value is not vision_models.Model

    cls = getattr(vision_models, name, None)
    if cls is None or not is_entry(cls):
        known = sorted(n for n, v in vars(vision_models).items() if is_entry(v))
        raise UsageError(f"unknown model {name!r}; known models: {', '.join(known)}")
    return cls(path) if path else cls()


def loaded_vgg16(model_pb: Optional[str]) -> "Model":
    """VGG16_caffe (on `model_pb` when given) with its graph loaded now, so a missing or corrupt
    graph is a runtime failure (exit 1) before any other work."""
    model = zoo_model("VGG16_caffe", model_pb)
    model.load_graphdef()
    return model


def value_range(text: str) -> tuple:
    """An argparse `type`: 'LOW,HIGH' -> (low, high) floats with low < high."""
    try:
        low, high = (float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected LOW,HIGH (e.g. 0,255), got {text!r}") from None
    if not low < high:
        raise argparse.ArgumentTypeError(f"expected LOW < HIGH, got {text!r}")
    return low, high


def add_keras_arguments(parser: argparse.ArgumentParser) -> None:
    """`--keras-model FILE` (a .keras or .h5 model instead of VGG16_caffe), its `--input-range`
    and `--bgr`; objectives then name its Keras layers (e.g. "block4_conv1:12")."""
    parser.add_argument("--keras-model", metavar="FILE", default=None,
                        help="use this Keras model (.keras or .h5) instead of VGG16_caffe; layers "
                             "are its Keras layer names")
    parser.add_argument("--input-range", metavar="LOW,HIGH", type=value_range, default=None,
                        help="pixel range the --keras-model expects (default 0,1)")
    parser.add_argument("--bgr", action="store_true", help="the --keras-model takes BGR images")


def add_preset_argument(parser: argparse.ArgumentParser) -> None:
    """`--preset lucid|fast`: Lucid's optimizer and --steps, or the fast setting (a third of
    --steps, Adam 0.3, a finish without transforms; lucid_vgg.optvis.presets)."""
    parser.add_argument("--preset", choices=PRESETS, default="lucid",
                        help="lucid: Adam 0.05 for --steps (default); fast: a third of --steps, Adam "
                             "0.3 then a finish without transforms (BENCHMARKS.md section 9)")


def keras_model_of(args: argparse.Namespace) -> Optional["Model"]:
    """The --keras-model as a modelzoo.KerasModel (None without the option). A file Keras
    cannot read is a runtime failure (exit 1) naming the file and what to do."""
    path = getattr(args, "keras_model", None)
    if path is None:
        return None
    from modelzoo.keras_model import KerasModel, load_keras_file

    value_range_ = args.input_range
    if value_range_ is None:
        value_range_ = (0.0, 1.0)
        print(f"note: assuming {path} takes pixels in 0,1, RGB (set --input-range, --bgr)",
              file=sys.stderr)
    keras_model = load_keras_file(path)
    with usage_errors(f"--keras-model {path}: "):
        return KerasModel(keras_model, image_value_range=value_range_, is_BGR=args.bgr)


def graph_names(model: "Model") -> Set[str]:
    """Names a model's T accepts: a live Keras model's layer names, a frozen graph's node names."""
    tensor_names = getattr(model, "tensor_names", None)
    if tensor_names is not None:
        return set(tensor_names())
    return {node.name for node in model.graph_def.node}
