"""render_model on a real local Ray cluster (127.0.0.1, 2 CPUs, started by this module): the same
files as in-process, a worker that dies mid-batch (its batch is retried, every unit written
once), resume, the CLI's --ray-address HOST:PORT, the worker/GPU arithmetic."""
import json
import os
import signal
import subprocess
import sys

import numpy as np
import pytest

from lucid_vgg.recipes import model_renders as rm
from lucid_vgg.recipes import ray_executor
from lucid_vgg.recipes._common import load_png

ray = pytest.importorskip("ray", reason="the `ray` extra: pip install -e '.[ray]'")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
L11 = "conv1_1/conv1_1"
FAST = dict(size=16, steps=2, transforms=[], batch_size=2, layers=[L11])


def rows_of(out):
    with open(os.path.join(out, "manifest.jsonl"), encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def crash_once(marker):
    """An identity transform that SIGKILLs its worker process the first time any worker traces it
    (the marker file makes it once per job, across processes): a worker lost mid-batch."""
    def inner(t):
        try:
            fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return t
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)
        os.kill(os.getpid(), signal.SIGKILL)  # no clean-up, as the OOM killer or `kill -9`
    return inner


def test_ray_render_matches_in_process_and_resumes(cluster, tiny_model, tmp_path):
    url = (tmp_path / "ray_out").as_uri()  # Ray's driver writes through fsspec's file://
    info = rm.render_model(tiny_model, url, units=[0, 1, 2, 3], ray_address=cluster,
                           ray_workers=2, seed=0, **FAST)
    assert info.rendered == 4 and info.batches == 2
    local = tmp_path / "local_out"
    rm.render_model(tiny_model, str(local), units=[0, 1, 2, 3], seed=0, **FAST)
    ray_rows, local_rows = rows_of(tmp_path / "ray_out"), rows_of(local)
    assert sorted(r["file"] for r in ray_rows) == sorted(r["file"] for r in local_rows)
    assert {r["settings_key"] for r in ray_rows} == {r["settings_key"] for r in local_rows}
    for r in ray_rows:  # same seeds, same graph: the same pictures (up to float round-off)
        a = load_png(os.path.join(tmp_path, "ray_out", r["file"]))
        b = load_png(os.path.join(local, r["file"]))
        assert np.abs(a - b).mean() < 0.02, r["file"]
    again = rm.render_model(tiny_model, url, units=[0, 1, 2, 3], ray_address=cluster, seed=0,
                            **FAST)
    assert again.rendered == 0 and again.reused == 4 and len(rows_of(tmp_path / "ray_out")) == 4


def test_killed_worker_batch_is_retried_and_written_once(cluster, tiny_model, tmp_path):
    marker = str(tmp_path / "crashed")
    out = str(tmp_path / "out")
    kw = dict(FAST, transforms=[crash_once(marker)])
    info = rm.render_model(tiny_model, out, units=list(range(6)), ray_address=cluster,
                           ray_workers=2, **kw)
    assert os.path.exists(marker)  # a worker really died mid-batch
    with open(marker) as f:
        assert int(f.read()) != os.getpid()  # ...and it was a Ray worker, not this process
    rows = rows_of(out)
    assert info.rendered == 6 and len(rows) == 6
    assert sorted(r["unit"] for r in rows) == list(range(6))  # every unit exactly once
    files = sorted(os.listdir(os.path.join(out, "conv1_1", "positive")))
    assert files == [f"{u:04d}.png" for u in range(6)]  # no temp files left behind


def test_cli_ray_address_host_port(cluster, tiny_model, tmp_path):
    pb = tmp_path / "tiny.pb"
    pb.write_bytes(tiny_model.graph_def.SerializeToString())
    out = str(tmp_path / "cli")
    cmd = [sys.executable, "-m", "lucid_vgg", "render-model", out, "--model-path", str(pb),
           "--layers", L11, "--units", "0-1", "--size", "16", "--steps", "1",
           "--ray-address", cluster, "--ray-workers", "1"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "rendered 2, reused 0" in done.stderr
    assert len(rows_of(out)) == 2


def test_worker_plan():
    assert ray_executor.worker_plan({"CPU": 8.0}, None, 2) == (4, 0)
    assert ray_executor.worker_plan({"CPU": 8.0, "GPU": 2.0}, None, 1) == (2, 1)
    assert ray_executor.worker_plan({"CPU": 2.0}, 3, 1) == (3, 0)
    with pytest.raises(ValueError, match="one GPU"):
        ray_executor.worker_plan({"CPU": 8.0, "GPU": 1.0}, 2, 1)
    with pytest.raises(ValueError, match="more than the cluster"):
        ray_executor.worker_plan({"CPU": 2.0}, None, 4)
