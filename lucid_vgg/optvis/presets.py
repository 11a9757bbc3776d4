"""Render presets: Lucid's defaults, and a fast setting that reaches their result in a third of
the steps.

Lucid renders with Adam at learning rate 0.05 for 512 steps. The fast setting keeps everything
else (parameterisation, transforms, the 16-step redirected-ReLU warm-up) and runs Adam at
learning rate 0.3 for a third of the steps; `benchmarks/time_to_quality.py` measures how close its
final activation comes to Lucid's (BENCHMARKS.md, "Time to quality"). Defaults stay Lucid's:

    render.render_vis(model, "conv4_1:0", **presets.fast())          # 170 steps, Adam 0.3
    recipes.render_layer(model, "conv5_1", out, optimizer=presets.fast_optimizer,
                         steps=presets.fast_steps(512))
    lucid-vgg render-layer conv5_1 out/ --preset fast
"""
from typing import TYPE_CHECKING, Any, Dict

from .limits import MAX_STEPS

if TYPE_CHECKING:  # TensorFlow is imported when an optimizer is made (the CLI imports this early)
    import tensorflow as tf

#: Adam's learning rate in the fast setting (Lucid's default: 0.05).
FAST_LEARNING_RATE = 0.3
#: The fast setting runs this fraction of the steps it is given (rounded down, at least 1).
FAST_STEP_DIVISOR = 3
#: Names accepted by the command line's --preset.
PRESETS = ("lucid", "fast")


def fast_optimizer() -> "tf.keras.optimizers.Optimizer":
    """A fresh Adam at the fast setting's learning rate (epsilon 1e-8, as Lucid's TF1 Adam).

    A function rather than an instance, so that each render, batch or Ray worker gets its own
    optimizer state and the manifest can describe the setting by name."""
    import tensorflow as tf

    return tf.keras.optimizers.Adam(learning_rate=FAST_LEARNING_RATE, epsilon=1e-8)


def fast_steps(steps: int = 512) -> int:
    """The fast setting's step count for a render that Lucid's setting runs for `steps` steps."""
    if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= MAX_STEPS:
        raise ValueError(f"steps must be an int in [1, {MAX_STEPS:,}], got {steps!r}.")
    return max(1, steps // FAST_STEP_DIVISOR)


def fast(steps: int = 512) -> Dict[str, Any]:
    """`render_vis` keywords for the fast setting: optimizer and thresholds."""
    return {"optimizer": fast_optimizer, "thresholds": (fast_steps(steps),)}


def recipe_settings(preset: str, steps: int) -> Dict[str, Any]:
    """`optimizer` and `steps` keywords for the recipes (render_layer, render_model, ...) under
    `preset`: Lucid's (None, `steps`) or the fast setting's; ValueError for another name."""
    if preset not in PRESETS:
        raise ValueError(f"preset must be one of {', '.join(map(repr, PRESETS))}; got {preset!r}.")
    if preset == "fast":
        return {"optimizer": fast_optimizer, "steps": fast_steps(steps)}
    return {"optimizer": None, "steps": steps}
