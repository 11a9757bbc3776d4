"""Spatial image parameterisations: raw pixels, a decayed Fourier spectrum, a Laplacian pyramid."""
import warnings

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import tensorflow as tf
from tensorflow.types.experimental import TensorLike

from lucid_vgg.optvis.param import _checks
from lucid_vgg.optvis.param.lowres import lowres_tensor
from lucid_vgg.optvis.param.variables import make_variable, rng


def pixel_image(shape: Sequence[int], sd: float | None = None,
                init_val: npt.ArrayLike | None = None) -> tf.Tensor:
    """One variable per pixel, ``shape`` = [batch, h, w, ch]; normal(0, sd=0.01) or ``init_val``."""
    shape = _checks.image_size(_checks.shape4(shape))
    if sd is not None and init_val is not None:
        warnings.warn("pixel_image got both init_val and sd; sd is ignored in favour of init_val.")
    if init_val is None:
        sd = _checks.positive_number(sd, "sd", allow_none=True) or 0.01
        init_val = rng().normal(size=shape, scale=sd).astype(np.float32)
    else:
        init_val = np.asarray(init_val, np.float32)
        if init_val.shape != shape:
            raise ValueError(f"init_val has shape {init_val.shape} but shape is {shape}")
    return tf.convert_to_tensor(make_variable(init_val, name="pixel_image"))


def rfft2d_freqs(h: int, w: int) -> np.ndarray:
    """Frequency magnitude of each rfft2d coefficient of an h x w image (odd w keeps one extra column)."""
    h = _checks.positive_int(h, "h")
    w = _checks.positive_int(w, "w")
    fy = np.fft.fftfreq(h)[:, None]
    fx = np.fft.fftfreq(w)[: w // 2 + 1 + w % 2]
    return np.sqrt(fx * fx + fy * fy)


def spectrum_scale(h: int, w: int, decay_power: float = 1) -> np.ndarray:
    """Lucid's per-frequency scale ``sqrt(h*w) / max(f, 1/max(h, w))**decay_power``."""
    freqs = rfft2d_freqs(h, w)
    scale = 1.0 / np.maximum(freqs, 1.0 / max(w, h)) ** decay_power
    return scale * np.sqrt(w * h)


def fft_image(shape: Sequence[int], sd: float | None = None,
              decay_power: float = 1) -> tf.Tensor:
    """Image whose variables are 2-D Fourier coefficients, scaled so low frequencies dominate.

    The spectrum is scaled to be roughly unitary (``sqrt(h*w)``), inverted with irfft2d,
    cropped for odd sizes and divided by 4, exactly as in Lucid.
    """
    batch, h, w, ch = _checks.image_size(_checks.shape4(shape))
    sd = _checks.positive_number(sd, "sd", allow_none=True) or 0.01
    scale = spectrum_scale(h, w, decay_power).astype(np.float32)
    init_val = rng().normal(size=(2, batch, ch) + scale.shape, scale=sd).astype(np.float32)
    spectrum_var = tf.convert_to_tensor(make_variable(init_val, name="fft_spectrum"))
    spectrum = tf.complex(spectrum_var[0] * scale, spectrum_var[1] * scale)
    # irfft2d's default length 2*(fw-1) is w (even) or w+1 (odd, cropped below); 1 for w == 1
    length = [h, max(2 * (scale.shape[1] - 1), w)]
    image = tf.transpose(tf.signal.irfft2d(spectrum, fft_length=length), (0, 2, 3, 1))
    image = image[:batch, :h, :w, :ch]
    return image / 4.0


def laplacian_pyramid_image(shape: Sequence[int], n_levels: int = 4,
                            sd: float | None = None) -> tf.Tensor:
    """Sum of ``n_levels`` lowres tensors at 1, 1/2, 1/4, ... resolution (a Laplacian pyramid)."""
    shape = _checks.shape4(shape)
    n_levels = _checks.positive_int(n_levels, "n_levels")
    batch_dims = shape[:-3]
    h, w, ch = shape[-3:]
    pyramid = 0
    for n in range(n_levels):
        k = 2 ** n
        low = batch_dims + (max(h // k, 1), max(w // k, 1), ch)
        pyramid += lowres_tensor(shape, low, sd=sd)
    return pyramid


def bilinearly_sampled_image(texture: TensorLike, uv: TensorLike) -> tf.Tensor:
    """Sample a [th, tw, c] texture at per-pixel UV in [0, 1] (OpenGL GL_REPEAT + GL_LINEAR rules)."""
    texture = tf.convert_to_tensor(texture, tf.float32)
    uv = tf.convert_to_tensor(uv, tf.float32)
    h, w = tf.unstack(tf.shape(texture)[:2])
    u, v = tf.split(uv, 2, axis=-1)
    v = 1.0 - v  # GL's v axis points up
    u = u * tf.cast(w, tf.float32) - 0.5
    v = v * tf.cast(h, tf.float32) - 0.5
    u0, u1 = tf.math.floor(u), tf.math.ceil(u)
    v0, v1 = tf.math.floor(v), tf.math.ceil(v)
    uf, vf = u - u0, v - v0
    u0, u1, v0, v1 = (tf.cast(x, tf.int32) for x in (u0, u1, v0, v1))

    def sample(uu: tf.Tensor, vv: tf.Tensor) -> tf.Tensor:
        return tf.gather_nd(texture, tf.concat([vv % h, uu % w], axis=-1))

    s0 = sample(u0, v0) * (1.0 - vf) + sample(u0, v1) * vf
    s1 = sample(u1, v0) * (1.0 - vf) + sample(u1, v1) * vf
    return s0 * (1.0 - uf) + s1 * uf


def naive(shape: Sequence[int], sd: float | None = None) -> tf.Tensor:
    """Deprecated Lucid name for ``pixel_image``."""
    warnings.warn("`naive` has been renamed `pixel_image`.", DeprecationWarning)
    return pixel_image(shape, sd)


def laplacian_pyramid(shape: Sequence[int], n_levels: int = 4,
                      sd: float | None = None) -> tf.Tensor:
    """Deprecated Lucid name for ``laplacian_pyramid_image``."""
    warnings.warn("`laplacian_pyramid` has been renamed `laplacian_pyramid_image`.",
                  DeprecationWarning)
    return laplacian_pyramid_image(shape, n_levels=n_levels, sd=sd)


def sample_bilinear(texture: TensorLike, uv: TensorLike) -> tf.Tensor:
    """Deprecated Lucid name for ``bilinearly_sampled_image``."""
    warnings.warn("`sample_bilinear` has been renamed `bilinearly_sampled_image`.",
                  DeprecationWarning)
    return bilinearly_sampled_image(texture, uv)
