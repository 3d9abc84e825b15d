"""Fit how the reader's say is weighed (``qa.answer.reader.ReaderSettings``) through the real
pipeline's evidence (retrieval, candidates, scores), on questions the reader never trained on:
SQuAD 1.1's four development articles (``training_data.DEV_ARTICLES``) and the SQuAD 2.0 article
held out of training (``training_data.HELD_OUT_SQUAD2``, with unanswerable questions), each
indexed alone, and the tune halves of the labelled and office sets over their corpora:

- ``weight``: of ``WEIGHTS``, the one whose combined score puts evidence first for the most
  answerable questions, the SQuAD and labelled groups counted alike (ties to the smaller);
- ``threshold`` and ``ceiling``: the reader declines an answer of confidence below ``ceiling``
  when its best probability is below ``threshold``: the pair declining the most unanswerable
  questions (per group, averaged) while each group loses at most ``MAX_LOST`` of the answerable
  questions the confidence alone answers.

    python -m qa.fit.reader.combination [--output qa/data/reader/combination.json] [--model FILE]
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.answer.reader import COMBINATION_FILE, Reading, ReaderSettings, combined, read, unfamiliar
from qa.answer.reader.model import Reader
from qa.query import PASSAGES_READ
from qa.fit.reader.training_data import DEV_ARTICLES, HELD_OUT_SQUAD2, SQUAD1_DEV, SQUAD2_TRAIN

WEIGHTS = (0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 10.0)
CEILINGS = (0.6, 0.7, 0.8, 0.9, 0.95, 1.01)  # the reader declines only below this confidence
MAX_LOST = 0.03  # of the answerable questions the confidence answers, at most this share declined, in each group
READ = 8
DATA = Path(__file__).resolve().parents[2] / "data"
LABELLED = ((DATA / "questions.jsonl", Path(__file__).resolve().parents[3] / "corpus"),
            (DATA / "office_questions.jsonl", DATA / "office"))
FITTED_ON = ("weight: SQuAD 1.1 dev articles Chloroplast, Geology, Normans, Teacher and the SQuAD 2.0 article held "
             "out of training (never trained on), and the tune halves of the labelled and office sets, each group "
             "counted alike; threshold and ceiling: the most unanswerable questions declined while each group "
             "loses at most 3 % of the answerable questions the confidence answers")


@dataclass
class Asked:
    """One question's evidence as the pipeline scored it, with the reader's say."""

    group: str  # "squad" (development articles and the held-out one) or "labelled" (tune halves)
    question: str
    answerable: bool
    scores: np.ndarray
    gold: np.ndarray  # candidate is evidence
    probabilities: dict[int, float]
    confidence: float  # the confidence without the reader
    familiar: np.ndarray  # candidate is prose (the reader may decline for it)

    def first(self, weight: float) -> int:
        return int(np.argmax(combined(self.scores, Reading(self.probabilities, {}), weight)))

    @property
    def best(self) -> float:
        return max(self.probabilities.values(), default=1.0)


def collect(assistant, items: list[tuple], group: str, reader: Reader, threshold: float, label: str,
            mode: str = "hybrid", progress: bool = True) -> list[Asked]:
    """``items``: (question, history, answerable, is_evidence(candidate)), as ``qa.fit.calibration``
    builds them; each asked of ``assistant``'s index without the reader."""
    from index.progress import progress_bar

    out = []
    for question, history, answerable, is_evidence in progress_bar(items, f"reading {label}", progress, unit="question"):
        evidence = assistant.pipeline.evidence(question, history, mode, PASSAGES_READ)
        candidates = evidence.candidates
        reading = read(reader, question, candidates, evidence.scores, READ)
        out.append(Asked(group, question, answerable, np.asarray(evidence.scores, dtype=np.float64),
                         np.array([is_evidence(c) for c in candidates], dtype=bool), reading.probabilities,
                         evidence.confidence, np.array([not unfamiliar(c) for c in candidates], dtype=bool)))
    return out


def squad_asked(path: Path, titles: list[str], reader: Reader, progress: bool = True) -> list[Asked]:
    """Every question of ``titles`` asked of an index of those articles alone."""
    from index.builder import build_index

    from qa.assistant import Assistant
    from qa.evaluate.squad import load_squad, materialise_squad_corpus
    from qa.fit.calibration import squad_items

    dataset = load_squad(path, titles)
    corpus, index_dir = materialise_squad_corpus(dataset)
    build_index(corpus, index_dir, progress=progress)
    with Assistant.open(index_dir, reader=False) as assistant:
        return collect(assistant, squad_items(list(dataset.questions)), "squad", reader,
                       assistant.answer_settings.threshold, ", ".join(titles), progress=progress)


def labelled_asked(questions: Path, corpus: Path, reader: Reader, progress: bool = True) -> list[Asked]:
    """The tune half of a labelled set asked of an index of its corpus."""
    from index.builder import build_index
    from index.generations import cache_root

    from qa.assistant import Assistant
    from qa.evaluate.datasets import load_questions
    from qa.fit.calibration import labelled_items

    index_dir = cache_root() / "reader-fit" / questions.stem
    build_index(corpus, index_dir, progress=progress)
    with Assistant.open(index_dir, reader=False) as assistant:
        asked = [q for q in load_questions(questions) if q.split == "tune"]
        return collect(assistant, labelled_items(assistant, asked), "labelled", reader,
                       assistant.answer_settings.threshold, questions.stem, progress=progress)


def first_gold(asked: list[Asked], weight: float) -> float:
    rows = [a for a in asked if a.answerable and a.gold.size]
    return float(np.mean([a.gold[a.first(weight)] for a in rows]))


def vetoed(a: Asked, weight: float, threshold: float, ceiling: float) -> bool:
    """Whether the reader declines a question the confidence alone answers."""
    return a.best < threshold and a.confidence < ceiling and bool(a.familiar[a.first(weight)])


def fit(asked: list[Asked], answer_threshold: float) -> tuple[ReaderSettings, dict]:
    groups = sorted({a.group for a in asked})
    by_group = {g: [a for a in asked if a.group == g] for g in groups}
    by_weight = {w: float(np.mean([first_gold(by_group[g], w) for g in groups])) for w in WEIGHTS}
    weight = max(WEIGHTS, key=lambda w: (round(by_weight[w], 6), -w))
    answered = [a for a in asked if a.confidence >= answer_threshold and a.probabilities]

    def shares(threshold: float, ceiling: float) -> tuple[float, float]:
        lost = max(float(np.mean([vetoed(a, weight, threshold, ceiling) for a in answered if a.answerable and a.group == g]))
                   for g in groups)
        unanswerable = [float(np.mean(rows)) for g in groups
                        if (rows := [vetoed(a, weight, threshold, ceiling) for a in answered if not a.answerable and a.group == g])]
        return lost, float(np.mean(unanswerable)) if unanswerable else 0.0

    best = (0.0, 0.0, 0.0, 0.0)  # threshold, ceiling, declined unanswerable, lost answerable
    for threshold in sorted({round(a.best, 4) for a in answered if a.answerable}):
        for ceiling in CEILINGS:
            lost, declined = shares(threshold, ceiling)
            if lost <= MAX_LOST and (declined, -lost) > (best[2], -best[3]):
                best = (threshold, ceiling, declined, lost)
    figures = {
        "first_cited_gold_by_weight": {str(w): round(v, 4) for w, v in by_weight.items()},
        "first_cited_gold_by_group": {g: {"without": round(first_gold(by_group[g], 0.0), 4),
                                          "with": round(first_gold(by_group[g], weight), 4)} for g in groups},
        "questions_by_group": {g: len(by_group[g]) for g in groups},
        "answered_unanswerable_declined_by_reader": round(best[2], 4),
        "answered_answerable_declined_by_reader_worst_group": round(best[3], 4),
    }
    fitted_on = {"data": FITTED_ON, "figures": figures}
    return ReaderSettings(read=READ, weight=weight, threshold=best[0], ceiling=best[1], fitted_on=fitted_on), figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", type=Path, default=COMBINATION_FILE)
    parser.add_argument("--model", type=Path, default=None, help="the reader to read with (default: the shipped one)")
    parser.add_argument("--questions", type=Path, default=None,
                        help="also write each question's outcome without and with the reader here (JSON lines)")
    args = parser.parse_args(argv)
    reader = Reader.load(args.model) if args.model else Reader.load()
    asked = squad_asked(SQUAD1_DEV, list(DEV_ARTICLES), reader)
    asked += squad_asked(SQUAD2_TRAIN, [t.replace("_", " ") for t in HELD_OUT_SQUAD2], reader)
    for questions, corpus in LABELLED:
        asked += labelled_asked(questions, corpus, reader)
    from qa.answer.scoring import AnswerSettings

    settings, figures = fit(asked, AnswerSettings.load().threshold)
    settings.save(args.output)
    if args.questions:
        with args.questions.open("w", encoding="utf-8") as out:
            for a in asked:
                out.write(json.dumps({"group": a.group, "question": a.question, "answerable": a.answerable,
                                      "first_gold_without": bool(a.gold.size and a.gold[a.first(0.0)]),
                                      "first_gold_with": bool(a.gold.size and a.gold[a.first(settings.weight)]),
                                      "confidence": round(a.confidence, 4), "reader_best": round(a.best, 4),
                                      "declined_by_reader": vetoed(a, settings.weight, settings.threshold,
                                                                   settings.ceiling)}) + "\n")
    print(json.dumps(figures, indent=2))
    print(f"weight {settings.weight}, threshold {settings.threshold:.4f}, ceiling {settings.ceiling} -> {args.output}")


if __name__ == "__main__":
    main()
