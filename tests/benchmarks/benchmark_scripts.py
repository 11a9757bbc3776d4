"""What the benchmark tests share: importing a script from benchmarks/ (not a package)."""
import importlib
import os
import sys
from types import ModuleType

BENCHMARKS = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                          "benchmarks")


def benchmark_module(name: str) -> ModuleType:
    """benchmarks/<name>.py as a module, with benchmarks/ on sys.path only while it imports."""
    sys.path.insert(0, BENCHMARKS)
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(BENCHMARKS)
