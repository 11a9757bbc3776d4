"""Fixtures the recipe tests share: a real local Ray cluster for the Ray executor's tests."""
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TESTS = os.path.join(ROOT, "tests")


@pytest.fixture(scope="module")
def cluster():
    """A local Ray cluster on 127.0.0.1 (2 CPUs) whose workers import this checkout and
    tests/conftest (the tiny model's class); yields its address; shut down after the module."""
    ray = pytest.importorskip("ray", reason="the `ray` extra: pip install -e '.[ray]'")
    if ray.is_initialized():
        ray.shutdown()
    saved = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (ROOT, TESTS, saved) if p)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False,
             _node_ip_address="127.0.0.1")
    yield ray.get_runtime_context().gcs_address
    ray.shutdown()
    if saved is None:
        os.environ.pop("PYTHONPATH", None)
    else:
        os.environ["PYTHONPATH"] = saved
