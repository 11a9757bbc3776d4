"""misc.environment.is_notebook_environment: by the running IPython shell's class."""
import sys
import types

import pytest

from lucid_vgg.misc.environment import is_notebook_environment


def _ipython_with_shell(class_name):
    shell = type(class_name, (), {})()
    return types.SimpleNamespace(get_ipython=lambda: shell)


@pytest.mark.parametrize("shell, expected", [("ZMQInteractiveShell", True), ("Shell", True),
                                             ("TerminalInteractiveShell", False)])
def test_shell_kinds(monkeypatch, shell, expected):
    monkeypatch.setitem(sys.modules, "IPython", _ipython_with_shell(shell))
    assert is_notebook_environment() is expected


def test_plain_python(monkeypatch):
    monkeypatch.delitem(sys.modules, "IPython", raising=False)
    assert is_notebook_environment() is False
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: None))
    assert is_notebook_environment() is False
