"""What a render shows while it runs: a one-line progress bar on a terminal, and the images at
each threshold when running in a notebook."""
import sys
import time
from typing import IO, Optional

import numpy as np

from lucid_vgg.misc.io import showing


class ProgressBar:
    """A one-line progress bar on a stream (no dependencies); redraws at most 10 times/s."""

    def __init__(self, total: int, stream: Optional[IO[str]] = None, width: int = 30) -> None:
        self.total, self.width = total, width
        self.stream: IO[str] = stream or sys.stderr
        self.start = time.perf_counter()
        self.last = 0.0

    def update(self, done: int, value: Optional[float] = None, force: bool = False) -> None:
        now = time.perf_counter()
        if not force and now - self.last < 0.1 and done < self.total:
            return
        self.last = now
        frac = done / self.total if self.total else 1.0
        fill = int(round(frac * self.width))
        rate = (now - self.start) / done * 1000 if done else 0.0
        val = "" if value is None else f"  objective {value:.4g}"
        self.stream.write(f"\r[{'#' * fill}{'.' * (self.width - fill)}] {done}/{self.total}"
                          f"  {rate:.0f} ms/step{val}")
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\n")
        self.stream.flush()


def show_in_notebook(images: np.ndarray) -> None:
    """Show a batch of images side by side when running in a notebook; do nothing elsewhere."""
    if showing.in_notebook():
        showing.show(np.hstack(list(images)))
