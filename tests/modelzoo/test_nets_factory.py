"""modelzoo.nets_factory: Lucid's models_map and get_model over this project's zoo."""
import numpy as np
import pytest

from modelzoo import nets_factory, vision_models
from modelzoo.caffe_models import VGG16_caffe
from modelzoo.vision_base import FrozenGraphModel, Model, SerializedModel


def test_models_map_holds_the_zoo_entries_not_the_base_classes():
    assert nets_factory.models_map["VGG16_caffe"] is VGG16_caffe
    for base in (Model, SerializedModel, FrozenGraphModel):
        assert base not in nets_factory.models_map.values()
    assert all(issubclass(c, Model) for c in nets_factory.models_map.values())
    assert set(nets_factory.models_map) <= set(vision_models.__all__)


def test_get_model_returns_a_fresh_instance():
    model = nets_factory.get_model("VGG16_caffe")
    assert isinstance(model, VGG16_caffe) and model == VGG16_caffe()
    assert model is not nets_factory.get_model("VGG16_caffe")
    assert model.layers[0].name == "conv1_1/conv1_1"  # no graph loaded just by asking for the model
    assert model._graph_def is None


@pytest.mark.parametrize("name, words", [
    ("VGG16", ["Did you mean one of VGG16_caffe?"]),
    ("vgg16_cafe", ["Did you mean one of VGG16_caffe?"]),
    ("InceptionV1", ["No network named 'InceptionV1'", "Known networks: "])])
def test_unknown_names_list_close_matches_and_the_known_ones(name, words):
    with pytest.raises(ValueError) as info:
        nets_factory.get_model(name)
    for w in words:
        assert w in str(info.value)
    assert "VGG16_caffe" in str(info.value)


# -- Lucid's zoo-class attributes that the factory's models carry --------------------------------
def test_vgg16_synsets_follow_its_labels():
    model = VGG16_caffe()
    assert len(model.synset_ids) == len(model.labels) == 1000
    assert model.synset_ids[208] == "n02099712" and model.synsets[208].name() == "labrador_retriever.n.01"
    assert model.labels[208] == "Labrador retriever"


def test_json_names_and_lucid_layer_attributes():
    model = VGG16_caffe()
    layer = model.get_layer("conv4_1/conv4_1")
    assert model.to_json() == "VGG16_caffe" and layer.to_json() == "conv4_1/conv4_1"
    assert layer.size == layer["size"] == layer.depth == 512
    assert layer.model_name == "VGG16_caffe"


def test_frozen_graph_model_from_a_manifest_dict(tiny_model, tmp_path, rng_images):
    """Lucid's FrozenGraphModel(model_directory, manifest): './graph.pb' lies in the directory."""
    (tmp_path / "graph.pb").write_bytes(tiny_model.graph_def.SerializeToString())
    manifest = {"model_path": "./graph.pb", "input_name": "input", "image_shape": [32, 32, 3],
                "image_value_range": [[-103.939, -116.779, -123.68], [151.061, 138.221, 131.32]],
                "is_BGR": True, "labels_path": "labels.txt",
                "layers": [{"name": "conv2_1/conv2_1", "depth": 16, "tags": ["conv"]}]}
    model = FrozenGraphModel(str(tmp_path), manifest)
    assert isinstance(model, FrozenGraphModel) and isinstance(model, SerializedModel)
    assert model.model_path == str(tmp_path / "graph.pb") and model.labels_path == "labels.txt"
    assert model.manifest == manifest and model.layer_names == ["conv2_1/conv2_1"]
    np.testing.assert_allclose(model.get_activations(rng_images, "conv2_1/conv2_1"),
                               tiny_model.get_activations(rng_images, "conv2_1/conv2_1"), rtol=1e-5)
    with pytest.raises(ValueError, match="lacks \\['input_name'\\]"):
        FrozenGraphModel(str(tmp_path), {k: v for k, v in manifest.items() if k != "input_name"})


def test_lucid_modelzoo_paths_import():
    """Each Lucid modelzoo module path this port has, and the package's lazy conveniences."""
    import importlib  # pylint: disable=import-outside-toplevel
    import modelzoo  # pylint: disable=import-outside-toplevel

    names = {"nets_factory": ["models_map", "get_model"],
             "get_activations": ["get_activations", "get_activations_iter"],
             "aligned_activations": ["PATH_TEMPLATE", "PAGE_SIZE", "NUMBER_OF_AVAILABLE_SAMPLES",
                                     "NUMBER_OF_PAGES", "get_aligned_activations", "layer_covariance",
                                     "layer_inverse_covariance", "push_activations"],
             "wordnet": ["IMAGENET_SYNSETS_PATH", "id_from_synset", "synset_from_id", "imagenet_synset_ids",
                         "imagenet_synsets", "imagenet_synset_from_description"],
             "vision_models": ["Model", "Layer", "VGG16_caffe"],
             "vision_base": ["Model", "Layer", "SerializedModel", "FrozenGraphModel", "IMAGENET_MEAN",
                             "IMAGENET_MEAN_BGR"],
             "caffe_models": ["VGG16_caffe"]}
    for module, attrs in names.items():
        mod = importlib.import_module(f"modelzoo.{module}")
        assert [a for a in attrs if not hasattr(mod, a)] == [], module
    assert modelzoo.get_model is nets_factory.get_model and modelzoo.models_map is nets_factory.models_map
    assert modelzoo.FrozenGraphModel is FrozenGraphModel
    assert callable(modelzoo.get_activations.get_activations)  # the module, as at Lucid's path
