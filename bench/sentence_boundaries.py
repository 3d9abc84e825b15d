"""Sentence-boundary F1 on hand-annotated passages of the real documentation folders.

``qa/data/sentence_boundaries.jsonl`` holds passages of ../shared/corpora (poetry-docs,
peps), each as its consecutive sentences copied exactly from the file. A splitter's
boundaries (every sentence start and end) are compared with the annotated ones inside the
annotated sentences (code blocks and reST underlines are not annotated, so boundaries there
count for neither side). Splitters: this checkout's ``sentence_spans``, the one of a git
revision (``--baseline REV``, default 4d3ca98, the line-per-sentence splitter), and spaCy's
rule-based ``sentencizer`` for reference.

    python -m bench.sentence_boundaries [--baseline REV] [--json]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "qa" / "data" / "sentence_boundaries.jsonl"
CORPORA = ROOT.parent / "shared" / "corpora"


def gold_passages() -> list[tuple[str, list[tuple[int, int]]]]:
    """(file text, annotated sentence spans) per passage."""
    passages = []
    for line in GOLD.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        text = (CORPORA / record["doc"]).read_text(encoding="utf-8")
        spans, cursor = [], 0
        for sentence in record["sentences"]:
            start = text.index(sentence, cursor)
            spans.append((start, start + len(sentence)))
            cursor = start + len(sentence)
        passages.append((text, spans))
    return passages


def boundary_scores(split, passages) -> dict:
    """Precision, recall and F1 of ``split(text, start, end)``'s boundaries."""
    found = expected = matched = 0
    for text, spans in passages:
        region = (spans[0][0], spans[-1][1])
        gold = {offset for span in spans for offset in span}
        inside = [span for span in spans]

        def annotated(offset: int) -> bool:
            return any(a <= offset <= b for a, b in inside)

        predicted = {offset for span in split(text, *region) for offset in span if annotated(offset)}
        found, expected, matched = found + len(predicted), expected + len(gold), matched + len(predicted & gold)
    precision, recall = matched / found if found else 0.0, matched / expected if expected else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4), "boundaries": expected}


def splitter_at(revision: str):
    """``sentence_spans`` of ``index/sentences.py`` as it was at ``revision``."""
    source = subprocess.run(["git", "-C", str(ROOT), "show", f"{revision}:index/sentences.py"],
                            capture_output=True, text=True, check=True).stdout
    path = Path(tempfile.mkdtemp()) / f"sentences_{revision}.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return lambda text, start, end: list(module.sentence_spans(text, start, end))


def spacy_sentencizer():
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")

    def split(text: str, start: int, end: int):
        return [(start + s.start_char, start + s.end_char) for s in nlp(text[start:end]).sents if s.text.strip()]
    return split


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default="4d3ca98")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    from index.sentences import sentence_spans

    passages = gold_passages()
    rows = {
        f"line boundaries ({args.baseline})": boundary_scores(splitter_at(args.baseline), passages),
        "layout units (this checkout)": boundary_scores(lambda t, a, b: list(sentence_spans(t, a, b)), passages),
        "spaCy sentencizer": boundary_scores(spacy_sentencizer(), passages),
    }
    sentences = sum(len(spans) for _, spans in passages)
    if args.json:
        print(json.dumps({"passages": len(passages), "sentences": sentences, "splitters": rows}))
        return
    print(f"{len(passages)} passages, {sentences} annotated sentences\n")
    print("| splitter | boundary precision | recall | F1 |\n|---|---|---|---|")
    for name, row in rows.items():
        print(f"| {name} | {row['precision']} | {row['recall']} | {row['f1']} |")


if __name__ == "__main__":
    sys.exit(main())
