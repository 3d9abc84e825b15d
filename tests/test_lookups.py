"""The lookups that answer by a question's shape, without the sentence score's support: a
message's header line and a document's field line, a table's extreme row, a list's item by its
place; and which short lines are candidates at all."""

from __future__ import annotations

import math
import re

import pytest

from index.tokenization import Tokenizer
from qa.answer.candidates import candidate_sentences
from qa.answer.lookups.field_lines import field_line
from qa.answer.lookups.list_items import asked_place, list_item
from qa.answer.lookups.message_headers import asked_header, is_header_line
from qa.answer.scoring import AnswerSettings
from qa.answer.lookups.table_extremes import Extreme, asked_extreme, quantity

from .documents import RECIPE, answers_over, passage


def test_an_email_is_asked_like_any_document(tmp_path, embedder):
    """A .eml file was skipped as an unsupported type; its subject is its title. "Who is the
    email from?" was declined (no word of it in the From line): a header line is looked up,
    and only then cited."""
    email = ("From: Priya Natarajan <priya@example.com>\nTo: Platform team <platform@example.com>\n"
             "Subject: Database migration moved to Saturday\nContent-Type: text/plain; charset=utf-8\n\n"
             "Hi all,\n\nThe migration of the orders database to PostgreSQL 16 has been moved to Saturday, starting at "
             "22:00 UTC. "
             "Expect about two hours of downtime.\n\nMarco will run the migration; I will be on call as backup.\n")
    run, downtime, sender, recipients, subject, when, version = answers_over(
        tmp_path, embedder, {"migration.eml": email}, "Who will run the migration?", "How long is the downtime?",
        "Who is the email from?", "Who was the email sent to?", "What is the email about?",
        "When is the database migration?", "Which database version are we migrating to?")
    assert run.short_answer == "Marco" and run.citations[0].title == "Database migration moved to Saturday"
    assert downtime.short_answer == "two hours"
    assert sender.short_answer == "Priya Natarajan" and recipients.short_answer == "Platform team"
    assert [c.quote for c in sender.citations] == ["From: Priya Natarajan <priya@example.com>"]
    assert subject.short_answer == "Database migration moved to Saturday"
    assert subject.citations[0].quote == "Subject: Database migration moved to Saturday"
    # the body, not the subject line that sums it up, answers what the email says (the subject
    # had led both, "Saturday"); and "about two hours" says how long, not when
    for answer in (when, version):
        assert answer.citations[0].quote.startswith("The migration of the orders database")
        assert not any(c.quote.startswith(("From:", "To:", "Subject:")) for c in answer.citations)
    assert when.short_answer in ("Saturday", "22:00 UTC") and "PostgreSQL" in version.short_answer
    assert sender.confidence < AnswerSettings.load().threshold  # answered by the lookup alone


@pytest.mark.parametrize(("question", "header"), [
    ("Who is the email from?", "From"), ("Who sent it?", "From"), ("Who wrote this message?", "From"),
    ("Who was the email sent to?", "To"), ("Who are the recipients?", "To"), ("When was the mail sent?", "Date"),
    ("What is the subject?", "Subject"), ("What is the email about?", "Subject"),
    ("Who will run the migration?", None), ("Who wrote the report?", None), ("When was it released?", None),
    ("What is the migration about?", None)])
def test_a_question_about_a_message_asks_for_its_header(question, header):
    assert asked_header(question) == header


PRICING = """<html><head><title>Pricing - Acme Cloud</title></head><body><h1>Pricing</h1>
<p>Acme Cloud offers three plans. All plans include SSL certificates and daily backups.</p>
<h2>Plans</h2><table><tr><th>Plan</th><th>Price per month</th><th>Storage</th></tr>
<tr><td>Starter</td><td>$9</td><td>10 GB</td></tr><tr><td>Pro</td><td>$29</td><td>100 GB</td></tr>
<tr><td>Business</td><td>$99</td><td>1 TB</td></tr></table></body></html>"""


OFFICES = "City,Country,Staff,Opened\nParis,France,85,2015\nBerlin,Germany,120,2012\nLisbon,Portugal,40,2021\n"


def test_a_superlative_is_answered_by_comparing_a_tables_rows(tmp_path, embedder):
    """"Which plan is cheapest?" was declined (confidence 0.09: every row reads alike to the
    sentence score); the rows are compared by the column the question asks by."""
    cheapest, most_storage, storage_of_dearest, most_staff, first, cost, dearest, its_storage = answers_over(
        tmp_path, embedder, {"pricing.html": PRICING, "offices.csv": OFFICES},
        "Which plan is cheapest?", "Which plan has the most storage?",
        "How much storage does the most expensive plan have?", "Which office has the most staff?",
        "Which office opened first?", "How much does the cheapest plan cost?",
        ("And the most expensive?", ["Which plan is cheapest?"]),
        ("How much storage does it have?", ["Which plan is the most expensive?"]))
    assert (cheapest.short_answer, [c.quote for c in cheapest.citations]) == ("Starter", ["| Starter | $9 | 10 GB |"])
    assert cheapest.confidence < AnswerSettings.load().threshold  # a lookup: no sentence score's support needed
    assert most_storage.short_answer == "Business"  # 1 TB > 100 GB: units read
    assert storage_of_dearest.short_answer == "1 TB"  # the other column it names
    assert most_staff.short_answer == "Berlin" and most_staff.citations[0].quote == "| Berlin | Germany | 120 | 2012 |"
    assert first.short_answer == "Berlin" and cost.short_answer == "$9"
    assert dearest.short_answer == "Business"  # a follow-up finds the table in the conversation
    assert its_storage.short_answer == "1 TB"  # "it": the row the conversation's superlative asks for


@pytest.mark.parametrize(("question", "extreme"), [
    ("Which plan is cheapest?", Extreme(True, "money")), ("What is the most expensive plan?", Extreme(False, "money")),
    ("Which office opened first?", Extreme(True, "time")), ("Which office has the most staff?", Extreme(False, "named")),
    ("Where is the largest office?", Extreme(False, None)), ("How much does the cheapest plan cost?", Extreme(True, "money")),
    ("And the most expensive?", Extreme(False, "money")),
    ("Why was the first office opened?", None), ("Who approves late bookings?", None)])
def test_a_superlative_asks_for_an_extreme_row(question, extreme):
    assert asked_extreme(question) == extreme


@pytest.mark.parametrize(("cell", "value"), [
    ("$1,850", 1850.0), ("10 GB", 1e10), ("1 TB", 1e12), ("1.084.831", 1084831.0), ("9,99 €", 9.99), ("120", 120.0),
    ("Unlimited", math.inf), ("2 to 3", None), ("n/a", None)])
def test_a_cells_quantity_reads_its_units(cell, value):
    assert quantity(cell) == value


def test_a_table_is_compared_only_when_its_passages_hold_all_of_it():
    """Rows of passages not retrieved may hold the extreme: then no row is said to be it."""
    from qa.answer.lookups.table_extremes import table_extreme
    from qa.answer.tables import TableHeaders

    text = "| City | Staff |\n|---|---|\n| Paris | 85 |\n| Lisbon | 40 |\n| Berlin | 120 |\n| Oslo | 12 |\n"
    cut = text.index("| Berlin")

    headers = TableHeaders.of(text)
    for hits, expected in (([passage(text, 0, cut), passage(text, cut, len(text), rank=2)], "| Berlin | 120 |"),
                           ([passage(text, 0, cut)], None)):
        candidates = candidate_sentences(hits, lambda doc: headers)
        found = table_extreme(candidates, [0.0] * len(candidates), "Which city has the most staff?",
                              lambda words: re.findall(r"\w+", words.lower()), lambda doc: headers)
        assert (candidates[found[0]].text if found else None) == expected


def test_only_a_messages_header_lines_are_header_lines():
    """A message's header lines answer only when looked up; meeting notes' "Date:" line is no
    message's, and stays a sentence like any other."""
    email = "From: Priya\nTo: Platform team\nSubject: Migration moved\n\nThe migration moves to Saturday night.\n"
    notes = "Date: 12 March 2025\nAttendees: Ana, Ben\n\nThe team agreed to ship the beta on 1 April.\n"
    assert [is_header_line(c) for c in candidate_sentences([passage(email)])] == [True, True, True, False]
    assert not any(is_header_line(c) for c in candidate_sentences([passage(notes)]))


def test_a_lists_item_is_found_by_its_place(tmp_path, embedder):
    """"What is the first step?" was declined (confidence 0.00: "first" is a word of no step)."""
    first, last, third, ingredient, after = answers_over(  # beside a table with a year column: no earliest row
        tmp_path, embedder, {"recipe.md": RECIPE, "offices.csv": OFFICES}, "What is the first step?",
        "What is the last step?", "What is step 3?", "What is the first ingredient?",
        "What do I do after mashing the bananas?")
    assert [c.quote for c in first.citations] == ["1. Preheat the oven to 175 °C."]
    assert last.citations[0].quote == "4. Bake for about 60 minutes."  # the list ends with its section
    assert third.citations[0].quote.startswith("3. Mix")  # the numbered list, for a step
    assert ingredient.citations[0].quote == "- 3 ripe bananas"  # first under its heading: the list's start
    assert after.citations[0].quote.startswith("3. Mix")


@pytest.mark.parametrize(("question", "place"), [
    ("What is the first step?", 1), ("What is the third ingredient?", 3), ("What is step 2?", 2),
    ("What is the final step?", -1), ("Which was the first album?", None), ("What is the first day of rent?", None)])
def test_a_question_asks_for_a_place_in_a_list(question, place):
    assert asked_place(question) == place


def test_a_list_cut_by_its_passages_end_has_no_last_item():
    """A passage may end inside a list: its last item there is not the list's last."""
    from qa.answer.headings import SectionHeadings

    text = "Steps:\n1. Open the lid.\n2. Pour the water.\n3. Close the lid.\n"
    cut = text.index("3.")
    candidates = candidate_sentences([passage(text, 0, cut)])
    headings = SectionHeadings(text)
    scores = [0.0] * len(candidates)
    assert list_item(candidates, scores, "What is the last step?", lambda doc: headings) is None
    assert candidates[list_item(candidates, scores, "What is the first step?", lambda doc: headings)].text == \
        "1. Open the lid."


@pytest.mark.parametrize(("sentence", "candidate"), [
    ("Serves 8.", True), ("From: Priya", True), ("Notes:", False), ("• Basic", False), ("4. Deposit.", False),
    ("Page 3", False)])
def test_a_short_sentence_is_a_candidate_only_if_it_can_answer(sentence, candidate):
    """Fewer than three words are no candidate answer, but a sentence with a number ("Serves
    8.", which answered nothing before) and a message's header line are."""
    text = f"The recipe is simple.\n\n{sentence}\n"
    assert (sentence in [c.text for c in candidate_sentences([passage(text)])]) is candidate


NOTES = ("# Platform team weekly sync\n\nDate: 12 March 2025\nAttendees: Priya Natarajan, Tom Becker, Aiko Sato\n"
         "Location: Room 4B\n\n## Decisions\n\n"
         "- The database migration to PostgreSQL 16 is moved to Saturday 22 March.\n"
         "- Tom will own the on-call rotation from April.\n")


def test_a_field_line_answers_the_field_a_question_asks_for(tmp_path, embedder):
    """Meeting notes' "Attendees:", "Date:" and "Location:" lines answered nothing ("Who attended
    the meeting?": declined, confidence 0.09; "Location: Room 4B" was no candidate: three
    words), and "Who are the attendees?" cut the list short; what the body says is still read
    from the body, and a line of a field nobody asked for answers nothing."""
    attended, when, where, located, attendees, migration, owner = answers_over(
        tmp_path, embedder, {"notes-2025-03-12.md": NOTES}, "Who attended the meeting?", "When was the meeting?",
        "Where was the meeting?", "What was the location of the platform team sync?", "Who are the attendees?",
        "When is the database migration?", "Who owns the notes?")
    everyone = "Priya Natarajan, Tom Becker, Aiko Sato"
    for answer, line, value in ((attended, "Attendees", everyone), (when, "Date", "12 March 2025"),
                                (where, "Location", "Room 4B"), (located, "Location", "Room 4B"),
                                (attendees, "Attendees", everyone)):
        assert (answer.short_answer, [c.quote for c in answer.citations]) == (value, [f"{line}: {value}"])
    assert where.confidence < AnswerSettings.load().threshold  # a lookup: no sentence score's support needed
    assert migration.short_answer == "Saturday 22 March" and migration.citations[0].quote.startswith("- The database")
    assert owner.abstained or not owner.citations[0].quote.startswith(("Date:", "Attendees:", "Location:"))


RETRO = ("# Sprint 14 retrospective\n\n## Details\n\nDate: 28 March 2025\nFacilitator: Tom Becker\n\n## What went well\n\n"
         "The release shipped on time and the on-call load dropped by half.\n\n## Decisions\n\n"
         "- The database migration to PostgreSQL 16 is moved to Saturday 22 March.\n"
         "- Tom will own the on-call rotation from April.\n\n## Action items\n\n"
         "- Priya: write the rollback plan by Friday.\n- Aiko: benchmark the new cache layer.\n\n## Contacts\n\n"
         "- Facilities: Maria Lopez\n- IT helpdesk: extension 4400\n")


def test_a_list_items_label_or_a_section_asked_for_whole_answers(tmp_path, embedder):
    """"What was decided?" was declined (no word of it is the heading's "Decisions"), "What
    must Priya do?" cited the whole list without a short answer, "What does Aiko have to do?"
    was declined (confidence 0.27) and "What went well?" showed "time and the on-call"; a
    section nobody has is still declined, the body still answers what it says, and the field
    line a section opens with is that field's ("Date:"), not the section's; "Who handles
    facilities?" was declined (0.02)."""
    decided, priya, aiko, well, steps, migration, held, facilities = answers_over(
        tmp_path, embedder, {"retro.md": RETRO}, "What was decided?", "What must Priya do?",
        "What does Aiko have to do?", "What went well?", "What are the next steps?", "When is the database migration?",
        "When was the retrospective?", "Who handles facilities?")
    decisions = RETRO[RETRO.index("- The database"):RETRO.index("\n\n## Action")]
    assert (decided.short_answer, [c.quote for c in decided.citations]) == (None, [decisions])
    assert (priya.short_answer, [c.quote for c in priya.citations]) == (
        "write the rollback plan by Friday", ["- Priya: write the rollback plan by Friday."])
    assert aiko.short_answer == "benchmark the new cache layer"
    assert (well.short_answer, [c.quote for c in well.citations]) == (
        None, ["The release shipped on time and the on-call load dropped by half."])
    assert steps.abstained
    assert migration.short_answer == "Saturday 22 March"
    assert (held.short_answer, held.citations[0].quote) == ("28 March 2025", "Date: 28 March 2025")
    assert (facilities.short_answer, facilities.citations[0].quote) == ("Maria Lopez", "- Facilities: Maria Lopez")


def test_a_sentence_pairing_amounts_with_names_answers_with_the_one_asked_about(tmp_path, embedder):
    """"What is the hotel limit in Berlin?" answered "€250 in London and €180", and the question
    about London "€180 in Berlin"; a company's name lost the word the question holds."""
    policy = ("# Travel policy\n\nAcme Cloud is owned by Acme Holdings Ltd.\n\n## Hotels\n\nThe nightly hotel limit is "
              "€250 in London and €180 in Berlin. Bookings above the limit need a director's approval.\n")
    berlin, london, owner = answers_over(tmp_path, embedder, {"travel.md": policy},
                                         "What is the hotel limit in Berlin?", "What is the hotel limit in London?",
                                         "Who owns Acme Cloud?")
    assert (berlin.short_answer, london.short_answer, owner.short_answer) == ("€180", "€250", "Acme Holdings Ltd")


def test_an_invoices_fields_answer_what_it_costs_and_when_it_is_due(tmp_path, embedder):
    """"How much is the invoice?" led with "Invoice number: INV-1042" and showed "INV-1042" (a
    code's digits read as an amount); a line item is still answered from its own line."""
    invoice = ("Invoice INV-1042\n\nInvoice number: INV-1042\nIssue date: 3 November 2025\nDue date: 3 December 2025\n"
               "Total: $1,284.50\n\nThank you for your business.\n\nServices\n- Website maintenance, October: $900.00\n"
               "- Hosting, October: $384.50\n")
    total, owed, due, hosting = answers_over(tmp_path, embedder, {"invoice-1042.txt": invoice},
                                             "How much is the invoice?", "How much do I owe?",
                                             "When is the invoice due?", "How much was hosting?")
    assert (total.short_answer, total.citations[0].quote) == ("$1,284.50", "Total: $1,284.50")
    assert owed.short_answer == "$1,284.50" and due.short_answer == "3 December 2025"
    assert hosting.short_answer == "$384.50" and hosting.citations[0].quote == "- Hosting, October: $384.50"


def test_a_lead_in_with_its_list_is_a_field_too(tmp_path, embedder):
    """"Attendees:" above a list of names: "Who attended the retrospective?" was declined
    (confidence 0.02); the list is cited whole, with no short answer (it is the answer)."""
    retro = ("# Sprint 14 retrospective\n\nDate: 28 March 2025\nFacilitator: Tom Becker\n\nAttendees:\n- Priya Natarajan\n"
             "- Aiko Sato\n- Marco Rossi\n\n## What went well\n\nThe release shipped on time.\n")
    attended, facilitated = answers_over(tmp_path, embedder, {"retro.md": retro}, "Who attended the retrospective?",
                                         "Who facilitated the retrospective?")
    assert [c.quote for c in attended.citations] == ["Attendees:\n- Priya Natarajan\n- Aiko Sato\n- Marco Rossi"]
    assert attended.short_answer is None and not attended.abstained
    assert facilitated.short_answer == "Tom Becker"


def test_a_field_asked_for_by_its_shape_may_name_the_labels_own_words():
    """"When is the invoice due?" (among other documents) had led with "Invoice number: INV-1042"
    and shown "INV-1042": "due" is no word of the document's kind, but it is the label's own."""
    text = "Invoice number: INV-1042\nIssue date: 3 November 2025\nDue date: 3 December 2025\nTotal: $1,284.50\n"
    candidates = candidate_sentences([passage(text)])
    for question, value in (("When is the invoice due?", "3 December 2025"), ("When was it issued?", "3 November 2025")):
        lead, span = field_line(candidates, question, Tokenizer())
        assert candidates[lead].text[slice(*span)] == value
