"""A parameterisation for interpolating between every pair of N objectives with aligned frames
(Lucid's `recipes.image_interpolation_params.multi_interpolation_basis`).

Frame i of the pair (a, b) is `C + (1 - s_i) X_a + s_i X_b + m_i I_ab` with s_i = i / (M - 1):
C is shared by all frames, X_n is objective n's own image, and I_ab a pair-specific term that
is zero on the end frames (m_0 = m_{M-1} = 0) and shared reversed by (b, a). Every term is a sum
of `param.lowres_tensor`s, so neighbouring frames share coarse structure. This construction
makes the documented properties hold exactly; Lucid's code did not (its end frames mixed in
the other objective's terms, and its mirror term indexed `[N - n]` for `[n]`).
"""
from typing import List

import tensorflow as tf

from lucid_vgg.optvis.param import _checks

__all__ = ["multi_interpolation_basis"]


def _multiscale(shape: List[int], scales: List[int], frames: int = 0) -> tf.Tensor:
    """Sum of lowres tensors of `shape` whose spatial axes are 1/k as fine, k in `scales`; with
    `frames` > 0 the leading (frame) axis has that many underlying samples."""
    from lucid_vgg.optvis.param import lowres_tensor

    spatial = len(shape) - 3
    terms = []
    for k in scales:
        low = list(shape)
        low[spatial] = max(1, shape[spatial] // k)
        low[spatial + 1] = max(1, shape[spatial + 1] // k)
        if frames:
            low[0] = frames
        terms.append(lowres_tensor(shape, low))
    return tf.add_n(terms)


def multi_interpolation_basis(n_objectives: int = 6, n_interp_steps: int = 5, width: int = 128,
                              channels: int = 3) -> tf.Tensor:
    """A [n_objectives, n_objectives, n_interp_steps, width, width, channels] tensor t of images
    to interpolate between each pair of objectives, with aligned frames:

        t[a, b] == t[b, a, ::-1]        (the pair read backwards)
        t[a, b, 0] == t[a, c, 0]        (every interpolation from a starts at a's image)
        t[a, a, i] == t[a, a, j]        (from a to a nothing changes)

    The values are unbounded (like Lucid's); map frames to images e.g. with
    `param.color.to_valid_rgb(tf.reshape(t, [-1, width, width, channels]), decorrelate=True)`.
    Call it inside a `param_f` so that render_vis owns its variables.
    """
    N = _checks.positive_int(n_objectives, "n_objectives")
    M = _checks.positive_int(n_interp_steps, "n_interp_steps")
    W = _checks.positive_int(width, "width")
    Ch = _checks.positive_int(channels, "channels")
    if M < 2:
        raise ValueError(f"n_interp_steps must be at least 2 (the two end frames), got {M}")
    const_term = tf.reshape(_multiscale([W, W, Ch], [1, 2, 4, 8]), [1, 1, 1, W, W, Ch])
    own = [_multiscale([W, W, Ch], [1, 2, 4, 8]) for _ in range(N)]
    s = tf.reshape(tf.linspace(0.0, 1.0, M), [M, 1, 1, 1])
    interior = tf.reshape(tf.constant([0.0] + [1.0] * (M - 2) + [0.0]), [M, 1, 1, 1])
    pair = {}
    for a in range(N):
        for b in range(a + 1, N):
            pair[a, b] = interior * _multiscale([M, W, W, Ch], [1, 2], frames=M)
    zero = tf.zeros([M, W, W, Ch])
    rows = []
    for a in range(N):
        row = []
        for b in range(N):
            extra = pair[a, b] if a < b else pair[b, a][::-1] if a > b else zero
            row.append((1.0 - s) * own[a] + s * own[b] + extra)
        rows.append(tf.stack(row))
    return tf.stack(rows) + const_term
