"""modelzoo.nets_factory: Lucid's models_map and get_model over this project's zoo."""
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


@pytest.mark.parametrize("name, words", [("VGG16", ["Did you mean one of VGG16_caffe?"]),
                                         ("vgg16_cafe", ["Did you mean one of VGG16_caffe?"]),
                                         ("InceptionV1", ["No network named 'InceptionV1'", "Known networks: "])])
def test_unknown_names_list_close_matches_and_the_known_ones(name, words):
    with pytest.raises(ValueError) as info:
        nets_factory.get_model(name)
    for w in words:
        assert w in str(info.value)
    assert "VGG16_caffe" in str(info.value)
