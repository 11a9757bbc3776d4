"""Render presets: Lucid's defaults, and a fast setting that runs a third of their steps.

Lucid renders with Adam at learning rate 0.05 for 512 steps, every step through the standard
transforms. The fast setting runs a third of the steps: Adam at learning rate 0.3 with the same
parameterisation, transforms and 16-step redirected-ReLU warm-up, then, for its last
`FAST_FINISH_FRACTION` of the steps, Adam at 0.15 without the transforms, so the image is
finished as it is shown (`transform.until_step`). `benchmarks/time_to_quality.py` compares its
final activation with Lucid's, untransformed and under Lucid's transforms (BENCHMARKS.md section
9: it ends higher on the first and lower on the second). Defaults stay Lucid's:

    render.render_vis(model, "conv4_1:0", **presets.fast())          # 170 steps
    recipes.render_layer(model, "conv5_1", out, **presets.recipe_settings("fast", 512))
    lucid-vgg render-layer conv5_1 out/ --preset fast
"""
from typing import TYPE_CHECKING, Any, Callable, Dict, List

from .limits import MAX_STEPS

if TYPE_CHECKING:  # TensorFlow is imported when a preset is used (the CLI imports this early)
    import tensorflow as tf

#: Adam's learning rate in the fast setting's main part (Lucid's default: 0.05).
FAST_LEARNING_RATE = 0.3
#: Adam's learning rate in the fast setting's finishing steps.
FINISH_LEARNING_RATE = 0.15
#: The fast setting runs this fraction of the steps it is given (rounded down, at least 1).
FAST_STEP_DIVISOR = 3
#: The fraction of the fast setting's steps run at the end without the transforms.
FAST_FINISH_FRACTION = 0.18
#: Names accepted by the command line's --preset.
PRESETS = ("lucid", "fast")


def fast_steps(steps: int = 512) -> int:
    """The fast setting's step count for a render that Lucid's setting runs for `steps` steps."""
    if isinstance(steps, bool) or not isinstance(steps, int) or not 1 <= steps <= MAX_STEPS:
        raise ValueError(f"steps must be an int in [1, {MAX_STEPS:,}], got {steps!r}.")
    return max(1, steps // FAST_STEP_DIVISOR)


def finish_steps(steps: int = 512) -> int:
    """How many of the fast setting's steps (for Lucid's `steps`) run without the transforms."""
    return int(fast_steps(steps) * FAST_FINISH_FRACTION)


def _main_steps(steps: int) -> int:
    """The fast setting's steps before its finish (with transforms, at the fast rate)."""
    return fast_steps(steps) - finish_steps(steps)


def fast_optimizer(steps: int = 512) -> Callable[[], "tf.keras.optimizers.Optimizer"]:
    """A function making a fresh Adam (epsilon 1e-8, as Lucid's TF1 Adam) for the fast setting
    of a `steps`-step Lucid render: learning rate 0.3, then 0.15 for the finishing steps.

    A function rather than an instance, so that each render, batch or Ray worker gets its own
    optimizer state, and the manifest describes the setting by its name and `main` steps."""
    main = _main_steps(steps)

    def inner() -> "tf.keras.optimizers.Optimizer":
        import tensorflow as tf

        # the schedule sees the count of earlier updates: 0.3 for updates 0..main-1
        rate = tf.keras.optimizers.schedules.PiecewiseConstantDecay(
            [main - 1], [FAST_LEARNING_RATE, FINISH_LEARNING_RATE])
        return tf.keras.optimizers.Adam(learning_rate=rate, epsilon=1e-8)

    return inner


def fast_transforms(steps: int = 512) -> List[Callable]:
    """Lucid's standard transforms for all but the fast setting's finishing steps."""
    from . import transform

    return [transform.until_step(_main_steps(steps), transform.standard_transforms)]


def fast(steps: int = 512) -> Dict[str, Any]:
    """`render_vis` keywords for the fast setting: optimizer, transforms and thresholds."""
    return {"optimizer": fast_optimizer(steps), "transforms": fast_transforms(steps),
            "thresholds": (fast_steps(steps),)}


def recipe_settings(preset: str, steps: int) -> Dict[str, Any]:
    """`optimizer`, `transforms` and `steps` keywords for the recipes (render_layer,
    render_model, ...) under `preset`: Lucid's (None, None, `steps`) or the fast setting's;
    ValueError for another name."""
    if preset not in PRESETS:
        raise ValueError(f"preset must be one of {', '.join(map(repr, PRESETS))}; got {preset!r}.")
    if preset == "fast":
        return {"optimizer": fast_optimizer(steps), "transforms": fast_transforms(steps),
                "steps": fast_steps(steps)}
    return {"optimizer": None, "transforms": None, "steps": steps}
