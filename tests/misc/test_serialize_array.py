"""misc.io.serialize_array.array_to_jsbuffer: the JavaScript it writes rebuilds the array in Node.js."""
import shutil
import subprocess

import numpy as np
import pytest

from lucid_vgg.misc.io.serialize_array import array_to_jsbuffer


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js to run the JavaScript")
def test_array_to_jsbuffer_runs_in_javascript(tmp_path):
    arrays = [np.array([1.5, -2.0, 3.25], np.float32), np.arange(3, dtype=np.uint8),
              np.array([-70000, 5], np.int32), np.array([0.1], np.float64)]
    script = "".join("console.log(Array.from(%s).join(','));" % array_to_jsbuffer(a) for a in arrays)
    (tmp_path / "t.js").write_text(script)
    out = subprocess.run(["node", str(tmp_path / "t.js")], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.split() == ["1.5,-2,3.25", "0,1,2", "-70000,5", "0.1"]
