"""recipes.image_activations: the activations of one resized photo, layer by layer, against
the model's own get_activations and a NumPy reference of the first convolution."""
import numpy as np
import pytest
import tensorflow as tf

from lucid_vgg.recipes import image_activations as ia

L11, L21 = "conv1_1/conv1_1", "conv2_1/conv2_1"


@pytest.fixture(scope="module")
def photo():
    return np.random.default_rng(0).uniform(0, 1, (40, 48, 3)).astype(np.float32)


def test_default_layers_are_the_conv_layers_at_model_size(tiny_model, photo):
    acts = ia.image_activations(tiny_model, photo)
    assert list(acts) == [layer.name for layer in tiny_model.layers]
    assert acts[L11].shape == (32, 32, 8) and acts[L21].shape == (16, 16, 16)
    assert acts["conv3_1/conv3_1"].shape == (8, 8, 32)


def test_values_match_get_activations_and_a_numpy_convolution(tiny_model, photo):
    acts = ia.image_activations(tiny_model, photo, [L11, L21 + ":0"])
    assert list(acts) == [L11, L21 + ":0"]  # keys as given
    resized = tf.image.resize(photo, (32, 32), antialias=True).numpy().clip(0, 1)
    np.testing.assert_allclose(acts[L21 + ":0"], tiny_model.get_activations(resized[None], L21)[0],
                               rtol=1e-5, atol=1e-5)
    # conv1_1 by hand: BGR, mean-subtracted 0..255 input, 3x3 SAME convolution, bias, ReLU
    kernel, bias = tiny_model.weights[0]["conv1_1"]
    from modelzoo.vision_base import IMAGENET_MEAN_BGR

    x = np.pad(resized[..., ::-1] * 255.0 - IMAGENET_MEAN_BGR, ((1, 1), (1, 1), (0, 0)))
    ref = sum(x[dy:dy + 32, dx:dx + 32] @ kernel[dy, dx] for dy in range(3) for dx in range(3))
    np.testing.assert_allclose(acts[L11], np.maximum(ref + bias, 0), rtol=1e-3, atol=1e-3)


def test_size_uint8_and_manifest(tiny_model, photo):
    as_uint8 = (photo * 255).round().astype(np.uint8)
    acts = ia.image_activations(tiny_model, as_uint8, L21, size=(16, 24))
    assert acts[L21].shape == (8, 12, 16)
    manifest = ia.manifest_image_activations(tiny_model, photo, layer_names=[L11])
    assert manifest["type"] == "image-activations" and manifest["took"] >= 0
    [value] = manifest["values"]
    assert value["layer_name"] == L11 and value["shape"] == (32, 32, 8)


def test_bad_layers_and_photos_are_refused(tiny_model, photo):
    with pytest.raises(KeyError, match="Did you mean"):
        ia.image_activations(tiny_model, photo, ["conv2_l/conv2_1"])
    with pytest.raises(ValueError, match="layer_names is empty"):
        ia.image_activations(tiny_model, photo, [])
    with pytest.raises(ValueError, match="img / 255"):
        ia.image_activations(tiny_model, photo * 255)
