"""How often the chunker splits a paragraph, on SciFact train (an abstract is one paragraph)
and the SQuAD set (one file per article, paragraphs as blocks), from their cached indexes.

    .venv/bin/python -m bench.paragraph_splits   (after `corpusqa eval` built both indexes)"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from index.chunking import ChunkerSettings
from index.generations import current_generation
from index.store import RECORDS_FILE, RecordStore
from qa.evaluate.datasets import load_beir, materialise_beir_corpus
from qa.evaluate.squad import load_squad, materialise_squad_corpus

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "datasets"


def split_share(store: RecordStore, paragraphs_of, lengths: dict[str, int]) -> str:
    """Paragraphs, how many are split over several chunks (and how many of those are shorter
    than a chunk), and chunks that span several paragraphs."""
    pieces, spanning = Counter(), 0
    for chunk in store.chunks(list(range(store.size))):
        covered = paragraphs_of(chunk)
        spanning += len(covered) > 1
        pieces.update(covered)
    split = [p for p, n in pieces.items() if n > 1]
    short = sum(lengths[p] <= ChunkerSettings().target_chars for p in split)
    return (f"{len(pieces)} paragraphs, {len(split)} split ({len(split) / len(pieces):.1%}; {short} of them "
            f"shorter than a chunk), {store.size} chunks, {spanning} spanning several paragraphs")


def main() -> None:
    beir = load_beir(SHARED / "scifact-train", "train")
    _, beir_index = materialise_beir_corpus(beir)
    store = RecordStore(current_generation(beir_index) / RECORDS_FILE)
    lengths = {doc: len(re.sub(r"^# .*\n\n", "", store.document(doc).text).strip()) for doc in set(store.row_docs())}
    print("SciFact train (an abstract is one paragraph):", split_share(store, lambda c: [c.doc], lengths))
    squad = load_squad(SHARED / "squad2-train-10" / "train-v2.0-10-articles.json")
    _, squad_index = materialise_squad_corpus(squad)
    store = RecordStore(current_generation(squad_index) / RECORDS_FILE)
    lengths = {f"{a.doc}#{i}": end - start for a in squad.articles for i, (start, end) in enumerate(a.paragraphs)}
    print("SQuAD:", split_share(store, lambda c: squad.paragraph_of(c.doc, c.start, c.end), lengths))


if __name__ == "__main__":
    main()
