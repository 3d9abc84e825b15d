"""Answers over real documents of each kind, indexed on the fly: tables and CSV files, FAQs,
contracts, glossaries, changelogs with sectioned releases; a table's cell, a heading the question
names, and a document asked about as a whole."""

from __future__ import annotations

import pytest

from qa.answer.overview import asked_subject
from qa.answer.scoring import AnswerSettings

from .documents import RECIPE, answers_over


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


def test_what_a_sections_heading_holds_is_answered_from_it_and_cited(tmp_path, embedder):
    """"Which version added two-factor authentication?" answered "apps" from its item; the
    version and the date are in the release's heading, now cited as [1]."""
    changelog = ("# Changelog\n\n## Version 2.2 (2025-01-20)\n\n### New features\n- Dark mode for the dashboard.\n\n"
                 "## Version 2.1 (2024-11-05)\n\n### New features\n- Two-factor authentication with authenticator apps.\n")
    version, when, released, unreleased, release = answers_over(
        tmp_path, embedder, {"changelog.md": changelog}, "Which version added two-factor authentication?",
        "When was dark mode added?", "When was version 2.1 released?", "When was version 3.0 released?",
        "Which release added dark mode?")
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
    # a release is a version ("Which release added dark mode?" had answered "the dashboard")
    assert release.citations[0].quote == "Version 2.2 (2025-01-20)" and release.short_answer in release.citations[0].quote


def test_a_cell_is_the_rows_own_only_if_the_question_holds_its_words(tmp_path, embedder):
    """"Which option disables caching?" answered "Options", the section's heading: "caching"
    read as holding the cell "`--no-cache`" (the same stem), so no column was left to name."""
    readme = ("# tinyserve\n\n## Options\n\n| Option | Default | Description |\n|---|---|---|\n"
              "| `--port` | 8000 | Port to listen on |\n| `--no-cache` | off | Send headers that disable browser caching |\n"
              "| `--verbose` | off | Log every request |\n")
    caching, verbose, does = answers_over(tmp_path, embedder, {"README.md": readme},
                                          "Which option disables caching?", "Which option logs every request?",
                                          "What does the --no-cache option do?")
    assert caching.short_answer == "--no-cache" and caching.citations[0].quote.startswith("| `--no-cache` |")
    assert verbose.short_answer == "--verbose"  # shown without its Markdown marks
    # what an option does is its Description cell (it had shown one word of it: "Disable" of "Disable the …")
    assert does.short_answer == "Send headers that disable browser caching"


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


def test_a_section_asked_for_by_its_number_is_answered_by_its_opening(tmp_path, embedder):
    """"What does section 4 say?" was declined (confidence 0.00): no word of the question is the
    section's. A section is found by its number at any level ("3" holds "3.1"), never by a
    number that only starts another ("3.1" is no section 3); "And section 4?" follows on."""
    lease = ("# Residential lease\n\n## 1. Term\n\nThe lease starts on 1 February 2026.\n\n## 2. Rent\n\n"
             "The monthly rent is £1,150. Rent paid late incurs a fee of £50.\n\n## 3. Termination\n\n### 3.1 Notice\n\n"
             "Either party may end the lease with two months' written notice.\n\n## 4. Pets\n\nNo pets are allowed.\n")
    rent, notice, termination, pets, missing, then = answers_over(
        tmp_path, embedder, {"lease.md": lease}, "Summarize section 2.", "What is clause 3.1 about?",
        "What does section 3 say?", "What's in section 4?", "What does section 9 say?",
        ("And section 4?", ["What does section 3 say?"]))
    assert [c.quote for c in rent.citations] == ["The monthly rent is £1,150.", "Rent paid late incurs a fee of £50."]
    assert rent.short_answer is None and rent.citations[0].section == "2. Rent"
    notice_quote = "Either party may end the lease with two months' written notice."
    assert [c.quote for c in notice.citations] == [notice_quote] == [c.quote for c in termination.citations]
    assert [c.quote for c in pets.citations] == ["No pets are allowed."] == [c.quote for c in then.citations]
    assert missing.abstained or missing.citations[0].quote != "No pets are allowed."


def test_a_plain_texts_numbered_clause_is_found_by_its_number(tmp_path, embedder):
    """A plain text's (or a PDF's) clauses are numbered paragraphs, not headings: "What does
    clause 2 say?" reads that paragraph, and only it."""
    lease = LEASE + "\n3. Rent. The rent is $1,200 a month, due on the first day of each month.\n"
    term, rent, missing = answers_over(tmp_path, embedder, {"lease.txt": lease}, "What does clause 2 say?",
                                       "What is section 3 about?", "What does clause 12 say?")
    assert [c.quote for c in term.citations] == ["The lease starts on 1 April 2025 and ends on 31 March 2026."]
    assert [c.quote for c in rent.citations] == ["The rent is $1,200 a month, due on the first day of each month."]
    assert missing.abstained or not missing.citations[0].quote.startswith("The rent is")
