"""The `lucid-vgg` command line (also `python -m lucid_vgg`): one argparse front end.

    lucid-vgg render "conv4_1/conv4_1:12" --size 128 --steps 512 --batch 1 --seed 0 -o unit.png
    lucid-vgg layers
    lucid-vgg render-layer conv1_1/conv1_1 out/
    lucid-vgg render-model out/ --layers conv4_1/conv4_1 --kinds positive,negative [--ray-address auto]
    lucid-vgg convert-h5 vgg16_weights_tf_dim_ordering_tf_kernels.h5

Exit codes: 0 success, 1 runtime failure, 2 bad usage, 130 interrupted (Ctrl-C or SIGTERM).
Errors are one line on stderr; `--debug` shows the traceback instead. Each subcommand is a
module of this package with NAME, HELP, `configure(parser)` and `run(args) -> exit code`; it
raises `UsageError` for bad input (exit 2), anything else is a runtime failure (exit 1).
TensorFlow is imported only when a subcommand runs, so `--help` and usage errors are fast.
"""
import argparse
import logging
import os
import signal
import sys
import threading
from typing import Optional, Sequence

from lucid_vgg.cli import convert_h5, layers, render_layer, render_model, render_unit, site
from lucid_vgg.cli.common import UsageError

SUBCOMMANDS = (render_unit, layers, render_layer, render_model, convert_h5, site)
PROG = "lucid-vgg"


class _OneLineErrorParser(argparse.ArgumentParser):
    """argparse with its usage errors in one line (exit code 2)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The `lucid-vgg` parser: `--debug` and one subparser per module in SUBCOMMANDS."""
    parser = _OneLineErrorParser(prog=PROG, description="Lucid feature visualisation for VGG16 in TF2.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_OneLineErrorParser)
    sub.required = True
    for command in SUBCOMMANDS:
        p = sub.add_parser(command.NAME, help=command.HELP, description=command.HELP)
        command.configure(p)
        p.set_defaults(run=command.run)
    return parser


_OUT_OF_MEMORY = ("MemoryError", "ResourceExhaustedError")


def _one_line(exc: BaseException) -> str:
    """The exception as one line: its message (a KeyError's unquoted), typed unless a UsageError;
    running out of memory says so first (a MemoryError's own message is empty)."""
    text = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
    text = " ".join(text.split())
    if isinstance(exc, UsageError):
        return text
    if type(exc).__name__ in _OUT_OF_MEMORY:
        return (f"out of memory: render smaller images (--size) or fewer at a time (--batch, "
                f"--batch-size) ({type(exc).__name__}{': ' + text if text else ''})")
    return f"{type(exc).__name__}: {text}"


class _SignalsAsInterrupt:
    """While active (main thread only), SIGTERM and SIGINT raise KeyboardInterrupt, so a killed
    render saves the image it reached and a render-layer job keeps its finished units.

    `received` remembers the signal: a C extension being imported when it arrives (NumPy,
    TensorFlow) may turn the KeyboardInterrupt into an ImportError, which main() still reports
    as an interruption (exit 130) instead of a failure (exit 1)."""

    SIGNALS = (signal.SIGTERM, signal.SIGINT)

    def __enter__(self):
        self.saved = {}
        self.received: Optional[int] = None
        if threading.current_thread() is threading.main_thread():
            def interrupt(signum, frame):
                self.received = signum
                raise KeyboardInterrupt(f"signal {signum}")
            for sig in self.SIGNALS:
                self.saved[sig] = signal.signal(sig, interrupt)
        return self

    def __exit__(self, *exc):
        for sig, handler in self.saved.items():
            signal.signal(sig, handler)
        return False


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the CLI on `argv` (default: sys.argv[1:]); returns the exit code.

    The signal handlers come first, so SIGTERM during start-up (argument parsing, importing
    TensorFlow, loading the model) is an interruption (exit 130), as it is during a render. A
    signal before this function runs (Python's own start-up and importing this package, about
    60 ms) ends the process by the signal, as for any Python program; nothing is written by then.
    """
    with _SignalsAsInterrupt() as signals:
        where, debug = PROG, False
        try:
            # read when a subcommand imports TensorFlow: its C++ info/warning logs off. (TF 2.21
            # still prints its oneDNN notice, logged before absl's logging is set up.)
            os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
            args = build_parser().parse_args(sys.argv[1:] if argv is None else list(argv))
            where, debug = f"{PROG} {args.command}", args.debug
            logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING,
                                format="%(levelname)s %(name)s: %(message)s")
            return args.run(args)
        except KeyboardInterrupt:
            print(f"{where}: interrupted", file=sys.stderr)
            return 130
        except Exception as e:  # noqa: BLE001  -- every failure: one line, exit 2 (usage) or 1
            if signals.received is not None:  # the interrupt, wrapped by an extension module
                print(f"{where}: interrupted", file=sys.stderr)
                return 130
            if debug:
                raise
            print(f"{where}: error: {_one_line(e)}", file=sys.stderr)
            return 2 if isinstance(e, UsageError) else 1


__all__ = ["main", "build_parser", "UsageError", "SUBCOMMANDS"]
