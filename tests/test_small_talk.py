"""Greetings, thanks and questions about corpusqa get a fixed reply with nothing searched;
anything else, however short, is a question for the documents."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from cli.main import cli
from qa.answer.small_talk import reply
from ui.rendering import answer_markdown, sources_html


@pytest.mark.parametrize("message", ["hi", "Hello there!", "good morning", "help", "What can you do?",
                                     "who are you?", "How does this work?"])
def test_a_greeting_or_a_question_about_corpusqa_is_told_what_it_does_and_with_which_documents(message):
    said = reply(message, ["a.md", "b.txt"])
    assert said.startswith("Hello.") and "2 documents are indexed: a.md, b.txt." in said


@pytest.mark.parametrize(("message", "start"), [("Thanks!", "You're welcome."), ("ok, thank you", "You're welcome."),
                                                ("thanks a lot", "You're welcome."), ("bye", "Goodbye.")])
def test_thanks_and_goodbyes_are_answered_in_kind(message, start):
    assert reply(message, ["a.md"]).startswith(start)


@pytest.mark.parametrize("message", ["How do I get help?", "Hi, what is the rent?", "Who helped Chopin?",
                                     "thanks to whom was the deal signed?", "hello world program", "What is this?"])
def test_anything_more_is_a_question_for_the_documents(message):
    assert reply(message, ["a.md"]) is None


def test_many_documents_are_counted_after_the_first_five():
    said = reply("hi", [f"d{i}.md" for i in range(12)])
    assert "12 documents are indexed: d0.md, d1.md, d2.md, d3.md, d4.md and 7 more." in said


def test_a_greeting_is_answered_with_nothing_searched_on_the_page_and_the_command_line(assistant, shipped_index):
    """"hi" had been declined: "Not in the documents" with three unrelated closest matches."""
    answer = assistant.ask("hi")
    assert answer.abstained and answer.passages == [] and answer.citations == []
    assert "5 documents are indexed: maxthon-browser.txt" in answer.text
    markdown = answer_markdown(answer)
    assert markdown.startswith("Hello\\. I answer questions") and "Not in the documents" not in markdown
    assert "served by" not in markdown  # nothing was searched
    assert "Closest matches" not in sources_html(answer)
    result = CliRunner().invoke(cli, ["ask", "thanks!", "--index-dir", str(shipped_index)])
    assert result.exit_code == 0 and result.output.startswith("You're welcome.") and "Closest matches" not in result.output
    result = CliRunner().invoke(cli, ["ask", "hello", "--index-dir", str(shipped_index), "--json"])
    assert json.loads(result.output)["passages"] == []
