"""lucid_vgg turns TensorFlow's oneDNN kernels on by default, unless TF is loaded or the user chose."""
import os
import subprocess
import sys

import pytest


def _onednn_setting_after(code, env_value=None):
    """TF_ENABLE_ONEDNN_OPTS as seen in a fresh interpreter after running `code`."""
    env = {k: v for k, v in os.environ.items() if k != "TF_ENABLE_ONEDNN_OPTS"}
    if env_value is not None:
        env["TF_ENABLE_ONEDNN_OPTS"] = env_value
    out = subprocess.run([sys.executable, "-c", code + "\nimport os\n"
                          "print(os.environ.get('TF_ENABLE_ONEDNN_OPTS', 'unset'))"],
                         env=env, capture_output=True, text=True, check=True)
    return out.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize("first_import", ["import lucid_vgg", "import modelzoo"])
def test_importing_first_turns_onednn_on(first_import):
    assert _onednn_setting_after(first_import) == "1"


def test_an_explicit_choice_is_kept():
    assert _onednn_setting_after("import lucid_vgg", env_value="0") == "0"


def test_nothing_is_set_once_tensorflow_is_loaded():
    # the variable is read at TensorFlow's import, so setting it later would claim what is not so
    code = "import sys, types\nsys.modules['tensorflow'] = types.ModuleType('tensorflow')\nimport lucid_vgg"
    assert _onednn_setting_after(code) == "unset"
