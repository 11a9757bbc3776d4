"""ImageNet's WordNet synsets, shipped with the package (Lucid's `lucid.modelzoo.wordnet` names).

Models order their 1000 outputs differently; a synset id ("n02099712") or WordNet name
('labrador_retriever.n.01') names a class without ambiguity. Lucid read the ids from a URL and the
synsets from NLTK's downloaded WordNet; here the ILSVRC-2012 ids, names, lemmas and glosses are
package data (modelzoo/labels/, provenance in its README.md), so every lookup works offline.
Synsets outside ImageNet-1k come from NLTK's WordNet when that is installed with its data.
"""
import difflib
import functools
import os
import re
from typing import Any, List, NamedTuple, Tuple

_LABELS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "labels")

#: The 1000 ILSVRC-2012 synset ids in class-index order (Lucid's file name, shipped locally).
IMAGENET_SYNSETS_PATH = os.path.join(_LABELS_DIR, "ImageNet_standard_synsets.txt")
#: wnid, WordNet name, lemmas and gloss of each of them (WordNet 3.0).
IMAGENET_WORDNET_PATH = os.path.join(_LABELS_DIR, "ImageNet_synsets_wordnet.tsv")

_ID_FORMAT = re.compile(r"[nvasr]\d{8}\Z")


class Synset(NamedTuple):
    """A WordNet synset as shipped here; its methods mirror NLTK's Synset (`name()`, `pos()`,
    `offset()`, `lemma_names()`, `definition()`), so code written for Lucid's NLTK synsets runs."""

    wnid: str
    wordnet_name: str
    lemmas: Tuple[str, ...]
    gloss: str

    def name(self) -> str:
        return self.wordnet_name

    def pos(self) -> str:
        return self.wnid[0]

    def offset(self) -> int:
        return int(self.wnid[1:])

    def lemma_names(self) -> List[str]:
        return list(self.lemmas)

    def definition(self) -> str:
        return self.gloss

    def __repr__(self) -> str:
        return f"Synset('{self.wordnet_name}')"


def id_from_synset(synset: Any) -> str:
    """The ImageNet-style id of a synset ('n' + 8-digit WordNet offset): ours or NLTK's."""
    return "{}{:08}".format(synset.pos(), synset.offset())


@functools.lru_cache(maxsize=1)
def _shipped_synsets() -> Tuple[Synset, ...]:
    """The 1000 ImageNet synsets read from the package data, in class-index order."""
    synsets = []
    with open(IMAGENET_WORDNET_PATH, encoding="utf-8") as f:
        for line in f:
            wnid, name, lemmas, gloss = line.rstrip("\n").split("\t")
            synsets.append(Synset(wnid, name, tuple(lemmas.split(",")), gloss))
    return tuple(synsets)


@functools.lru_cache(maxsize=1)
def _by_id() -> dict:
    return {s.wnid: s for s in _shipped_synsets()}


def synset_from_id(id_str: str) -> Any:
    """The synset for an id such as 'n02099712'. ImageNet-1k ids come from the shipped table;
    others from NLTK's WordNet if installed (KeyError saying so when it is not)."""
    if not isinstance(id_str, str) or not _ID_FORMAT.match(id_str):
        raise ValueError(f"synset id must be a part-of-speech letter (n, v, a, s or r) and 8 digits, "
                         f"like 'n02099712'; got {id_str!r}.")
    shipped = _by_id().get(id_str)
    if shipped is not None:
        return shipped
    try:
        from nltk.corpus import wordnet as wn  # pylint: disable=import-outside-toplevel
        return wn.synset_from_pos_and_offset(id_str[0], int(id_str[1:]))
    except (ImportError, LookupError):
        pass
    raise KeyError(f"{id_str!r} is not one of the 1000 ImageNet synsets shipped with modelzoo, "
                   "and NLTK's WordNet is not available to look it up (pip install nltk, then "
                   "nltk.download('wordnet')). imagenet_synset_ids() lists the shipped ids.")


def imagenet_synset_ids() -> List[str]:
    """The 1000 ILSVRC-2012 synset ids ('n01440764', ...) in class-index order."""
    return [s.wnid for s in _shipped_synsets()]


def imagenet_synsets() -> List[Synset]:
    """The 1000 ILSVRC-2012 synsets in class-index order."""
    return list(_shipped_synsets())


def imagenet_synset_names() -> List[str]:
    """The WordNet names ('tench.n.01', ...) of the 1000 ILSVRC-2012 synsets, in class order."""
    return [s.wordnet_name for s in _shipped_synsets()]


def imagenet_class_index(synset_or_id: Any) -> int:
    """The class index (0..999) of an ImageNet synset, given as an id, a name or a synset."""
    key = synset_or_id if isinstance(synset_or_id, str) else id_from_synset(synset_or_id)
    for i, s in enumerate(_shipped_synsets()):
        if key in (s.wnid, s.wordnet_name):
            return i
    close = difflib.get_close_matches(key, imagenet_synset_names(), n=3, cutoff=0.6)
    hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
    raise KeyError(f"{key!r} is not an ImageNet-1k synset id or name.{hint}")


@functools.lru_cache()
def imagenet_synset_from_description(search_term: str) -> Synset:
    """The one ImageNet synset whose WordNet name contains `search_term` (spaces as '_', any
    case); ValueError when none or several do (listing them)."""
    if not isinstance(search_term, str) or not search_term.strip():
        raise ValueError(f"search_term must be a non-empty string, got {search_term!r}.")
    needle = search_term.lower().replace(" ", "_")
    hits = [s for s in _shipped_synsets() if needle in s.wordnet_name]
    if len(hits) == 1:
        return hits[0]
    if not hits:
        raise ValueError(f"Could not find any ImageNet synset whose name contains {search_term!r}.")
    raise ValueError(f"Found {len(hits)} ImageNet synsets with search term {search_term!r}: "
                     f"{', '.join(s.wordnet_name for s in hits)}.")
