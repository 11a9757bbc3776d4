"""Render presets: the fast setting's step count, optimizer and how render_vis, the recipes and the
CLI take it; Lucid's setting stays the default."""
import json

import numpy as np
import pytest

from lucid_vgg import cli
from lucid_vgg.optvis import param, presets, render

OBJ = "conv2_1/conv2_1:1"


@pytest.mark.parametrize("steps,expected", [(512, 170), (3, 1), (2, 1), (1, 1), (1000, 333)])
def test_fast_steps_is_a_third_rounded_down_at_least_one(steps, expected):
    assert presets.fast_steps(steps) == expected
    assert presets.fast_steps(steps) * 3 <= max(steps, 3)


@pytest.mark.parametrize("steps", [0, -5, 2.5, True, "512", 1_000_001])
def test_fast_steps_rejects_what_is_not_a_step_count(steps):
    with pytest.raises(ValueError, match=r"steps must be an int in \[1, 1,000,000\]"):
        presets.fast_steps(steps)


def test_fast_optimizer_is_a_fresh_adam_at_the_fast_rate_each_call():
    a, b = presets.fast_optimizer(), presets.fast_optimizer()
    assert a is not b and type(a).__name__ == "Adam"
    assert float(a.learning_rate) == pytest.approx(presets.FAST_LEARNING_RATE)
    assert a.get_config()["epsilon"] == pytest.approx(1e-8)


def test_recipe_settings_lucid_keeps_steps_and_default_optimizer():
    assert presets.recipe_settings("lucid", 512) == {"optimizer": None, "steps": 512}
    assert presets.recipe_settings("fast", 512) == {"optimizer": presets.fast_optimizer, "steps": 170}
    with pytest.raises(ValueError, match="preset must be one of 'lucid', 'fast'; got 'quick'"):
        presets.recipe_settings("quick", 512)


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
    lucid, fast = image(None, 4), image(presets.fast_optimizer, 4)
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
    # the learning rate is part of the description: another rate never reuses these units
    assert settings["optimizer"]["config"]["learning_rate"] == pytest.approx(presets.FAST_LEARNING_RATE)


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
