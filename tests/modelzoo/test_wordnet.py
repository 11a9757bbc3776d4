"""modelzoo.wordnet: the shipped ImageNet synsets, looked up both ways, offline."""
import pytest

from modelzoo import wordnet
from modelzoo.caffe_models import IMAGENET_LABELS_PATH


def test_ids_are_the_1000_sorted_ilsvrc_classes():
    ids = wordnet.imagenet_synset_ids()
    assert len(ids) == 1000 and len(set(ids)) == 1000
    assert ids == sorted(ids)  # ILSVRC-2012 class-index order is the sorted wnid order
    assert ids[0] == "n01440764" and ids[-1] == "n15075141"
    with open(wordnet.IMAGENET_SYNSETS_PATH, encoding="utf-8") as f:
        assert f.read().split() == ids


def test_synsets_agree_with_the_shipped_class_names():
    """Line i of the labels VGG16_caffe uses is a lemma of synset i (two sources, one order)."""
    with open(IMAGENET_LABELS_PATH, encoding="utf-8") as f:
        labels = f.read().splitlines()
    synsets = wordnet.imagenet_synsets()
    disagree = [(i, labels[i]) for i, s in enumerate(synsets)
                if labels[i].lower() not in [lemma.replace("_", " ").lower() for lemma in s.lemma_names()]]
    # torchvision's two disambiguated names of duplicated lemmas
    assert disagree == [(134, "crane bird"), (639, "maillot tank suit")]
    assert synsets[134].definition().startswith("large long-necked wading bird")
    assert synsets[517].name() == "crane.n.04"
    assert "lifts and moves heavy objects" in synsets[517].definition()


@pytest.mark.parametrize("wnid, name", [("n02099712", "labrador_retriever.n.01"), ("n01440764", "tench.n.01"),
                                        ("n02012849", "crane.n.05"), ("n15075141", "toilet_tissue.n.01")])
def test_lookups_both_ways(wnid, name):
    s = wordnet.synset_from_id(wnid)
    assert s.name() == name and s.pos() == "n" and s.offset() == int(wnid[1:])
    assert wordnet.id_from_synset(s) == wnid
    index = wordnet.imagenet_synset_ids().index(wnid)
    assert wordnet.imagenet_synset_names()[index] == name
    assert wordnet.imagenet_class_index(wnid) == wordnet.imagenet_class_index(name) == index
    assert wordnet.imagenet_class_index(s) == index


def test_every_id_round_trips():
    for wnid in wordnet.imagenet_synset_ids():
        assert wordnet.id_from_synset(wordnet.synset_from_id(wnid)) == wnid


def test_id_from_synset_takes_any_synset_like_object():
    class NltkLike:
        def pos(self):
            return "n"

        def offset(self):
            return 1234

    assert wordnet.id_from_synset(NltkLike()) == "n00001234"


def test_synset_from_description():
    assert wordnet.imagenet_synset_from_description("Labrador Retriever").name() == "labrador_retriever.n.01"
    with pytest.raises(ValueError, match="Found 2 ImageNet synsets .*crane.n.0"):
        wordnet.imagenet_synset_from_description("crane")
    with pytest.raises(ValueError, match="Could not find any ImageNet synset"):
        wordnet.imagenet_synset_from_description("unicorn")


def test_unknown_ids_and_names_are_clear_errors():
    with pytest.raises(ValueError, match="8 digits"):
        wordnet.synset_from_id("n123")
    with pytest.raises(KeyError, match="Did you mean 'tench.n.01'"):
        wordnet.imagenet_class_index("tench.n.1")
    try:  # WordNet's 'entity', not an ImageNet class: from NLTK when it has its data, else a KeyError
        assert wordnet.synset_from_id("n00001740").name() == "entity.n.01"
    except KeyError as e:
        assert "not one of the 1000 ImageNet synsets" in str(e) and "nltk.download('wordnet')" in str(e)
