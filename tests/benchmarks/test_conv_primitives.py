"""benchmarks/conv_primitives.py: reading oneDNN's verbose lines (kernel, reorders, formats)."""
import pytest

from benchmark_scripts import benchmark_module

CONV = ("onednn_verbose,v1,primitive,exec,cpu,convolution,brg_conv_fwd:avx512_core,forward_training,"
        "src:f32::blocked:acdb::f0 wei:f32:a:blocked:Acdb32a::f0 bia:undef::undef::: "
        "dst:f32::blocked:acdb::f0,attr-scratchpad:user,alg:convolution_direct,"
        "mb4_ic256oc256_ih35oh35kh3sh1dh0ph1_iw35ow35kw3sw1dw0pw1,{ms}")
REORDER = ("onednn_verbose,v1,primitive,exec,cpu,reorder,jit:uni,undef,src:f32::blocked:cdba::f0 "
           "dst:f32::blocked:Acdb32a::f0,,,256x256x3x3,{ms}")


@pytest.fixture(scope="module")
def cp():
    return benchmark_module("conv_primitives")


def test_parse_keeps_only_the_last_calls(cp):
    warmup = [REORDER.format(ms=50.0), CONV.format(ms=900.0)]  # first call: slow, dropped
    timed = [REORDER.format(ms=1.0), CONV.format(ms=10.0), REORDER.format(ms=3.0), CONV.format(ms=30.0),
             REORDER.format(ms=2.0), CONV.format(ms=20.0)]
    text = "\n".join(["onednn_verbose,v1,info,cpu,runtime:threadpool"] + warmup + timed + ["WALL_MS [1]"])
    parsed = cp.parse_verbose(text, calls=3)
    assert parsed["kernel_ms"] == pytest.approx(20.0)
    assert parsed["reorder_ms_per_call"] == pytest.approx(2.0) and parsed["reorders_per_call"] == 1
    assert parsed["impl"] == "brg_conv_fwd:avx512_core" and parsed["prop"] == "forward_training"
    assert parsed["formats"].startswith("src:f32::blocked:acdb::f0 wei:f32:a:blocked:Acdb32a")


def test_parse_says_when_onednn_ran_no_convolution(cp):
    parsed = cp.parse_verbose("no verbose lines at all", calls=2)
    assert "0 convolution executions" in parsed["error"]


def test_report_shows_kernel_share_and_errors(cp):
    rows = [{"shape": (4, 18, 512, 512), "direction": "forward", "system": "tensorflow", "wall_ms": 10.0,
             "kernel_ms": 9.0, "reorder_ms_per_call": 0.5, "reorders_per_call": 1.0,
             "impl": "brg_conv_fwd:avx512_core", "formats": "src:acdb"},
            {"shape": (4, 18, 512, 512), "direction": "forward", "system": "torch-nchw", "error": "boom"}]
    table = cp.report(rows)
    assert "| 10.00 | 9.00 | 0.50 (1) | 0.90 | brg_conv_fwd:avx512_core |" in table and "boom" in table
