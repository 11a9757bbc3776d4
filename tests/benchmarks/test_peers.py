"""benchmarks/peers.py's pure logic (tables, ratios, order of cases, options) and lucid_shim's
module aliasing and tf.contrib.image.rotate stand-in; no timings are asserted."""
import importlib
import sys
import types

import numpy as np
import pytest

from benchmark_scripts import benchmark_module

_load = benchmark_module


@pytest.fixture(scope="module")
def peers():
    return _load("peers")


@pytest.fixture(scope="module")
def shim():
    return _load("lucid_shim")


ROWS = [{"system": "lucid-vgg", "batch": 1, "ms_per_step": 60.0},
        {"system": "lucid-vgg", "batch": 1, "ms_per_step": 80.0},
        {"system": "lucid-vgg", "batch": 1, "ms_per_step": 70.0},
        {"system": "lucid-vgg", "batch": 4, "ms_per_step": 200.0},
        {"system": "lucid", "batch": 1, "ms_per_step": 105.0},
        {"system": "lucid", "batch": 4, "ms_per_step": 300.0},
        {"system": "lucid", "batch": 4, "error": ["boom"]}]


def test_medians_take_the_median_over_rounds_and_drop_failures(peers):
    assert peers.medians(ROWS) == {"lucid-vgg": {1: 70.0, 4: 200.0}, "lucid": {1: 105.0, 4: 300.0}}


def test_ratios_are_other_over_lucid_vgg(peers):
    r = peers.ratios(peers.medians(ROWS))
    assert r == {"lucid": {1: pytest.approx(1.5), 4: pytest.approx(1.5)}}


def test_format_table_rows_ratios_and_skips(peers):
    text = peers.format_table(peers.medians(ROWS), [1, 4], {"lucent": "torch is not installed"})
    lines = text.splitlines()
    assert lines[0] == "| system | batch 1 | batch 4 |"
    assert "| lucid-vgg render_vis step (redirect on) | 70.0 | 200.0 |" in lines
    assert "| original Lucid 0.3.10 (tf.compat.v1) | 105.0 | 300.0 |" in lines
    assert "| Lucent (PyTorch, cut at conv4_1) | skipped | skipped |" in lines
    assert "lucid / lucid-vgg: batch 1 1.50x, batch 4 1.50x  (>1: lucid-vgg faster)" in lines
    assert lines[-1] == "lucent skipped: torch is not installed"


def test_cases_are_interleaved_round_by_round(peers):
    cases = peers.interleaved_cases(["a", "b"], [1, 4], 2)
    assert cases[:4] == [(0, "a", 1), (0, "b", 1), (0, "a", 4), (0, "b", 4)]
    assert len(cases) == 8 and cases[4][0] == 1


def test_report_names_the_case_users_run(peers):
    record = {"rows": ROWS, "skipped": {}, "peaks": {"tensorflow b1": {"18x18x512->512": 2e11},
                                                     "pytorch b1": {"error": ["no torch"]}}}
    text = peers.report(record, [1, 4])
    assert "redirected ReLU on" in text and "render_vis" in text
    assert "tensorflow b1" in text and "18x18x512->512 200" in text and "FAILED" in text


@pytest.mark.parametrize("argv", [["--systems", "lucid,keras"], ["--rounds", "0"],
                                  ["--batches", "0"], ["--warmup", "-1"]])
def test_bad_options_are_rejected(peers, argv, capsys):
    with pytest.raises(SystemExit):
        peers.parse_args(argv)
    assert "--systems must be among lucid-vgg,lucid,lucent" in capsys.readouterr().err


def test_aliased_modules_swaps_and_restores(shim):
    fake = types.ModuleType("fake_tf")
    fake.marker = 42
    name = "peers_test_not_a_real_module"
    with shim.aliased_modules({name: fake, "json": fake}):
        assert importlib.import_module(name).marker == 42
        import json
        assert json is fake
    assert name not in sys.modules
    import json
    assert json is not fake and hasattr(json, "dumps")


def test_module_proxy_prefers_extras_then_target(shim):
    target = types.SimpleNamespace(a=1, b=2)
    proxy = shim.ModuleProxy("p", target, {"b": 3})
    assert (proxy.a, proxy.b) == (1, 3)
    with pytest.raises(AttributeError):
        proxy.c


def test_contrib_stub_fails_clearly_when_called(shim):
    contrib = shim.contrib_stub()
    with pytest.raises(NotImplementedError, match="tf.contrib.slim.conv2d is not available"):
        contrib.slim.conv2d(None)
    assert contrib.image.rotate is shim.rotate


def test_rotate_matches_numpy(shim):
    x = np.random.default_rng(0).normal(size=(2, 7, 7, 3)).astype(np.float32)
    got = shim.rotate(x, np.pi / 2).numpy()
    np.testing.assert_allclose(got, np.rot90(x, 1, axes=(1, 2)), atol=1e-6)
    np.testing.assert_allclose(shim.rotate(x, 0.0).numpy(), x)
    # per-image angles: image 0 half a turn, image 1 unchanged
    both = shim.rotate(x, [np.pi, 0.0]).numpy()
    np.testing.assert_allclose(both[0], x[0, ::-1, ::-1], atol=1e-6)
    np.testing.assert_allclose(both[1], x[1])
