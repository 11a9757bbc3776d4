"""What the `lucid-vgg` subcommands share: the usage error, integer argument types, model loading.

Kept free of TensorFlow imports so `--help` and usage errors answer without loading it.
"""
import argparse
import contextlib
from typing import TYPE_CHECKING, Any, Callable, Iterator, Optional

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
