"""Render presets: the fast setting's step count, optimizer, finishing steps without transforms,
and how render_vis (eager and graph mode), the recipes and the CLI take it; Lucid's setting stays
the default."""
import json

import numpy as np
import pytest
import tensorflow as tf

from lucid_vgg import cli
from lucid_vgg.optvis import param, presets, render, transform

OBJ = "conv2_1/conv2_1:1"


@pytest.mark.parametrize("steps,expected", [(512, 170), (3, 1), (2, 1), (1, 1), (1000, 333)])
def test_fast_steps_is_a_third_rounded_down_at_least_one(steps, expected):
    assert presets.fast_steps(steps) == expected
    assert presets.fast_steps(steps) * 3 <= max(steps, 3)


@pytest.mark.parametrize("steps", [0, -5, 2.5, True, "512", 1_000_001])
def test_fast_steps_rejects_what_is_not_a_step_count(steps):
    with pytest.raises(ValueError, match=r"steps must be an int in \[1, 1,000,000\]"):
        presets.fast_steps(steps)


def test_fast_optimizer_makes_a_fresh_adam_at_the_fast_rate_then_lucids():
    make = presets.fast_optimizer(512)
    a, b = make(), make()
    assert a is not b and type(a).__name__ == "Adam"
    main = presets.fast_steps(512) - presets.finish_steps(512)
    assert (presets.fast_steps(512), presets.finish_steps(512), main) == (170, 30, 140)
    rate = a.learning_rate  # read at the optimizer's own step count
    assert float(rate) == pytest.approx(presets.FAST_LEARNING_RATE)
    a.iterations.assign(main - 1)
    assert float(a.learning_rate) == pytest.approx(presets.FAST_LEARNING_RATE)
    a.iterations.assign(main)
    assert float(a.learning_rate) == pytest.approx(presets.FINISH_LEARNING_RATE)
    assert a.get_config()["epsilon"] == pytest.approx(1e-8)


def test_recipe_settings_lucid_keeps_everything_and_fast_sets_all_three():
    assert presets.recipe_settings("lucid", 512) == {"optimizer": None, "transforms": None,
                                                     "steps": 512}
    fast = presets.recipe_settings("fast", 512)
    assert fast["steps"] == 170 and callable(fast["optimizer"]) and len(fast["transforms"]) == 1
    with pytest.raises(ValueError, match="preset must be one of 'lucid', 'fast'; got 'quick'"):
        presets.recipe_settings("quick", 512)


def test_fast_transforms_stop_for_the_finishing_steps(tiny_model):
    """The transforms act until the finish, then the step sees the image as it is: with a
    transform that hides the image (a constant), the objective is flat until the finish starts
    and the step is still traced once."""
    hide = [lambda x: x * 0.0 + 0.5]
    finish_at = 3
    vis = render.make_vis_T(tiny_model, OBJ, lambda: param.image(16),
                            transforms=[transform.until_step(finish_at, hide)], seed=0)
    losses = [float(vis.step()) for _ in range(6)]
    # flat to float rounding (oneDNN may run the same conv with another kernel on a later call)
    np.testing.assert_allclose(losses[:finish_at], losses[0], rtol=1e-5)
    moved = [abs(loss - losses[0]) / abs(losses[0]) for loss in losses[finish_at:]]
    assert min(moved) > 1e-3 and len(set(losses[finish_at:])) > 1, moved
    assert vis.trace_count == 1


def test_fast_transforms_in_graph_mode_as_in_eager(tiny_model):
    """Lucid's TF1 frame gets the same schedule from its global step (each mode's default Adam:
    a Keras optimizer does not run in graph mode)."""
    kw = dict(transforms=presets.fast_transforms(60), thresholds=(presets.fast_steps(60) - 1,),
              use_fixed_seed=2, verbose=False)
    want = render.render_vis(tiny_model, OBJ, lambda: param.image(16), **kw)[-1]
    with tf.Graph().as_default():
        got = render.render_vis(tiny_model, OBJ, lambda: param.image(16), **kw)[-1]
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


def test_render_vis_with_the_fast_preset_runs_a_third_of_the_steps(tiny_model):
    seen = []
    images = render.render_vis(tiny_model, OBJ, lambda: param.image(16), verbose=False,
                               use_fixed_seed=0, callback=lambda i, img, vis: seen.append(i),
                               **presets.fast(9))
    assert len(images) == 1 and images[0].shape == (1, 16, 16, 3)
    assert max(seen) == 3


def test_fast_preset_moves_the_image_further_per_step_than_lucids(tiny_model):
    """Same seed, same steps: the larger learning rate changes the image more (what the preset
    trades on); both start from the same image."""
    def image(optimizer, steps):
        return render.render_vis(tiny_model, OBJ, lambda: param.image(16), optimizer=optimizer,
                                 thresholds=(steps,), verbose=False, use_fixed_seed=0)[-1]
    start = image(None, 0)
    lucid, fast = image(None, 4), image(presets.fast_optimizer(512), 4)
    assert np.abs(fast - start).mean() > 2 * np.abs(lucid - start).mean()


def test_render_layer_cli_fast_preset_records_its_optimizer_and_steps(tiny_model, tmp_path):
    pb = tmp_path / "tiny.pb"
    pb.write_bytes(tiny_model.graph_def.SerializeToString())
    out = tmp_path / "grid"
    argv = ["render-layer", "conv1_1/conv1_1", str(out), "--units", "0-1", "--size", "12",
            "--steps", "6", "--preset", "fast", "--quiet", "--model-path", str(pb)]
    assert cli.main(argv) == 0
    rows = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]
    settings = rows[-1]["settings"]
    assert settings["steps"] == 2
    assert settings["optimizer"]["fn"] == "lucid_vgg.optvis.presets.fast_optimizer"
    # the learning rates are part of the description: other rates never reuse these units
    rates = settings["optimizer"]["config"]["learning_rate"]["config"]
    assert rates["values"] == pytest.approx([presets.FAST_LEARNING_RATE,
                                             presets.FINISH_LEARNING_RATE])
    assert settings["transforms"][0]["fn"] == "lucid_vgg.optvis.transform.until_step"


@pytest.mark.parametrize("argv,message", [
    (["--preset", "slow"], "argument --preset: invalid choice: 'slow'"),
    (["--preset", "fast", "--steps", "0"], "steps must be an int in [1, 1,000,000], got 0"),
])
@pytest.mark.parametrize("command", [["render-layer", "conv1_1/conv1_1"], ["render-model"]])
def test_bad_preset_arguments_exit_2(command, argv, message, tmp_path, capsys):
    code = None
    try:
        code = cli.main(command + [str(tmp_path / "out")] + argv)
    except SystemExit as e:  # argparse's own errors
        code = e.code
    assert code == 2 and message in capsys.readouterr().err
