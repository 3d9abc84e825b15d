"""Answers over real documents of each kind, indexed on the fly: tables and CSV files, FAQs,
contracts, glossaries, changelogs with sectioned releases, emails; and the lookups that answer
by a question's shape (a table's cell or extreme row, a message's header line, a heading the
question names) without the sentence score's support."""

from __future__ import annotations

import math
import re

import pytest

from qa.candidates import candidate_sentences
from qa.list_steps import asked_place, list_item
from qa.message_headers import asked_header, is_header_line
from qa.overview import asked_subject
from qa.records import Hit
from qa.scoring import AnswerSettings
from qa.table_extremes import Extreme, asked_extreme, quantity


def answers_over(tmp_path, embedder, documents: dict[str, str], *questions: str | tuple[str, list[str]]) -> list:
    """Index ``documents`` (file name → text) and ask each question on its own, or after its
    conversation's earlier questions when given with them."""
    from index.builder import build_index
    from qa import Assistant

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in documents.items():
        (corpus / name).write_text(text)
    build_index(corpus, tmp_path / "index", embedder=embedder)
    with Assistant.open(tmp_path / "index", embedder=embedder) as assistant:
        return [assistant.ask(*question) if isinstance(question, tuple) else assistant.ask(question)
                for question in questions]


def test_a_csv_file_is_looked_up(tmp_path, embedder):
    """A CSV file was skipped as an unsupported type; read as a table, its rows answer."""
    staff, opened = answers_over(tmp_path, embedder, {"offices.csv": (
        'City,Address,Staff,Opened\nBerlin,Unter den Linden 5,120,2012\nParis,"12 Rue de Rivoli, 4th floor",85,2015\n'
        "Madrid,Gran Via 30,40,2019\n")}, "How many staff work in Paris?", "When did the Madrid office open?")
    assert staff.short_answer == "85" and staff.citations[0].quote == "| Paris | 12 Rue de Rivoli, 4th floor | 85 | 2015 |"
    assert opened.short_answer == "2019" and opened.citations[0].quote.startswith("| Madrid |")


def test_answers_from_a_plain_text_faq_a_contract_and_a_glossary(tmp_path, embedder):
    """Before, "How do I cancel my subscription?" cited its own "Q:" line, "Who is the
    landlord?" answered with the tenant's name, a late fee answered "2.2" (the clause's number)
    and "What is latency?" answered "request"; "What is the late fee?" answered "the fifth day"
    (a money noun asks for money), and "Serves 8." was no candidate (two words)."""
    cancel, stored, landlord, late, latency, fee, serves = answers_over(tmp_path, embedder, {
        "faq.txt": "Frequently asked questions\n\nQ: How do I cancel my subscription?\nA: Go to Settings, then Billing, "
                   "and choose Cancel subscription.\n\nQ: Where is my data stored?\nA: All customer data is stored in "
                   "data centres in Frankfurt, Germany.\n",
        "lease.md": '# Lease\n\nThis agreement is made between Harbor View Properties LLC ("Landlord") and Jordan Ellis '
                    '("Tenant") for the apartment at 42 Quay Street.\n\n## 2. Rent\n\n2.1 The monthly rent is $1,850.\n\n'
                    "2.2 A late fee of $75 applies if rent is not received by the fifth day of the month.\n",
        "glossary.md": "# Glossary\n\n**Latency**: the time between a request being sent and the first byte of the "
                       "response arriving.\n\n**Throughput**: the number of requests a system completes per second.\n",
        "recipe.md": "# Banana bread\n\nPrep time: 15 minutes. Baking time: 60 minutes. Serves 8.\n\n## Ingredients\n\n"
                     "- 3 ripe bananas\n- 250 g plain flour\n",
    }, "How do I cancel my subscription?", "Where is my data stored?", "Who is the landlord?",
        "What happens if rent is late?", "What is latency?", "What is the late fee?", "How many people does the banana bread serve?")
    assert cancel.citations[0].quote.startswith("A: Go to Settings")
    assert cancel.citations[0].section == "How do I cancel my subscription?"
    assert stored.citations[0].quote.startswith("A: All customer data") and stored.short_answer == "Frankfurt, Germany"
    assert landlord.short_answer == "Harbor View Properties LLC"
    assert late.citations[0].quote.startswith("2.2 A late fee") and late.short_answer is None  # the sentence says it
    assert latency.citations[0].quote.startswith("**Latency**") and latency.short_answer is None
    assert fee.short_answer == "$75" and (serves.short_answer, serves.citations[0].quote) == ("8", "Serves 8.")


def test_a_sections_heading_tells_what_its_list_and_first_sentence_answer(tmp_path, embedder):
    """A list right under a heading ("## Ingredients") and the first sentence of a section ("##
    In the box") say nothing of what they answer but through the heading: "What are the
    ingredients?" was declined, "What was fixed in version 2.2?" answered with one of its
    fixes, and "What is in the box?" was declined."""
    ingredients, fixed, box = answers_over(tmp_path, embedder, {
        "recipe.md": "# Banana bread\n\nMakes one loaf.\n\n## Ingredients\n\n- 3 ripe bananas\n- 250 g plain flour\n"
                     "- 100 g brown sugar\n- 1 egg\n\n## Method\n\n1. Preheat the oven to 175 °C.\n2. Mash the bananas "
                     "and mix in the rest.\n3. Bake for 60 minutes.\n",
        "changelog.md": "# Changelog\n\n## Version 2.2 (2025-01-20)\n\n### New features\n- Export reports as CSV.\n"
                        "- Dark mode for the dashboard.\n\n### Fixes\n- Fixed a crash when uploading files larger than 2 "
                        "GB.\n- Login no longer fails for passwords containing a colon.\n",
        "specs.md": "# Aurora X2 headphones\n\n## Specifications\n\nWeight: 250 g\nWarranty: 2 years\n\n## In the box\n\n"
                    "The headphones come with a carrying case, a USB-C cable and a 3.5 mm audio cable.\n",
    }, "What are the ingredients?", "What was fixed in version 2.2?", "What is in the box?")
    assert ingredients.citations[0].quote == "- 3 ripe bananas\n- 250 g plain flour\n- 100 g brown sugar\n- 1 egg"
    assert fixed.citations[0].quote.startswith("- Fixed a crash") and fixed.citations[0].quote.endswith("a colon.")
    assert not box.abstained and box.citations[0].quote.startswith("The headphones come with a carrying case")


def test_a_release_is_found_by_its_version_number(tmp_path, embedder):
    """"What is new in 2.2?" led with version 2.0's new features: "2.2" was the terms "2" and "2".
    "What was fixed in version 2.0?" led with 2.2's fix: a sentence under the section named leads."""
    new, fixed, fixed_first = answers_over(tmp_path, embedder, {"changelog.md": (
        "# Changelog\n\n## Version 2.2 (2025-01-20)\n\n### New features\n- Export reports as CSV.\n"
        "- Dark mode for the dashboard.\n\n### Fixes\n- Fixed a crash when uploading files larger than 2 GB.\n\n"
        "## Version 2.1 (2024-11-05)\n\n### New features\n- Two-factor authentication with authenticator apps.\n\n"
        "### Fixes\n- Fixed duplicate emails being sent on password reset.\n\n"
        "## Version 2.0 (2024-08-12)\n\n### New features\n- A new dashboard with charts.\n\n"
        "### Fixes\n- Fixed the export of empty reports.\n")},
        "What is new in 2.2?", "What was fixed in version 2.1?", "What was fixed in version 2.0?")
    assert fixed_first.citations[0].quote == "- Fixed the export of empty reports."
    assert fixed_first.citations[0].section == "Version 2.0 (2024-08-12) › Fixes"
    assert new.citations[0].section == "Version 2.2 (2025-01-20) › New features"
    assert fixed.citations[0].quote == "- Fixed duplicate emails being sent on password reset."


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


def test_what_a_sections_heading_holds_is_answered_from_it_and_cited(tmp_path, embedder):
    """"Which version added two-factor authentication?" answered "apps" from its item; the
    version and the date are in the release's heading, now cited as [1]."""
    changelog = ("# Changelog\n\n## Version 2.2 (2025-01-20)\n\n### New features\n- Dark mode for the dashboard.\n\n"
                 "## Version 2.1 (2024-11-05)\n\n### New features\n- Two-factor authentication with authenticator apps.\n")
    version, when, released, unreleased = answers_over(
        tmp_path, embedder, {"changelog.md": changelog}, "Which version added two-factor authentication?",
        "When was dark mode added?", "When was version 2.1 released?", "When was version 3.0 released?")
    heading, item = version.citations
    assert heading.quote == "Version 2.1 (2024-11-05)" and changelog[heading.start:heading.end] == heading.quote
    assert heading.line_start == 8 and item.quote == "- Two-factor authentication with authenticator apps."
    assert version.short_answer in ("2.1", "Version 2.1") and version.short_answer in heading.quote
    assert version.text.startswith(f"{version.short_answer} [1]\n\nTwo-factor authentication with authenticator apps. [2]")
    assert when.short_answer == "2025-01-20" and when.citations[0].quote == "Version 2.2 (2025-01-20)"
    # a heading the question names is looked up (it had been declined: no sentence says "released")
    assert released.short_answer == "2024-11-05" and released.confidence < AnswerSettings.load().threshold
    assert [c.quote for c in released.citations] == [heading.quote, item.quote]
    assert unreleased.abstained


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
    from qa.table_extremes import table_extreme
    from qa.tables import TableHeaders

    text = "| City | Staff |\n|---|---|\n| Paris | 85 |\n| Lisbon | 40 |\n| Berlin | 120 |\n| Oslo | 12 |\n"
    cut = text.index("| Berlin")

    headers = TableHeaders.of(text)
    for hits, expected in (([passage(text, 0, cut), passage(text, cut, len(text), rank=2)], "| Berlin | 120 |"),
                           ([passage(text, 0, cut)], None)):
        candidates = candidate_sentences(hits, lambda doc: headers)
        found = table_extreme(candidates, [0.0] * len(candidates), "Which city has the most staff?",
                              lambda words: re.findall(r"\w+", words.lower()), lambda doc: headers)
        assert (candidates[found[0]].text if found else None) == expected


def passage(text: str, start: int = 0, end: int | None = None, rank: int = 1) -> Hit:
    """``text[start:end]`` as a retrieved passage of one document."""
    end = len(text) if end is None else end
    return Hit(rank, f"c{rank}", "doc.txt", "Doc", "", start, end, 1 + text.count("\n", 0, start), 1, 1.0, rank, rank,
               text[start:end])


def test_only_a_messages_header_lines_are_header_lines():
    """A message's header lines answer only when looked up; meeting notes' "Date:" line is no
    message's, and stays a sentence like any other."""
    email = "From: Priya\nTo: Platform team\nSubject: Migration moved\n\nThe migration moves to Saturday night.\n"
    notes = "Date: 12 March 2025\nAttendees: Ana, Ben\n\nThe team agreed to ship the beta on 1 April.\n"
    assert [is_header_line(c) for c in candidate_sentences([passage(email)])] == [True, True, True, False]
    assert not any(is_header_line(c) for c in candidate_sentences([passage(notes)]))


@pytest.mark.parametrize(("sentence", "candidate"), [
    ("Serves 8.", True), ("From: Priya", True), ("Notes:", False), ("• Basic", False), ("4. Deposit.", False),
    ("Page 3", False)])
def test_a_short_sentence_is_a_candidate_only_if_it_can_answer(sentence, candidate):
    """Fewer than three words are no candidate answer, but a sentence with a number ("Serves
    8.", which answered nothing before) and a message's header line are."""
    text = f"The recipe is simple.\n\n{sentence}\n"
    assert (sentence in [c.text for c in candidate_sentences([passage(text)])]) is candidate


RECIPE = ("# Banana bread\n\nPrep time: 15 minutes. Serves 8.\n\n## Ingredients\n\n- 3 ripe bananas\n- 250 g plain flour\n"
          "- 100 g brown sugar\n\n## Method\n\n1. Preheat the oven to 175 °C.\n2. Mash the bananas in a large bowl.\n"
          "3. Mix in the sugar, then fold in the flour.\n4. Bake for about 60 minutes.\n\n## Storage\n\n"
          "Wrapped in foil, the bread keeps for up to four days.\n")


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
    from qa.headings import SectionHeadings

    text = "Steps:\n1. Open the lid.\n2. Pour the water.\n3. Close the lid.\n"
    cut = text.index("3.")
    candidates = candidate_sentences([passage(text, 0, cut)])
    headings = SectionHeadings(text)
    scores = [0.0] * len(candidates)
    assert list_item(candidates, scores, "What is the last step?", lambda doc: headings) is None
    assert candidates[list_item(candidates, scores, "What is the first step?", lambda doc: headings)].text == \
        "1. Open the lid."


def test_a_cell_is_the_rows_own_only_if_the_question_holds_its_words(tmp_path, embedder):
    """"Which option disables caching?" answered "Options", the section's heading: "caching"
    read as holding the cell "`--no-cache`" (the same stem), so no column was left to name."""
    readme = ("# tinyserve\n\n## Options\n\n| Option | Default | Description |\n|---|---|---|\n"
              "| `--port` | 8000 | Port to listen on |\n| `--no-cache` | off | Send headers that disable browser caching |\n"
              "| `--verbose` | off | Log every request |\n")
    caching, verbose = answers_over(tmp_path, embedder, {"README.md": readme},
                                    "Which option disables caching?", "Which option logs every request?")
    assert caching.short_answer == "--no-cache" and caching.citations[0].quote.startswith("| `--no-cache` |")
    assert verbose.short_answer == "--verbose"  # shown without its Markdown marks


LEASE = ("RESIDENTIAL LEASE AGREEMENT\n\nThis Lease Agreement is made on 1 March 2025 between Harbor View Properties "
         "LLC (\"Landlord\") and Jordan Ellis (\"Tenant\").\n\n1. Premises. The Landlord leases to the Tenant the "
         "apartment at 42 Elm Street.\n\n2. Term. The lease starts on 1 April 2025 and ends on 31 March 2026.\n")


def test_a_document_asked_about_as_a_whole_is_answered_by_its_opening(tmp_path, embedder):
    """"What is this document about?" and "Summarize the recipe." were declined (confidence
    0.00 and 0.02): no sentence says what a document is about; its opening does, cited."""
    from index.builder import build_index
    from qa import Assistant

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "lease.txt").write_text(LEASE)
    (corpus / "recipe.md").write_text(RECIPE)
    build_index(corpus, tmp_path / "index", embedder=embedder)
    with Assistant.open(tmp_path / "index", embedder=embedder) as assistant:
        lease = assistant.ask("What is the lease about?")
        recipe = assistant.ask("Summarize the recipe.")
        scoped = assistant.ask("What is this document about?", docs=["lease.txt"])
        unclear = assistant.ask("What is this document about?")  # two documents: which one?
    assert lease.citations[0].quote.startswith("This Lease Agreement is made on 1 March 2025")
    assert all(c.doc == "lease.txt" for c in lease.citations) and len(lease.citations) == 3
    assert recipe.citations[0].quote == "Prep time: 15 minutes." and recipe.short_answer is None
    assert [c.quote for c in scoped.citations] == [c.quote for c in lease.citations]
    assert unclear.abstained or not unclear.citations[0].quote.startswith("This Lease Agreement")


@pytest.mark.parametrize(("question", "subject"), [
    ("What is this document about?", "document"), ("What is the lease about?", "lease"),
    ("Summarize the recipe.", "recipe"), ("Give me an overview of this report", "report"),
    ("What is the migration about?", "migration"), ("What is the deposit?", None), ("What is it about?", None)])
def test_a_question_asks_for_an_overview_of_its_subject(question, subject):
    assert asked_subject(question) == subject
