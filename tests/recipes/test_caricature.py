"""recipes.caricature (feature inversion): shapes, ranges, that the match improves, a saved
model folder end to end, and one real VGG16 inversion."""
import json
import os

import numpy as np
import pytest
import tensorflow as tf

from lucid_vgg.recipes import caricature as car

L21, L31 = "conv2_1/conv2_1", "conv3_1/conv3_1"


@pytest.fixture(scope="module")
def photo():
    from skimage import data

    return data.chelsea()[::8, ::8]  # uint8, 38 x 57: resized by the recipe


def _objective_trace(model, photo, layers, n_steps, **kw):
    values = []
    out = car.feature_inversion(photo, model, layers, n_steps=n_steps, size=32, verbose=False,
                                use_fixed_seed=0, callback=lambda i, loss, vis: values.append(float(np.sum(loss))),
                                **kw)
    return out, np.array(values)


def test_dot_compare_matches_numpy():
    acts = np.random.default_rng(0).normal(size=(3, 4, 4, 5)).astype(np.float32)
    T = lambda name: tf.constant(acts)  # noqa: E731
    for pow_ in (0.0, 1.0, 2.0):
        dot = float(np.sum(acts[0] * acts[2]))
        cos = max(0.1, dot / (1e-6 + np.sqrt(np.sum(acts[2] ** 2))))
        got = float(car.dot_compare("x", batch=2, cossim_pow=pow_)(T))
        assert got == pytest.approx(dot * cos ** pow_, rel=1e-5)


def test_feature_inversion_keeps_the_photo_and_its_loss_falls(tiny_model, photo):
    out, values = _objective_trace(tiny_model, photo, [L21, L31], 40)
    assert out.shape == (3, 32, 32, 3) and out.dtype == np.float32
    assert np.all(np.isfinite(out)) and out.min() >= 0 and out.max() <= 1
    # entry 0 is the photo itself, resized to 32 x 32 and left untouched by the optimiser
    expected = tf.image.resize(photo / 255.0, (32, 32), antialias=True).numpy().clip(0, 1)
    np.testing.assert_allclose(out[0], expected, atol=1e-5)
    # loss = -objective: the objective (the match with the photo) rises well above its start
    assert values[-5:].mean() > 2 * values[:3].mean() > 0
    # untransformed too, the image matches the photo at conv3_1 far better than where it started
    start, _ = _objective_trace(tiny_model, photo, [L21, L31], 1)
    acts = tiny_model.get_activations(np.concatenate([out, start[2:]]), L31).reshape(4, -1)
    assert acts[0] @ acts[2] > 1.5 * (acts[0] @ acts[3])


def test_caricature_one_layer_cossim_and_the_alias(tiny_model, photo):
    out, values = _objective_trace(tiny_model, photo, L21, 6, cossim_pow=2.0)
    assert out.shape == (2, 32, 32, 3) and len(values) == 6
    same = car.caricature(photo, tiny_model, L21, n_steps=6, size=32, verbose=False,
                          use_fixed_seed=0, cossim_pow=2.0)
    np.testing.assert_array_equal(out, same)  # feature_inversion is caricature


def test_caricature_verbose_lists_each_layer(tiny_model, photo, capsys):
    car.caricature(photo, tiny_model, [L21], n_steps=1, size=32, transforms=[])
    assert L21 in capsys.readouterr().out


def test_caricature_checks_before_rendering(tiny_model, photo):
    with pytest.raises(KeyError, match="conv2_1/conv2_1"):
        car.feature_inversion(photo, tiny_model, "conv2_1/conv2_7", n_steps=1)
    with pytest.raises(TypeError, match="layer must be"):
        car.feature_inversion(photo, tiny_model, 3, n_steps=1)
    with pytest.raises(ValueError, match="n_steps must be a positive integer"):
        car.feature_inversion(photo, tiny_model, L21, n_steps=0)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        car.feature_inversion(photo * 2.0, tiny_model, L21, n_steps=1)


def test_make_caricature_writes_images_and_results(tiny_model, tmp_path):
    from helpers import write_manifest
    from lucid_vgg.misc import io as mio
    from modelzoo.util import save_graphdef

    folder = tmp_path / "model"
    folder.mkdir()
    save_graphdef(tiny_model.graph_def, str(folder / "graph.pb"))
    layers = [{"name": name, "depth": depth, "tags": ["conv"]} for name, depth in ((L21, 16), (L31, 32))]
    write_manifest(str(folder / "manifest.json"), "./graph.pb", "input", [32, 32, 3], [-117, 138],
                   layers=layers, is_BGR=True)
    photo_path = tmp_path / "cat.png"
    mio.save(np.random.default_rng(0).uniform(0, 1, (40, 40, 3)), str(photo_path))
    out = tmp_path / "out"
    results = car.make_caricature(str(photo_path), str(folder), str(out), n_steps=2, size=32)
    assert results["type"] == "caricature" and os.path.isfile(results["input_image"])
    assert [os.path.isfile(v["url"]) for v in results["values"]] == [True] * len(results["values"])
    assert [os.path.basename(v["url"]) for v in results["values"]] == ["conv2_1.jpg", "conv3_1.jpg"]
    assert json.loads((out / "results.json").read_text())["values"][0]["shape"] == [32, 32, 3]


@pytest.mark.weights
@pytest.mark.slow
def test_feature_inversion_on_vgg16_rises():
    from skimage import data

    from modelzoo import vision_models as models

    model = models.VGG16_caffe()
    out, values = _objective_trace(model, data.chelsea(), ["conv3_1/conv3_1"], 24)
    assert out.shape == (2, 32, 32, 3)
    assert values[-4:].mean() > 1.5 * values[:2].mean() > 0
    assert out[1].std() > 0.03  # a picture, not flat grey
