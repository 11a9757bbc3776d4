"""Fault tests: numerical blow-ups, interrupted renders and batch jobs, killed writers, and the
weights cache under concurrency/corruption (those last ones live in test_weights_cache.py and
test_download.py; see the index at the end of tests/test_bad_input_catalogue.py)."""
import os
import random
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
import tensorflow as tf

from lucid_vgg.optvis import objectives, param, render
from lucid_vgg.optvis.param.variables import make_variable, rng

HERE = os.path.dirname(os.path.abspath(__file__))
C21 = "conv2_1/conv2_1"
ENV = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")


def unbounded_pixels(size=8):
    def param_f():
        return tf.convert_to_tensor(make_variable(rng().normal(size=(1, size, size, 3)).astype(np.float32)))
    return param_f


def sq_input():
    return objectives.Objective(lambda T: tf.reduce_sum(T("input") ** 2), "sq", "sq")


# -- 4. numerical faults ----------------------------------------------------------------------
def test_nan_objective_at_start_names_step_and_cause(tiny_model):
    obj = objectives.channel(C21, 1) / (0 * objectives.channel(C21, 2))
    with pytest.raises(render.RenderNumericalError) as e:
        render.render_vis(tiny_model, obj, lambda: param.image(16), transforms=[], thresholds=(3,),
                          verbose=False)
    assert isinstance(e.value, FloatingPointError)
    msg = str(e.value)
    assert "step 0 of 4" in msg and "starting image" in msg and "divides by zero" in msg
    assert e.value.step == 0 and e.value.images == []


def test_divergence_names_step_learning_rate_and_bounds_and_keeps_images(tiny_model):
    # maximise -|x|^2 with SGD(100): x <- -199 x each step, unbounded pixels overflow float32
    with pytest.raises(render.RenderNumericalError) as e:
        render.render_vis(tiny_model, -1 * sq_input(), unbounded_pixels(),
                          optimizer=tf.keras.optimizers.SGD(100.0), transforms=[],
                          thresholds=(1, 60), verbose=False)
    msg = str(e.value)
    assert f"step {e.value.step} of 61" in msg and 2 <= e.value.step < 60
    for words in ("diverged", "learning rate too high", "not bounded", "finite steps"):
        assert words in msg
    assert len(e.value.images) == 1 and np.all(np.isfinite(e.value.images[0]))  # threshold 1 kept


def test_nan_gradient_is_caught_one_step_later(tiny_model):
    # loss finite (sqrt(0) = 0) but its gradient at 0 is inf -> NaN variables -> NaN loss next step
    obj = objectives.Objective(lambda T: tf.sqrt(tf.reduce_sum(T("input") * 0.0)), "sqrt0", "sqrt0")
    with pytest.raises(render.RenderNumericalError) as e:
        render.render_vis(tiny_model, obj + 0.0 * sq_input(), unbounded_pixels(), transforms=[],
                          thresholds=(10,), verbose=False)
    assert e.value.step == 1 and "after 1 finite steps" in str(e.value)


def test_non_finite_image_at_threshold(tiny_model):
    # the loss ignores the NaN entries (stop_gradient-free mask), but the image is NaN
    def param_f():
        v = make_variable(np.zeros((1, 8, 8, 3), np.float32))
        return tf.convert_to_tensor(v) + tf.constant(np.where(np.arange(3) == 2, np.nan, 0.0),
                                                     tf.float32)
    obj = objectives.Objective(lambda T: tf.reduce_sum(T("input")[..., :2] ** 2), "rg", "rg")
    with pytest.raises(render.RenderNumericalError, match="the image is NaN .*param_f"):
        render.render_vis(tiny_model, obj, param_f, transforms=[], thresholds=(0,), verbose=False)


def test_finite_render_is_unaffected(tiny_model):
    imgs = render.render_vis(tiny_model, f"{C21}:1", lambda: param.image(16), transforms=[],
                             thresholds=(2,), verbose=False)
    assert np.all(np.isfinite(imgs[0]))
