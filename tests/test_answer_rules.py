"""The small rules answers rest on: the abstention threshold search, follow-up dependence,
reciprocal-rank fusion ties and whole-word answer matching."""

from __future__ import annotations

import pytest

from qa.calibration import _best_cut
from qa.conversation import NONE, STRONG, WEAK, Turn, dependence, with_context
from qa.fusion import FusionSettings, fuse
from qa.labelled_eval import holds_answer, normalise_answer

# --- the threshold search: points are (confidence, answerable, chosen sentence is evidence) ---

def test_best_cut_separates_answerable_from_unanswerable():
    points = [(0.2, False, False), (0.3, False, False), (0.7, True, True), (0.9, True, True)]
    assert _best_cut(points) == (4, pytest.approx(0.5))


def test_best_cut_ties_that_are_not_adjacent_do_not_merge():
    # Cuts at 0.15 and 0.75 both give 3 correct, with worse cuts between them: the old
    # midpoint of the first and last best cut (0.45) gave only 2.
    points = [(0.1, True, True), (0.2, False, False), (0.5, True, False), (0.7, False, False), (0.8, True, True)]
    count, threshold = _best_cut(points)
    correct = sum((c >= threshold and good) if answerable else c < threshold for c, answerable, good in points)
    assert count == 3 and correct == 3 and threshold in (pytest.approx(0.15), pytest.approx(0.75))


def test_best_cut_takes_the_middle_of_the_widest_run():
    points = [(0.1, False, False), (0.2, False, False), (0.4, True, False), (0.6, True, False), (0.9, True, True)]
    count, threshold = _best_cut(points)  # the cuts 0.3, 0.5 and 0.75 all give 3: one run
    assert count == 3 and threshold == pytest.approx((0.3 + 0.75) / 2)


# --- follow-up dependence ---

@pytest.mark.parametrize("question, expected", [
    ("When was it implemented?", STRONG),  # a pronoun with nothing named before it
    ("And what about Japan?", STRONG),  # opens like a continuation
    ("What about the visa problems?", STRONG),
    ("What exercises are planned?", WEAK),  # short, names nothing
    ("How many vessels does Singapore refuel each year?", NONE),  # names its subject
    ("When was the KORUS FTA implemented and what did it change?", NONE),  # "it" refers to a name before it
])
def test_dependence_rules(question, expected):
    assert dependence(question) == expected


def test_with_context_replaces_a_pronoun_or_appends_the_subject():
    previous = Turn("What is the KORUS FTA?", "What is the KORUS FTA?", NONE)
    assert with_context("When was it implemented?", previous) == ("When was KORUS FTA implemented?", True)
    assert with_context("What exercises are planned?", previous) == ("What exercises are planned? (KORUS FTA)", False)


# --- fusion ---

def test_rrf_ties_break_by_best_single_rank_then_row():
    settings = FusionSettings("rrf", rrf_k=10, dense_weight=1.0, bm25_weight=1.0)
    fused = fuse([(7, 0.9), (3, 0.8)], [(3, 5.0), (7, 4.0)], 10, settings)
    assert fused.scores[0] == fused.scores[1]  # each is first in one list and second in the other
    assert fused.rows.tolist() == [3, 7]  # equal best rank (1): the lower row first
    one_each = fuse([(5, 0.9)], [(9, 2.0)], 10, settings)
    assert one_each.rows.tolist() == [5, 9] and one_each.dense_ranks.tolist() == [1, 0]
    assert one_each.bm25_ranks.tolist() == [0, 1]


def test_rrf_weights_and_depth():
    weighted = fuse([(1, 0.9)], [(2, 3.0)], 10, FusionSettings("rrf", rrf_k=10, dense_weight=1.25))
    assert weighted.rows.tolist() == [1, 2] and weighted.scores[0] == pytest.approx(1.25 / 11)
    assert len(fuse([(i, 1.0) for i in range(50)], [], 5).rows) == 5
    assert len(fuse([], [], 5).rows) == 0


@pytest.mark.parametrize("method", ["minmax", "zscore", "dbsf"])
def test_score_fusion_normalises_each_list_and_floors_absent_rows(method):
    settings = FusionSettings(method, dense_weight=0.5, bm25_weight=0.5)
    dense = [(1, 0.9), (2, 0.5), (3, 0.1)]
    bm25 = [(3, 30.0), (4, 20.0), (5, 10.0)]
    fused = fuse(dense, bm25, 10, settings)
    assert sorted(fused.rows.tolist()) == [1, 2, 3, 4, 5]
    scores = dict(zip(fused.rows.tolist(), fused.scores.tolist()))
    assert scores[3] > scores[2]  # top of BM25 and present in dense beats a middling dense-only row
    if method == "minmax":  # each list's best maps to 1, its worst (and absence) to 0
        assert scores[1] == pytest.approx(scores[3]) == pytest.approx(0.5)
    assert scores[1] > scores[5] and scores[4] > scores[5]
    assert fused.dense_ranks.tolist()[fused.rows.tolist().index(4)] == 0


# --- answer matching ---

@pytest.mark.parametrize("text, accepted, expected", [
    ("The main risk is the tariff.", ["SK"], False),  # not inside a word
    ("SK Hynix will invest.", ["SK"], True),
    ("It employs 170,000 people.", ["170,000"], True),
    ("It employs 1,170,000 people.", ["170,000"], False),
    ("The deal was signed in July 2025.", ["july 2025."], True),  # case and punctuation are normalised
    ("Cut to 15%.", ["15 %"], True),  # SQuAD drops punctuation: "15 %" is "15"
    ("Cut to 15%.", ["5%"], False),
    ("The Korea–US FTA", ["the Korea-US FTA"], True),  # either dash
])
def test_holds_answer_matches_whole_words(text, accepted, expected):
    assert holds_answer(text, accepted) is expected


def test_normalise_answer_is_squads():
    assert normalise_answer("  The Quick, brown fox!  ") == "quick brown fox"
