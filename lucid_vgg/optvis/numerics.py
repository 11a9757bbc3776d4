"""What a render says when its numbers stop being finite: `RenderNumericalError`, naming the step,
the likely cause and a fix, and carrying the images reached before."""
from typing import Any, Optional, Sequence

import numpy as np

from lucid_vgg.optvis.render_parts import short_repr


class RenderNumericalError(FloatingPointError):
    """A render produced a NaN or inf objective value or image; raised by `run_vis`.

    Attributes: `step` (0-based step index where it showed), `value` (the bad loss, or None for
    an image), `images` (the finite images of the thresholds reached before; nothing is lost).
    """

    def __init__(self, message: str, step: Optional[int] = None, value: Any = None,
                 images: Sequence[np.ndarray] = ()) -> None:
        super().__init__(message)
        self.step, self.value, self.images = step, value, list(images)

    @staticmethod
    def _what(x: Any) -> str:
        x = np.asarray(x)
        return "NaN" if np.isnan(x).any() else "infinite"

    @classmethod
    def for_loss(cls, vis: Any, i: int, n_steps: int, loss: Any, last_good: Any,
                 images: Sequence[np.ndarray]) -> "RenderNumericalError":
        """The error for a non-finite objective value at step `i` (diverged, or bad from the start)."""
        name = getattr(vis.objective_f, "description", "") or getattr(vis.objective_f, "name", "")
        head = (f"render stopped at step {i} of {n_steps}: the objective {name!r} is "
                f"{cls._what(loss)} (value {short_repr(np.asarray(loss).tolist())})")
        if last_good is None:
            cause = ("on the starting image, before any update: the objective itself is not finite "
                     "there. Likely cause: the objective divides by zero or takes the log/sqrt of "
                     "zero or a negative number (e.g. a ratio of two objectives whose denominator "
                     "is 0); check it with model.get_activations on a plain image.")
        else:
            cause = (f"after {i} finite steps (last value {float(np.sum(last_good)):.4g}): the "
                     "optimisation diverged. Likely causes: a NaN/inf gradient (the objective "
                     "divides by zero or takes sqrt/log near 0 for some images; add an epsilon), "
                     "a learning rate too high (try optimizer=tf.keras.optimizers.Adam(0.01)), or "
                     "a parameterisation that is not bounded (e.g. pixel_image without a sigmoid; "
                     "use param.image or to_valid_rgb).")
        return cls(f"{head} {cause} Images reached before are in this error's .images.",
                   step=i, value=loss, images=images)

    @classmethod
    def for_image(cls, vis: Any, i: int, n_steps: int, image: np.ndarray,
                  images: Sequence[np.ndarray]) -> "RenderNumericalError":
        """The error for a non-finite image at threshold step `i` although the objective was finite."""
        return cls(f"render stopped at step {i} of {n_steps}: the image is {cls._what(image)} "
                   "although the objective was finite. Likely cause: the parameterisation "
                   "(param_f) overflows or is not bounded, or a constraint/projection produced "
                   "NaN; build images with param.image / to_valid_rgb (a sigmoid keeps them in "
                   "[0, 1]). Images reached before are in this error's .images.",
                   step=i, images=images)
