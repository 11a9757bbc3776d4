"""Could fewer multiplications beat TensorFlow's conv? Winograd F(2x2,3x3) from TensorFlow ops.

    python benchmarks/winograd_tf_ops.py [--calls 10]

Winograd's F(2x2,3x3) computes a 3x3 convolution with 2.25x fewer multiplications: 4x4 input
tiles are transformed (adds only), multiplied channel-wise as 16 batched matmuls with the
transformed weights, and transformed back. TensorFlow's oneDNN build offers no Winograd
convolution, so this builds it from TensorFlow ops (strided slices, adds, one batched matmul)
and times it against `tf.nn.conv2d` on VGG's 3x3 shapes at a 140 px render, forward and with the
input gradient (what a render step runs), and prints the relative error of its result.
"""
import numpy as np

from _bench import make_parser, median_seconds  # before TensorFlow
import tensorflow as tf

SHAPES = [(4, 140, 64, 64), (4, 70, 128, 128), (4, 35, 256, 256)]
_G = np.array([[1, 0, 0], [.5, .5, .5], [.5, -.5, .5], [0, 0, 1]], np.float32)


def winograd_weights(w: np.ndarray) -> tf.Tensor:
    """[3, 3, C, K] weights as the 16 [C, K] matrices G w G^T of F(2x2,3x3)."""
    u = np.einsum("ai,ijck,bj->abck", _G, w, _G)
    return tf.constant(u.reshape(16, w.shape[2], w.shape[3]))


def _input_rows(d0, d1, d2, d3):
    """B^T applied along one axis of four stride-2 slices."""
    return [d0 - d2, d1 + d2, d2 - d1, d1 - d3]


def winograd_conv(x: tf.Tensor, u: tf.Tensor) -> tf.Tensor:
    """3x3 convolution of x [N, H, W, C] ("SAME", stride 1) with `winograd_weights` u."""
    n, h, w, c = x.shape
    th, tw = (h + 1) // 2, (w + 1) // 2
    xp = tf.pad(x, [[0, 0], [1, 2 * th + 1 - h], [1, 2 * tw + 1 - w], [0, 0]])
    tiles = []
    for row in _input_rows(*[xp[:, i:i + 2 * th:2] for i in range(4)]):
        tiles += _input_rows(*[row[:, :, j:j + 2 * tw:2] for j in range(4)])
    m = tf.matmul(tf.reshape(tf.stack(tiles), [16, n * th * tw, c]), u)
    m = tf.reshape(m, [4, 4, n, th, tw, -1])
    rows = [m[0] + m[1] + m[2], m[1] - m[2] - m[3]]  # A^T along the tile rows, then columns
    out = tf.stack([tf.stack([r[0] + r[1] + r[2], r[1] - r[2] - r[3]], axis=3) for r in rows], axis=2)
    return tf.reshape(out, [n, 2 * th, 2 * tw, -1])[:, :h, :w]


def _with_input_gradient(conv, x):
    """A traced step: conv(), a loss on it, and the gradient to its input x."""
    @tf.function
    def step():
        with tf.GradientTape() as tape:
            y = conv()
            loss = tf.reduce_sum(y * y)
        return tape.gradient(loss, x)
    return step


def compare(shape, calls: int) -> dict:
    """ms per call of direct and Winograd convolution, forward and with the input gradient."""
    b, px, c, k = shape
    rng = np.random.default_rng(0)
    x = tf.Variable(rng.normal(size=(b, px, px, c)).astype(np.float32))
    w = (rng.normal(size=(3, 3, c, k)) / 30).astype(np.float32)
    w_t, u = tf.constant(w), winograd_weights(w)
    direct = tf.function(lambda: tf.nn.conv2d(x, w_t, 1, "SAME"))
    wino = tf.function(lambda: winograd_conv(x, u))
    ref = direct()
    out = {"shape": shape, "rel_error": float(tf.reduce_max(tf.abs(ref - wino())) / tf.reduce_max(tf.abs(ref)))}
    for name, f in [("direct", direct), ("winograd", wino),
                    ("direct+grad", _with_input_gradient(direct, x)),
                    ("winograd+grad", _with_input_gradient(wino, x))]:
        out[name] = 1000 * median_seconds(f, calls, warmup=3)
    return out


def main(argv=None) -> None:
    p = make_parser(__doc__)
    p.add_argument("--calls", type=int, default=10)
    args = p.parse_args(argv)
    print("| shape (b, px, cin->cout) | direct | Winograd | direct + input grad | Winograd + input grad | rel. error |")
    print("|---|---|---|---|---|---|")
    for shape in SHAPES:
        r = compare(shape, args.calls)
        print(f"| {shape} | {r['direct']:.1f} | {r['winograd']:.1f} | {r['direct+grad']:.1f} | "
              f"{r['winograd+grad']:.1f} | {r['rel_error']:.1e} |", flush=True)


if __name__ == "__main__":
    main()
