"""benchmarks/fast_schedules.py: the schedule names it accepts and the learning rates they give."""
import numpy as np
import pytest

from benchmark_scripts import benchmark_module


@pytest.fixture(scope="module")
def fs():
    return benchmark_module("fast_schedules")


def _rates(settings, steps):
    """The optimizer's learning rate at the given update counts (Keras keeps the schedule in
    `_learning_rate`; the public `learning_rate` is the current value)."""
    schedule = settings["optimizer"]()._learning_rate  # pylint: disable=protected-access
    return np.array([float(schedule(i)) for i in steps])


def test_current_is_the_fast_preset(fs):
    settings = fs.schedule("current", 170)
    assert settings["thresholds"] == (170,) and "transforms" in settings
    np.testing.assert_allclose(_rates(settings, [0, 139, 140, 169]), [0.3, 0.3, 0.15, 0.15])


def test_decay_keeps_the_transforms_and_drops_the_rate(fs):
    settings = fs.schedule("decay_0.6_0.05", 170)
    assert "transforms" not in settings and settings["thresholds"] == (170,)
    np.testing.assert_allclose(_rates(settings, [0, 101, 102, 169]), [0.3, 0.3, 0.05, 0.05])


def test_cosine_runs_from_0_3_to_its_final_rate(fs):
    rates = _rates(fs.schedule("cos_0.02", 170), [0, 85, 170])
    np.testing.assert_allclose(rates, [0.3, 0.16, 0.02], rtol=1e-5)


@pytest.mark.parametrize("name", ["bogus", "decay_0.5", "cos", "cos_1_2"])
def test_unknown_schedule_names_the_forms_allowed(fs, name):
    with pytest.raises(ValueError, match="decay_<fraction>_<rate>"):
        fs.schedule(name, 170)
