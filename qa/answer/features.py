"""What the answer model sees: one row of ``FEATURES`` per candidate sentence (does it answer
the question?) and one row of ``CONFIDENCE_FEATURES`` per question (do the documents answer it
at all?). Every feature exists in every mode; without dense retrieval the dense ones are 0."""

from __future__ import annotations

import math

import numpy as np

from index.token_vectors import TokenVectors
from index.text import indexed_text
from index.tokenization import ENGLISH_STOPWORDS

from qa.answer.typed import expected_type
from qa.records import Hit

FEATURES = (
    "dense",  # cosine of the sentence and the question (0 without dense retrieval)
    "lexical",  # IDF-weighted share of the question's terms in the sentence
    "passage_lexical",  # ... in the whole passage, with its title and section
    "passage_rank",  # 1 / the passage's fused rank
    "answer_type",  # +1 the sentence holds the number/date/name the question asks for, -1 not, 0 no type
    "window_lexical",  # ... share in the sentence and its neighbours (answers often follow a lead-in)
    "bigrams",  # share of the question's adjacent term pairs in the sentence
    "rare_terms",  # share of the question's rarer half of terms in the sentence
    "length",  # log(1 + terms in the sentence)
    "first_in_passage",  # 1 for a passage's first sentence
    "dense_rank",  # 1 / the passage's dense rank (0: not in the dense list)
    "bm25_rank",  # 1 / the passage's BM25 rank (0: not in the BM25 list)
    "rare_missing",  # how many of the rarer terms the sentence lacks
    "top_passage",  # 1 for sentences of the first passage
    "alignment",  # each question word's best match among the sentence's words, by their contextual vectors (0 without dense)
    "window_alignment",  # ... among the words of the sentence and its neighbours
    "passage_alignment",  # ... among the words of its passage's sentences
    "alignment_contrast",  # how far above the other candidates each question word's best match is (z-scores, mean)
)
CONFIDENCE_FEATURES = (
    "best_score",  # the chosen sentence's selection score
    "margin",  # ... minus the runner-up's
    "dense_max", "lexical_max", "passage_lexical_max", "window_lexical_max",
    "best_rare_terms", "best_answer_type",
)
_COLUMN = {name: i for i, name in enumerate(FEATURES)}
# How a question is asked, not what it is about: left out of its terms here (the index keeps
# its own, shorter stopword list). Stemmed by the index tokenizer before use ("does" -> "doe").
QUESTION_WORDS = ("how many much what which who whom whose when where why does do did is are was were been "
                  "can could would should shall may might must has have had").split()
_NOT_CONTENT = frozenset(QUESTION_WORDS) | ENGLISH_STOPWORDS  # as word pieces: lower case, unstemmed
# "need" asks as "must" does ("When do I need a doctor's note?" read "need" as a term the
# sentence lacks: confidence 0.25 against 0.94 for "When must I send…"); left out of the terms
# only: the word-vector features keep its pieces, which the fitted span model reads
_ASKING_TERMS = " ".join(QUESTION_WORDS) + " need needs needed"


class TermCache:
    """Each distinct text tokenized once per question (a passage holds many sentences)."""

    def __init__(self, tokenize) -> None:
        self._tokenize = tokenize
        self._terms: dict[str, list[str]] = {}

    def __call__(self, text: str) -> list[str]:
        if text not in self._terms:
            self._terms[text] = self._tokenize(text)
        return self._terms[text]


def question_content(questions: list[str], tokenize) -> list[list[str]]:
    """Each question's terms without the words that only ask (how, many, does…)."""
    asking = set(tokenize(_ASKING_TERMS))
    return [[t for t in tokenize(q) if t not in asking] for q in questions]


class Coverage:
    """IDF-weighted share of a question's terms found in a set of terms."""

    def __init__(self, terms: list[str], idf) -> None:
        self.weights = {t: idf(t) for t in set(terms)}
        self.total = sum(self.weights.values()) or 1.0
        mean = sum(self.weights.values()) / len(self.weights) if self.weights else 0.0
        self.rare = {t for t, w in self.weights.items() if w >= mean}
        self.bigrams = set(zip(terms, terms[1:]))

    def __call__(self, present: set[str]) -> float:
        return sum(w for t, w in self.weights.items() if t in present) / self.total


def content_pieces(question: TokenVectors) -> np.ndarray:
    """The vectors of a question's word pieces that carry its content (not "how", "the", "?")."""
    keep = [i for i, piece in enumerate(question.pieces)
            if piece.startswith("##") or (piece.isalnum() and piece.lower() not in _NOT_CONTENT)]
    return question.vectors[keep]


def best_matches(question_pieces: np.ndarray, sentence: TokenVectors) -> np.ndarray:
    """Per content piece of the question, its best cosine to a piece of the sentence: a soft
    word match with the embedding model's contextual vectors (ColBERT's MaxSim when averaged),
    which sees paraphrases the stems miss."""
    if not len(question_pieces) or not len(sentence.vectors):
        return np.zeros(len(question_pieces), dtype=np.float32)
    return (question_pieces @ sentence.vectors.T).max(axis=1)


def _alignments(matches: list[np.ndarray], candidates: list, neighbours: list) -> np.ndarray:
    """The four alignment columns from each candidate's ``best_matches``: the sentence, with
    its neighbours, with its passage's other sentences (SQuAD fit articles, each left out of
    the fit in turn: the evidence sentence scored best for 0.711 without them, 0.722 with the
    first, 0.736 adding the second selection fit, 0.746 with all three), and the contrast: each
    question word's match as a z-score among the candidates, so a word every passage matches
    (the article's subject) counts less than the one only the answer matches (0.712 -> 0.727
    of all answerable questions)."""
    if not matches or not len(matches[0]):
        return np.zeros((len(candidates), 4), dtype=np.float32)
    stacked = np.stack(matches)
    contrast = ((stacked - stacked.mean(axis=0)) / (stacked.std(axis=0) + 1e-3)).mean(axis=1)
    passages: dict[str, np.ndarray] = {}
    for c, m in zip(candidates, matches):
        passages[c.hit.chunk_id] = np.maximum(passages.get(c.hit.chunk_id, m), m)
    window = [np.maximum.reduce([matches[i], *(matches[j] for j in neighbours[i][:2] if j is not None)])
              for i in range(len(candidates))]
    return np.array([[m.mean(), w.mean(), passages[c.hit.chunk_id].mean(), z]
                     for c, m, w, z in zip(candidates, matches, window, contrast)], dtype=np.float32)


def sentence_features(question: str, query: str, candidates: list, tokenize, idf,
                      typed_answers: list[str | None], dense: np.ndarray | None,
                      matches: list[np.ndarray] | None = None) -> np.ndarray:
    """One row of FEATURES per candidate. Sentence features compare with the question as asked
    and with the retrieval query (which carries a follow-up's context); passage features with
    the query. ``dense``: each candidate's cosine to the question, ``matches`` its
    ``best_matches``, if available."""
    if not candidates:
        return np.zeros((0, len(FEATURES)), dtype=np.float32)
    terms = TermCache(tokenize)
    asked, context = (Coverage(t, idf) for t in question_content([question, query], tokenize))
    expects = expected_type(question) is not None
    neighbours = _neighbours(candidates)
    rows = []
    for i, c in enumerate(candidates):
        sentence = set(terms(c.reading))
        window = sentence.union(*(terms(candidates[j].reading) for j in neighbours[i][:2] if j is not None))
        pairs = set(zip(terms(c.reading), terms(c.reading)[1:]))
        hit: Hit = c.hit
        rows.append([
            0.0, (asked(sentence) + context(sentence)) / 2,
            context(set(terms(indexed_text(hit.title, hit.section, hit.text)))), 1.0 / hit.rank,
            (1.0 if typed_answers[i] else -1.0) if expects else 0.0,
            (asked(window) + context(window)) / 2,
            len(asked.bigrams & pairs) / max(1, len(asked.bigrams)),
            len(asked.rare & sentence) / max(1, len(asked.rare)),
            math.log1p(len(sentence)), float(neighbours[i][2] == 0),
            1.0 / hit.dense_rank if hit.dense_rank else 0.0, 1.0 / hit.bm25_rank if hit.bm25_rank else 0.0,
            float(len(asked.rare - sentence)), float(hit.rank == 1), 0.0, 0.0, 0.0, 0.0])
    matrix = np.array(rows, dtype=np.float32)
    if dense is not None:
        matrix[:, _COLUMN["dense"]] = dense
    if matches is not None:
        matrix[:, _COLUMN["alignment"]:_COLUMN["alignment_contrast"] + 1] = _alignments(matches, candidates, neighbours)
    return matrix


def confidence_features(features: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """The CONFIDENCE_FEATURES row of a question whose candidates have ``features`` and
    selection ``scores`` (zeros without candidates). Nothing here counts the corpus'
    vocabulary: how many of a question's words a corpus holds depends on its size."""
    if not len(features):
        return np.zeros(len(CONFIDENCE_FEATURES), dtype=np.float32)
    order = np.argsort(-scores, kind="stable")
    best = features[order[0]]
    margin = scores[order[0]] - (scores[order[1]] if len(order) > 1 else 0.0)
    return np.array([scores[order[0]], margin, *(features[:, _COLUMN[n]].max() for n in (
        "dense", "lexical", "passage_lexical", "window_lexical")),
        best[_COLUMN["rare_terms"]], best[_COLUMN["answer_type"]]], dtype=np.float32)


def _neighbours(candidates: list) -> list[tuple[int | None, int | None, int]]:
    """Per candidate: the previous and next sentence of its passage (indices) and its place."""
    by_passage: dict[str, list[int]] = {}
    for i, c in enumerate(candidates):
        by_passage.setdefault(c.hit.chunk_id, []).append(i)
    found: list = [None] * len(candidates)
    for members in by_passage.values():
        members.sort(key=lambda i: candidates[i].start)
        for place, i in enumerate(members):
            found[i] = (members[place - 1] if place else None,
                        members[place + 1] if place + 1 < len(members) else None, place)
    return found
