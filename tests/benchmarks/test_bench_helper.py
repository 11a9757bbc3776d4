"""benchmarks/_bench.py, the plumbing every benchmark script shares: options, timing, records."""
import os

import numpy as np
import pytest

from benchmark_scripts import benchmark_module



@pytest.fixture(scope="module")
def bench():
    return benchmark_module("_bench")


class FakeClock:
    """perf_counter() stand-in: each call of `tick` advances time by the next given duration."""

    def __init__(self, durations):
        self.now, self.durations, self.calls = 0.0, list(durations), 0

    def perf_counter(self):
        return self.now

    def tick(self):
        self.calls += 1
        self.now += self.durations.pop(0)


def test_call_times_runs_warmup_untimed_then_times_each_call(bench, monkeypatch):
    clock = FakeClock([100.0, 100.0, 1.0, 3.0, 2.0])
    monkeypatch.setattr(bench.time, "perf_counter", clock.perf_counter)
    assert bench.call_times(clock.tick, 3, warmup=2) == [1.0, 3.0, 2.0]
    assert clock.calls == 5


def test_median_seconds_keeps_the_lowest_median_of_the_repeats(bench, monkeypatch):
    # warm-up 50 (once), then repeat 1: median(4, 6, 5) = 5, repeat 2: median(2, 9, 3) = 3
    clock = FakeClock([50.0, 4.0, 6.0, 5.0, 2.0, 9.0, 3.0])
    monkeypatch.setattr(bench.time, "perf_counter", clock.perf_counter)
    assert bench.median_seconds(clock.tick, 3, warmup=1, repeats=2) == 3.0
    assert clock.calls == 7


def test_stopwatch_freezes_when_the_block_ends(bench, monkeypatch):
    clock = FakeClock([2.5, 7.0])
    monkeypatch.setattr(bench.time, "perf_counter", clock.perf_counter)
    with bench.Stopwatch() as sw:
        clock.tick()
        assert sw.seconds == 2.5
    clock.tick()
    assert sw.seconds == 2.5


def test_make_parser_adds_only_the_options_asked_for_with_their_defaults(bench):
    p = bench.make_parser("doc", json=None, steps=512, layer="conv4_1")
    args = p.parse_args([])
    assert vars(args) == {"json": None, "steps": 512, "layer": "conv4_1"}
    assert p.parse_args(["--steps", "8", "--json", "x.json"]).steps == 8
    with pytest.raises(SystemExit):
        p.parse_args(["--size", "64"])


def test_json_record_round_trip_accepts_numpy_values(bench, tmp_path):
    path = str(tmp_path / "record.json")
    bench.write_json(path, {"ms": np.float32(1.5), "rows": np.arange(3), "load": (1, 2)})
    assert bench.read_json(path) == {"ms": 1.5, "rows": [0, 1, 2], "load": [1, 2]}


def test_machine_info_names_the_software_and_cpu_count(bench):
    info = bench.machine_info()
    assert info["tensorflow"] and info["python"].count(".") == 2
    assert info["cpus"] == os.cpu_count()
