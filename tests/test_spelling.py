"""Typos read against the index's own words (qa/search/spelling.py), on a real index."""

from __future__ import annotations

import pytest

from index.builder import build_index
from qa import Assistant
from qa.search.spelling import Speller, one_edit

from .test_short_answers import PLANS


def test_one_edit_drops_swaps_changes_and_adds_a_letter():
    assert {"a", "b", "ba", "xb", "ax", "xab", "axb", "abx"} <= one_edit("ab") and "ab" not in one_edit("ab")
    assert "support" in one_edit("suport") and "refunds" in one_edit("refnuds")


@pytest.fixture(scope="module")
def plans(tmp_path_factory, embedder):
    corpus = tmp_path_factory.mktemp("corpus")
    (corpus / "plans.md").write_text(PLANS)
    index_dir = tmp_path_factory.mktemp("index")
    build_index(corpus, index_dir, embedder=embedder)
    with Assistant.open(index_dir, embedder=embedder) as assistant:
        yield assistant


@pytest.mark.parametrize(("typed", "read"), [
    ("Which plan has phone suport?", "Which plan has phone support?"),  # one letter dropped
    ("When are refnuds issued?", "When are refunds issued?"),  # two letters swapped, spelled as typed: plural
    ("Which plan has phone support?", "Which plan has phone support?"),  # nothing to correct
    ("Which plan has slang support?", "Which plan has slang support?"),  # an English word the documents lack
    ("Is the Taem plan cheap?", "Is the Taem plan cheap?"),  # too short to tell a typo from another word
    ("Which plan has phone xupport?", "Which plan has phone xupport?"),  # a first letter is never changed
])
def test_a_typo_is_read_as_the_documents_word(plans, typed, read):
    retriever = plans.retriever
    reading = Speller(retriever.tokenizer, retriever.lexical, retriever.records).read(typed)
    assert reading.question == read and bool(reading.changed) == (typed != read)


def test_without_a_word_list_nothing_is_corrected(plans):
    retriever = plans.retriever
    speller = Speller(retriever.tokenizer, retriever.lexical, retriever.records, words=frozenset())
    assert speller.read("Which plan has phone suport?").question == "Which plan has phone suport?"


def test_an_answer_to_a_question_with_a_typo_says_how_it_was_read(plans):
    answer = plans.ask("Which plan has phone suport?")
    assert not answer.abstained and answer.short_answer == "Enterprise"
    assert answer.question == "Which plan has phone suport?" and "“suport” as “support”" in answer.notice
    assert plans.ask("Which plan has phone support?").notice is None
