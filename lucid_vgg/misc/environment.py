"""Which environment the code runs in (Jupyter/Colab notebook or a plain shell), so output can be
shown inline or printed."""
import sys


def is_notebook_environment() -> bool:
    """True inside a Jupyter kernel or Colab, False in a terminal IPython or plain Python.

    Looks only at an IPython that is already running: it never imports IPython itself."""
    ipython_module = sys.modules.get("IPython")
    get_ipython = getattr(ipython_module, "get_ipython", None)
    shell = get_ipython() if get_ipython is not None else None
    return type(shell).__name__ in ("ZMQInteractiveShell", "Shell")
