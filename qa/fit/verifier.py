"""Labelled claims for the verifier, built from SQuAD: a question turned into a statement with
its gold answer, cited to its own paragraph (supported), to a neighbouring paragraph that does
not hold the answer (unsupported), or with another question's answer (unsupported). The
thresholds are fitted on the "fit" articles and measured on the "report" ones."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from qa.evaluate.answers import FIT, REPORT, article_split
from qa.evaluate.labelled import normalise_answer
from qa.records import Hit
from qa.evaluate.squad import SquadArticle, SquadDataset
from qa.generate.answer_check import AnswerCheck
from qa.generate.facts import missing_facts
from qa.generate.verification import Verifier, VerifierSettings, content_overlap

SUPPORTED, OTHER_PASSAGE, WRONG_ANSWER, MISPLACED = "supported", "other passage", "wrong answer", "misplaced answer"
KINDS = (SUPPORTED, OTHER_PASSAGE, WRONG_ANSWER, MISPLACED)
TARGET_PRECISION = 0.97  # fitted for; the issue asks >= 0.95 on articles not fitted on
_WH = re.compile(r"^\s*(?:(?:in|on|at|by|for|from|to|of|during|after|before|with)\s+)?"
                 r"(?:what|which|who|whom|whose|when|where|why|how(?:\s+(?:many|much|long|old|far|often|large|big))?)"
                 r"\b(?:\s+(?:did|does|do|is|was|are|were|has|have|had))?\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Claim:
    text: str
    question: str
    passage: Hit
    kind: str  # SUPPORTED, OTHER_PASSAGE or WRONG_ANSWER
    article: str

    @property
    def supported(self) -> bool:
        return self.kind == SUPPORTED


def as_statement(question: str, answer: str) -> str:
    """"When did Beyonce start becoming popular?" + "in the late 1990s" ->
    "Beyonce start becoming popular in the late 1990s." (crude, but it states the answer in the
    question's words, as a generated sentence would)."""
    rest = _WH.sub("", question.strip().rstrip("?").strip(), count=1)
    text = f"{rest} {answer}".strip() if rest != question.strip().rstrip("?") else f"{rest}: {answer}"
    return text[:1].upper() + text[1:].rstrip(".") + "."


def labelled_claims(dataset: SquadDataset, per_article: int = 60) -> list[Claim]:
    """Up to ``per_article`` answerable questions of each article (evenly spaced), each giving
    one supported claim and, where one can be built, one claim of each unsupported kind."""
    claims: list[Claim] = []
    for article in dataset.articles:
        questions = [q for q in dataset.questions if q.doc == article.doc and q.answerable]
        step = max(1, len(questions) // per_article)
        chosen = questions[::step][:per_article]
        for i, q in enumerate(chosen):
            number = int(q.paragraph.rsplit("#", 1)[1])
            own = _passage(article, number)
            answer = q.answers[0]
            statement = as_statement(q.question, answer)
            claims.append(Claim(statement, q.question, own, SUPPORTED, article.title))
            other = _passage(article, (number + 1) % len(article.paragraphs))
            if not any(normalise_answer(a) in normalise_answer(other.text) for a in q.answers):
                claims.append(Claim(statement, q.question, other, OTHER_PASSAGE, article.title))
            wrong = _wrong_answer(answer, [c.answers[0] for c in chosen[i + 1:] + chosen[:i]], own.text)
            if wrong:
                claims.append(Claim(as_statement(q.question, wrong), q.question, own, WRONG_ANSWER, article.title))
            misplaced = _misplaced_answer(q, questions)
            if misplaced:
                claims.append(Claim(as_statement(q.question, misplaced), q.question, own, MISPLACED, article.title))
    return claims


def _passage(article: SquadArticle, number: int) -> Hit:
    start, end = article.paragraphs[number]
    text = article.text[start:end]
    return Hit(1, f"{article.doc}#{number}", article.doc, article.title, "", start, end, 0, 0, 0.0, None, None, text)


def _wrong_answer(answer: str, others: list[str], passage: str) -> str | None:
    """Another question's answer of the same shape (numeric or not) that the passage lacks."""
    numeric = any(ch.isdigit() for ch in answer)
    for other in others:
        if any(ch.isdigit() for ch in other) == numeric and normalise_answer(other) not in normalise_answer(passage):
            return other
    return None


def _misplaced_answer(question, questions) -> str | None:
    """The answer to another question about the same paragraph: stated there, but not the
    answer to this one (the hardest kind: every word is in the passage)."""
    gold = {normalise_answer(a) for a in question.answers}
    for other in questions:
        answer = other.answers[0]
        if other.paragraph == question.paragraph and not any(
                normalise_answer(answer) in g or g in normalise_answer(answer) for g in gold):
            return answer
    return None


@dataclass
class ClaimScores:
    claims: list[Claim]
    facts_stated: np.ndarray  # bool per claim: its numbers and names are in the passage
    new_stated: np.ndarray  # share of its content words beyond the question's in the passage
    similarity: np.ndarray  # best cosine with a sentence window of the passage
    overlap: np.ndarray  # best content-word recall
    answers_asked: np.ndarray  # bool per claim: no reader answer it leaves out (all True without the reader)

    def kept(self, support: str, settings: VerifierSettings) -> np.ndarray:
        threshold = settings.min_similarity if support == "similarity" else settings.min_overlap
        return self.facts_stated & (self.new_stated >= settings.min_new_stated) & \
            (getattr(self, support) >= threshold) & self.answers_asked


def score_claims(claims: list[Claim], dense: Verifier, lexical: Verifier,
                 answer_check: AnswerCheck | None = None) -> ClaimScores:
    """Each claim's checks before thresholds (the verifiers are built with thresholds 0)."""
    return ClaimScores(
        claims, np.array([not missing_facts(c.text, c.passage.text) for c in claims]),
        np.array([content_overlap(c.text, c.passage.text, lexical.tokenize, c.question) for c in claims]),
        np.array([_best(dense, c) for c in claims]), np.array([_best(lexical, c) for c in claims]),
        np.array([answer_check is None or answer_check.contradicts(c.text, c.question, [c.passage.text]) is None
                  for c in claims]))


def _best(verifier: Verifier, claim: Claim) -> float:
    return verifier.check_sentence(claim.text, (1,), [claim.passage], claim.question).support


def fit_thresholds(scores: ClaimScores, support: str, mask: np.ndarray, target: float = TARGET_PRECISION,
                   new_stated: float | None = None) -> tuple[float, float]:
    """Thresholds (support, new words) that keep supported claims of ``mask`` at ``target``
    precision or better, within one point of the best recall: the most tolerant new-words
    threshold (a real answer paraphrases more than these claims do), then the highest support
    threshold."""
    supported = np.array([c.supported for c in scores.claims])
    values = getattr(scores, support)
    thresholds = np.unique(np.round(values[mask], 2))
    seconds = [new_stated] if new_stated is not None else [round(float(x), 2) for x in np.arange(0.0, 1.001, 0.05)]
    usable = []  # (second, threshold, recall)
    for second in seconds:
        base = mask & scores.facts_stated & (scores.new_stated >= second - 1e-9)
        for threshold in thresholds:
            kept = base & (values >= threshold)
            if kept.any() and supported[kept].mean() >= target:
                usable.append((second, float(threshold), float(kept[supported & mask].mean())))
    if not usable:
        return float(values.max()), 1.0
    best = max(recall for *_, recall in usable)
    good = [u for u in usable if u[2] >= best - 0.01]
    second = min(u[0] for u in good)
    return max(u[1] for u in good if u[0] == second), second


def measure(scores: ClaimScores, support: str, settings: VerifierSettings, split: dict[str, str], half: str) -> dict:
    """Precision and recall of keeping claims on one half of the articles, and per kind."""
    chosen = np.array([split[c.article] == half for c in scores.claims])
    supported = np.array([c.supported for c in scores.claims])
    kept = scores.kept(support, settings)
    kinds = {}
    for kind in KINDS:
        mask = chosen & np.array([c.kind == kind for c in scores.claims])
        kinds[kind] = {"claims": int(mask.sum()), "kept": round(float(kept[mask].mean()), 4) if mask.any() else None}
    selected = chosen & kept & np.array([c.kind != MISPLACED for c in scores.claims])
    return {"claims": int(chosen.sum()),
            "precision": round(float(supported[selected].mean()), 4) if selected.any() else None,
            "precision_with_misplaced": round(float(supported[chosen & kept].mean()), 4) if (chosen & kept).any() else None,
            "recall": round(float(kept[chosen & supported].mean()), 4), "kept_share_by_kind": kinds}


def fit_verifier(dataset: SquadDataset, encode, tokenize, per_article: int = 60,
                 answer_check: AnswerCheck | None = None) -> tuple[VerifierSettings, dict]:
    """Thresholds fitted on the fit articles; both halves measured."""
    split = article_split(dataset)
    zero = VerifierSettings(0.0, 0.0, 0.0)
    scores = score_claims(labelled_claims(dataset, per_article), Verifier(tokenize, encode, zero),
                          Verifier(tokenize, None, zero), answer_check)
    fit = np.array([split[c.article] == FIT and c.kind != MISPLACED for c in scores.claims])
    similarity, new_stated = fit_thresholds(scores, "similarity", fit)
    overlap, _ = fit_thresholds(scores, "overlap", fit, new_stated=new_stated)
    settings = VerifierSettings(similarity, overlap, new_stated)
    report = {support: {half: measure(scores, support, settings, split, half) for half in (FIT, REPORT)}
              for support in ("similarity", "overlap")}
    return settings, {"target_precision": TARGET_PRECISION, "claims_per_article": per_article,
                      "reader_check": answer_check is not None,
                      "articles": split, **report}
