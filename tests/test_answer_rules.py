"""The small rules answers rest on: the abstention threshold search, follow-up dependence,
reciprocal-rank fusion ties, whole-word answer matching and how candidate sentences read."""

from __future__ import annotations

import numpy as np
import pytest

from index.tokenization import Tokenizer
from qa.answer.features import FEATURES, best_matches, content_pieces, question_content, sentence_features
from qa.fit.calibration import (
    DECLINE_TARGET,
    Sample,
    fit_confidence,
    fit_selection,
    fit_threshold,
)
from qa.answer.candidates import Candidate, candidate_sentences, passage_sentences
from qa.answer.lookups.table_rows import looked_up_row
from qa.answer.selection import asked_row
from qa.answer.conversation import NONE, STRONG, WEAK, Turn, dependence, with_context
from qa.evaluate.datasets import DatasetError
from qa.answer.headings import SectionHeadings, heading_wanted
from qa.search.fusion import FusionSettings, fuse
from qa.evaluate.labelled import holds_answer, normalise_answer
from qa.records import Hit
from qa.answer.scoring import AnswerSettings
from qa.answer.tables import TableHeaders

# --- candidate sentences: table rows and list items ---

PLANS = """Our product is sold in three plans.

| Plan | Price per month | Users |
|------|:---------------:|-------|
| Basic | $9 | 1 |
| Team | $29. Billed yearly | 10 |

| Add-on | $5 |
| Backup | $2 |

Support is available by email for all plans:

- Basic: email support within two business days.
- Enterprise: phone support around the clock. A named manager too.

Refunds are issued within 14 days.
"""


def test_table_rows_read_with_their_header_and_list_items_after_their_lead_in():
    spans = passage_sentences(PLANS)
    reads = {PLANS[start:end]: reading for start, end, reading, *_ in spans}
    assert [span[:2] for span in spans] == sorted(span[:2] for span in spans)
    assert "| Plan | Price per month | Users |" not in reads and not any("---" in quote for quote in reads)
    # a row is one candidate, whatever its cells hold, and is read with its column names
    assert reads["| Team | $29. Billed yearly | 10 |"] == "Plan: Team; Price per month: $29. Billed yearly; Users: 10"
    assert reads["| Add-on | $5 |"] == "Add-on; $5"  # another table, without a header: its cells
    assert reads["- Enterprise: phone support around the clock."] == (
        "Support is available by email for all plans: Enterprise: phone support around the clock.")
    assert reads["A named manager too."] == "Support is available by email for all plans: A named manager too."
    lead_in = next(quote for quote in reads if quote.startswith("Support is available"))
    assert lead_in.endswith("A named manager too.") and reads[lead_in] == lead_in  # the lead-in with its list
    assert reads["Refunds are issued within 14 days."] == "Refunds are issued within 14 days."
    hit = Hit(1, "c1", "plans.md", "Plans", "", 0, len(PLANS), 1, 18, 1.0, 1, 1, PLANS)
    candidates = candidate_sentences([hit])
    assert all(PLANS[c.start:c.end] == c.text for c in candidates)
    assert [c.is_list for c in candidates].count(True) == 1 and "| Backup | $2 |" in {c.text for c in candidates}


def test_what_a_passage_opens_with_reads_after_its_sections_heading():
    text = "- 3 ripe bananas\n- 250 g plain flour\n- 1 egg, beaten. Keep it cold.\n\nMix them all."
    reads = {text[start:end]: reading for start, end, reading, *_ in passage_sentences(text, heading="Ingredients")}
    assert reads["- 250 g plain flour"] == "Ingredients: 250 g plain flour"
    assert reads["Keep it cold."] == "Ingredients: Keep it cold."  # an item's next sentence is of the list too
    assert reads[text[:text.index("\n\n")]] == "Ingredients: " + text[:text.index("\n\n")]  # the whole list
    assert reads["Mix them all."] == "Mix them all."
    prose = "Mix them all.\n- 3 ripe bananas\n- 1 egg"  # a list not opening the passage: items alone
    reads = {prose[a:b]: reading for a, b, reading, *_ in passage_sentences(prose, heading="Method")}
    assert reads["- 1 egg"] == "- 1 egg" and reads["Mix them all."] == "Method: Mix them all."  # its first sentence
    assert passage_sentences(prose)[0][2] == "Mix them all."  # without a section


def test_a_question_in_a_passage_is_no_candidate_answer():
    text = 'How do I cancel my plan? Go to Settings and choose Cancel. Was it "worth it?" Nobody knows for sure.'
    hit = Hit(1, "c1", "faq.md", "FAQ", "", 0, len(text), 1, 1, 1.0, 1, 1, text)
    assert [c.text for c in candidate_sentences([hit])] == ["Go to Settings and choose Cancel.",
                                                            "Nobody knows for sure."]


def test_a_row_knows_its_cells_and_a_table_runs_on_with_its_header():
    tokenize = Tokenizer()
    hit = Hit(1, "c1", "plans.md", "Plans", "", 0, len(PLANS), 1, 18, 1.0, 1, 1, PLANS)
    rows = [c for c in candidate_sentences([hit]) if c.text.startswith("|")]
    team, add_on = rows[1], rows[2]
    assert [(name, team.text[start:end]) for name, start, end in team.columns] == [
        ("Plan", "Team"), ("Price per month", "$29. Billed yearly"), ("Users", "10")]
    assert add_on.text == "| Add-on | $5 |" and add_on.columns == ()  # cells without a header name no column
    # the column the question names, not the one its row is asked by ("Team" of "the Team plan")
    assert team.text[slice(*team.named_cell("How many users does the Team plan have?", tokenize))] == "10"
    assert team.named_cell("How much is the Team plan?", tokenize) is None  # names no other column
    assert team.cells_asked("How many users does the Team plan have?", tokenize) == 1
    scores = np.array([2.0, 1.0, 3.0, 3.0])  # the Basic row scored best of the table; the question names the Team row
    assert asked_row(rows, scores, 0, ["How many users does the Team plan have?"], tokenize) == 1
    assert asked_row(rows, scores, 0, ["How many users are there?"], tokenize) is None
    # a follow-up's row from its context, unless the question names one itself
    assert asked_row(rows, scores, 0, ["How many users does it allow?", "users Team plan"], tokenize) == 1
    assert asked_row(rows, scores, 1, ["And the Basic plan?", "Basic plan Team cost"], tokenize) == 0
    assert team.text[slice(*team.named_cell("What about Team?", tokenize, "Team users"))] == "10"
    # a lookup: a row's cell and another column named, whatever the scores
    row, cell = looked_up_row(rows, scores, "How many users does the Team plan have?", "", tokenize)
    assert row == 1 and team.text[slice(*cell)] == "10"
    assert looked_up_row(rows, scores, "How many users are there?", "", tokenize) is None  # no row named
    assert looked_up_row(rows, scores, "Is the Team plan good?", "", tokenize) is None  # no column named
    # a follow-up's own row before its context's, whatever the scores
    assert looked_up_row(rows, scores, "And the Basic plan?", "And the Basic plan? (users Team)", tokenize)[0] == 0
    assert looked_up_row(rows, [0.0, 2.0, 3.0, 3.0], "And the Basic plan?", "And the Basic plan? (users Team)",
                         tokenize)[0] == 0
    # a passage that opens inside a table reads its rows with the header from the document above it
    document = ("Intro.\n\n| City | Area |\n|---|---|\n| Hoorn | 32 km² |\n| Delft | 24 km² |\n\n"
                "| No | header |\n| Ede | 7 |\n\n|---|---|\n| Oss | 9 |\n")
    headers = TableHeaders.of(document)
    later = document.index("| Delft")
    assert headers.before(later) == ["City", "Area"] and headers.before(0) == []
    assert headers.before(document.index("| Hoorn")) == ["City", "Area"]
    assert headers.before(document.index("| Ede")) == [] and headers.before(document.index("| Oss")) == []
    assert passage_sentences(document[later:], headers.before(later))[0][2] == "City: Delft; Area: 24 km²"
    assert passage_sentences("Text.\n| Delft | 24 km² |", ["City", "Area"])[1][2] == "Delft; 24 km²"  # not the running table


# --- fitting the answer model (scikit-learn on synthetic samples) ---

def _samples(count: int = 60, seed: int = 0) -> list[Sample]:
    """Answerable questions whose evidence sentence has more "lexical" than the others, and
    unanswerable ones whose best sentence has little of it."""
    rng = np.random.default_rng(seed)
    samples = []
    for n in range(count):
        features = rng.uniform(0, 0.5, size=(6, len(FEATURES))).astype(np.float32)
        answerable = n % 3 != 0
        good = np.zeros(6, dtype=bool)
        if answerable:
            good[n % 6] = True
            features[n % 6, FEATURES.index("lexical")] += 1.0
            features[:, FEATURES.index("passage_lexical")] += 0.8
        samples.append(Sample(f"q{n}", answerable, features, good, "test"))
    return samples


@pytest.mark.parametrize("hard_negatives", [0, 5])
def test_selection_weights_favour_what_marks_evidence(hard_negatives):
    weights = fit_selection(_samples(), hard_negatives=hard_negatives)
    assert weights["lexical"] > 0 and weights["lexical"] == max(weights.values())


def test_alignment_finds_the_question_in_a_paraphrase(embedder):
    question = "Who gave Beyoncé pronunciation coaching for her Spanish recordings?"
    answer = "To record these, Beyoncé was coached phonetically by American record producer Rudy Perez."
    other = "It sold 541,000 copies in its first week and debuted atop the Billboard 200."
    asked = embedder.encode_with_tokens([question])[1][0]
    pieces = content_pieces(asked)
    assert 0 < len(pieces) < len(asked.pieces)  # "who", "for", "her" and "?" are not content
    sentences = embedder.encode_with_tokens([answer, other, answer + " " + other])[1]
    aligned, unrelated, both = (best_matches(pieces, tokens) for tokens in sentences)
    assert aligned.shape == (len(pieces),) and aligned.mean() > unrelated.mean() + 0.1
    assert 0 < unrelated.mean() < both.mean() <= 1.0 + 1e-6
    assert not best_matches(pieces[:0], sentences[0]).size  # a question of stop words only aligns nothing


def _one_passage(sentences: list[str]) -> list[Candidate]:
    text = " ".join(sentences)
    hit = Hit(1, "c1", "beyonce.md", "Beyoncé", "", 0, len(text), 1, 1, 1.0, 1, 1, text)
    starts = [text.index(s) for s in sentences]
    return [Candidate(hit, start, start + len(s), s, 1, 1) for start, s in zip(starts, sentences)]


BEYONCE = ["Beyoncé's second solo album B'Day was released on September 5, 2006, in the US.",
           "Beyoncé toured Europe and Asia with her band in 2007.",
           "Beyoncé married Jay-Z in April 2008.",
           "Her first solo album Dangerously in Love was released on June 24, 2003."]


def test_alignment_contrast_ranks_each_sentence_among_the_others(embedder):
    question = "When did Beyoncé release her first solo album?"
    pieces = content_pieces(embedder.encode_with_tokens([question])[1][0])
    matches = [best_matches(pieces, tokens) for tokens in embedder.encode_with_tokens(BEYONCE)[1]]
    features = sentence_features(question, question, _one_passage(BEYONCE), Tokenizer(), lambda term: 1.0,
                                 [None] * 4, None, matches)
    contrast, alignment = features[:, FEATURES.index("alignment_contrast")], features[:, FEATURES.index("alignment")]
    assert abs(contrast.sum()) < 1e-4  # z-scores among the candidates, word by word
    assert set(np.argsort(-contrast)[:2]) == set(np.argsort(-alignment)[:2]) == {0, 3}  # the two album sentences
    assert contrast[0] > 0 > contrast[1] and contrast[3] > 0 > contrast[2]


def test_the_threshold_declines_the_target_share_of_unanswerable_questions():
    samples = _samples(90)
    settings = AnswerSettings(weights=fit_selection(samples))
    settings.confidence_weights, settings.confidence_bias = fit_confidence(samples, settings)
    settings.threshold, stats = fit_threshold(samples, settings)
    assert stats["abstention_recall"] >= DECLINE_TARGET
    assert stats["answered_recall"] > 0.9 and stats["best_sentence_is_evidence"] == 1.0


def test_fitting_the_confidence_needs_both_kinds_of_question():
    only_answerable = [s for s in _samples() if s.answerable]
    with pytest.raises(DatasetError, match="answerable and unanswerable"):
        fit_confidence(only_answerable, AnswerSettings())


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


def test_a_floor_keeps_one_ranker_from_vetoing_the_others_clear_find():
    """Over near-identical rows (a 20,000-row table) every cosine is within hundredths of the
    others: the row only BM25 finds, an exact ID, sat 8 deviations under the dense mean."""
    dense = [(row, 0.51 - 0.0004 * row) for row in range(100)]  # each ranker's top 100, as the product fuses
    bm25 = [(500, 3.84)] + [(row, 0.0003) for row in range(99)]

    def exact(rows):
        return (np.array([0.39 if r == 500 else dict(dense)[r] for r in rows]),
                np.array([dict(bm25).get(r, 0.0) for r in rows]))

    floored = fuse(dense, bm25, 5, FusionSettings(), exact).rows.tolist()
    unfloored = fuse(dense, bm25, 5, FusionSettings(floor=None), exact).rows.tolist()
    assert floored[0] == 500 and 500 not in unfloored


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
    ("Japan’s occupation of Korea (1910-1945)—have long", ["1910-1945"], True),  # an em dash parts words
])
def test_holds_answer_matches_whole_words(text, accepted, expected):
    assert holds_answer(text, accepted) is expected


def test_normalise_answer_is_squads():
    assert normalise_answer("  The Quick, brown fox!  ") == "quick brown fox"


CHANGELOG = ("# Changelog\n\n## Version 2.2 (2025-01-20)\n\n### New features\n- Dark mode.\n\n"
             "## Version 2.1 (2024-11-05)\n\n### New features\n- Two-factor authentication with authenticator apps.\n")


def test_a_sections_headings_are_found_as_exact_spans_and_asked_when_they_hold_the_answer():
    headings = SectionHeadings(CHANGELOG)
    item = CHANGELOG.index("- Two-factor")
    found = headings.of("Version 2.1 (2024-11-05) › New features", item)
    assert [(h.text, h.line) for h in found] == [("New features", 10), ("Version 2.1 (2024-11-05)", 8)]
    assert all(CHANGELOG[h.start:h.end] == h.text for h in found)
    assert headings.of("", item) == []
    sentence, stems = "- Two-factor authentication with authenticator apps.", Tokenizer()

    def wanted(question: str, text: str, own: str | None, found: list) -> list[str] | None:
        keep = heading_wanted(question, text, own, stems)
        return None if keep is None else [h.text for h in found if keep(h)]

    # the noun asked by, named by a heading; the sentence's "apps" is not in it
    assert wanted("Which version added two-factor authentication?", sentence, "apps", found) == [
        "Version 2.1 (2024-11-05)"]
    assert wanted("Which version added it?", "Version 2 added it.", None, found) is None  # the sentence names it
    browser = SectionHeadings("# Maxthon browser Windows 11 support\n\nMaxthon’s incognito mode hides you.\n")
    assert wanted("Which browser offers an incognito mode?", "Maxthon’s incognito mode hides you.", "Maxthon",
                  browser.of("Maxthon browser Windows 11 support", 40)) == []  # the heading agrees with it
    when = "When was two-factor authentication added?"
    assert wanted(when, sentence, None, found) == ["Version 2.1 (2024-11-05)"]
    assert wanted(when, sentence, "in 2024", found) is None  # the sentence says when
    assert wanted("What does it do?", sentence, None, found) is None  # nothing asked that a heading holds
    options = SectionHeadings("# tinyserve\n\n## Options\n\n| Option | Default |\n|---|---|\n| `--port` | 8000 |\n")
    assert wanted("Which option sets the port?", "| `--port` | 8000 |", None,
                  options.of("Options", 40)) == []  # "Options" says nothing but the noun asked by


@pytest.mark.parametrize(("question", "terms"), [
    ("When do I need a doctor's note?", ["doctor", "note"]), ("When must I send a doctor's note?", ["send", "doctor", "note"]),
    ("How many vessels does Singapore supply?", ["vessel", "singapor", "suppli"])])
def test_the_words_that_only_ask_are_no_terms_of_a_question(question, terms):
    """"need" asks as "must" does: "When do I need a doctor's note?" had read it as a term the
    answering sentence lacks (confidence 0.25, declined; "When must I…" 0.94)."""
    assert question_content([question], Tokenizer())[0] == terms
