"""The rules beside the fitted span model (``qa/answer/spans/rules.py``): the spans never shown (a
negation before them, a sentence denying what is asked, nothing of time for "when", no amount
for "how many", a span saying only what the question says or owning what it asks for), how a shown span reads, and the
short answers rules give outright (a contract's party, a term's definition, the amount a
sentence pairs with the name asked about)."""

from __future__ import annotations

import pytest

from qa.answer.spans.definitions import defined_name, definition
from qa.answer.spans.rules import denies, follows_negation, paired_amount, passed_over, shown_span, timely, withheld


@pytest.mark.parametrize(("sentence", "span", "negated"), [
    ("Contractors are not eligible.", "eligible", True), ("There is no fee.", "fee", True),
    ("It isn’t free.", "free", True), ('"No longer", he replied.', "longer", True),
    ("It never closed after 1932.", "closed", True), ("Tolls were abolished in 2004.", "2004", False),
    ("It depends on whether or not Craig returns.", "Craig", False),
    ("A converter without Digital Rights Management is free.", "Digital Rights Management", False),
    ("The pianist played No. 5 twice.", "5", False), ("Smith was not invited.", "Smith", False),
])
def test_a_negation_just_before_a_span_is_told(sentence, span, negated):
    assert follows_negation(sentence, sentence.index(span)) is negated


@pytest.mark.parametrize(("question", "sentence", "span", "expected"), [
    ("Who may work remotely?", "Staff of 90 days may work remotely up to three days a week.", "up to three days", True),
    ("Who may work remotely?", "Staff of 90 days may work remotely up to three days a week.", "Staff", False),
    ("Who was the first Dalai Lama to rule?", "It was the 5th Dalai Lama.", "the 5th Dalai Lama", False),
    ("To whom did she pay 5 dollars?", "She paid 5 dollars to the clerk.", "5 dollars", True),
    ("How many employees who work remotely get a laptop?", "There are 40 such employees.", "40", False),
    ("Which employees are eligible?", "Contractors are not eligible.", "eligible", True),
    ("When was two-factor login added?", "Two-factor login with authenticator apps.", "apps", True),
    ("When was two-factor login added?", "Two-factor login came in the spring.", "spring", False),
    ("When is rent due?", "Rent of $1,850 is due on the first day.", "$1,850", True),  # money says no when
    ("When is the migration?", "Expect about two hours of downtime.", "about two hours", True),  # how long
    ("What happens if rent is late?", "A late fee of $75 applies if rent is late.", "$75", True),  # a clause says it
    ("When is the migration?", "It starts two hours after the backup.", "two hours after the backup", False),
    ("When is the migration?", "The move to PostgreSQL 16 is on Saturday.", "PostgreSQL 16", True),  # a version
    ("When did Nintendo announce it?", "It was announced at E3 2005.", "E3 2005", False),
    ("How much is the invoice?", "Invoice number: INV-1042", "INV-1042", True),  # a code's digits: no amount
    ("How many failed?", "Half of the links failed.", "Half", False),
    ("When the lamas came, who did they send?", "They sent their subordinates.", "subordinates", False),
])
def test_spans_that_cannot_answer_are_withheld(question, sentence, span, expected):
    start = sentence.index(span)
    assert withheld(question, sentence, (start, start + len(span))) is expected


@pytest.mark.parametrize(("sentence", "span", "shown"), [
    ("Baking takes about an hour.", "hour", "an hour"), ("Visit The Hague.", "Hague", "The Hague"),
    ("Sea bream is served.", "bream", "bream"), ("Theme parks open.", "parks", "parks"),
    ("Late bookings need approval from a director.", "from a director", "a director"),
    ("It was written by Harper Lee.", "by Harper Lee", "Harper Lee"), ("It moved from", "from", "from")])
def test_a_short_answer_reads_with_its_article_and_without_from_or_by(sentence, span, shown):
    start = sentence.index(span)
    assert sentence[slice(*shown_span(sentence, (start, start + len(span)), "What is it?"))] == shown


@pytest.mark.parametrize(("question", "sentence", "span", "shown"), [
    ("Who owns Acme Cloud?", "Acme Cloud is owned by Acme Holdings Ltd.", "Holdings Ltd", "Acme Holdings Ltd"),
    ("Who owns it?", "Acme Holdings Ltd owns it.", "Holdings Ltd", "Acme Holdings Ltd"),
    ("Who was the Grand Secretary?", "Grand Secretary Yang Tinghe resigned.", "Yang Tinghe", "Yang Tinghe"),
    ("What is the hotel limit in Berlin?", "It is €250 in London and €180 in Berlin.", "€180 in Berlin", "€180"),
    ("What is the limit?", "It is €180 in Berlin.", "€180 in Berlin", "€180 in Berlin"),
    ("The school is one of the biggest in what county?", "It is the largest in An County.", "largest in An County",
     "the largest in An County"),
    ("When do I get my deposit back?", "It is returned within 10 days of the end.", "within 10", "within 10 days"),
    ("How long is the lease?", "It runs for twelve months.", "twelve", "twelve months"),
    ("How many days does it take?", "It is returned within 10 days.", "10", "10")])
def test_a_span_shows_a_whole_company_name_and_a_numbers_unit_of_time_but_no_phrase_of_the_questions_words_after_it(
        question, sentence, span, shown):
    start = sentence.index(span)
    assert sentence[slice(*shown_span(sentence, (start, start + len(span)), question))] == shown


@pytest.mark.parametrize(("question", "sentence", "denied"), [
    ("When are refunds issued?", "Refunds are not issued for partial months.", True),
    ("Which employees are eligible?", "Contractors aren't eligible.", True),
    ("When are refunds issued?", "Refunds are never late.", False),  # negates no word of the question
    ("When did Hou Xian return to Nanjing?", "Hou Xian did not return to Nanjing until 1407.", False),
    ("Why are refunds not issued?", "Refunds are not issued for partial months.", False),  # asked negated
    ("What are the courts part of?", "There are other courts, which are not part of the state system.", False),
])
def test_a_sentence_that_negates_what_the_question_asks_is_told(question, sentence, denied):
    assert denies(question, sentence) is denied


@pytest.mark.parametrize(("question", "sentence", "name"), [
    ("Who is the landlord?", 'Made between Harbor View Properties LLC ("Landlord") and Jordan Ellis ("Tenant").',
     "Harbor View Properties LLC"),
    ("Who is the tenant?", 'Made between Harbor View Properties LLC ("Landlord") and Jordan Ellis ("Tenant").',
     "Jordan Ellis"),
    ("Which bank is the Lender?", "Entered into by Bank of America, N.A. (the “Lender”) and Acme Corp.",
     "Bank of America, N.A."),
    ("When does the tenant move in?", 'Made with Jordan Ellis ("Tenant").', None),  # asks no name
    ("Who is the landlord?", 'The software (the "Product") is licensed.', None),  # another term
])
def test_a_party_a_contract_defines_is_named_by_its_term(question, sentence, name):
    span = defined_name(question, sentence)
    assert (sentence[slice(*span)] if span else None) == name


@pytest.mark.parametrize(("question", "sentence", "short"), [
    ("What is solar power?", "Solar power is the conversion of sunlight into electricity, either directly or not.",
     "the conversion of sunlight into electricity"),
    ("What is a widget?", "**Widget**: a small gadget.", "a small gadget"),
    ("What is latency?", "**Latency**: the time between a request being sent and the first byte of the response "
     "arriving.", ""),  # too long for a short answer: the sentence is the answer, no few words of it
    ("What does idempotent mean?", "Idempotent means that repeating an operation changes nothing.", None),
    ("What is the rent?", "Rent is $1,850 per month.", None),  # a value, not a definition
    ("What are Poes?", "Poes, enemy ghosts, appear at night.", None),
])
def test_a_definition_asked_for_is_the_short_answer_or_none(question, sentence, short):
    span = definition(question, sentence)
    assert (sentence[slice(*span)] if span else None) == short


@pytest.mark.parametrize(("question", "sentence", "amount"), [
    ("What is the hotel limit in Berlin?", "The nightly hotel limit is €250 in London and €180 in Berlin.", "€180"),
    ("What is the hotel limit in London?", "The nightly hotel limit is €250 in London and €180 in Berlin.", "€250"),
    ("What is the hotel limit in Berlin?", "In London the limit is €250, in Berlin €180.", "€180"),
    ("How much does the Pro plan cost?", "The Starter plan costs $9 a month, the Pro plan $29 and the Business plan $99.",
     "$29"),
    ("How many died in Beichuan?", "Between 3,000 to 5,000 died in Beichuan and 100 in Mianyang.",
     "3,000 to 5,000"),
    # no name tells: a word said before the first amount, a common word, one said twice, a lone amount
    ("What is the hotel limit in London?", "In London the limit is €250, in Berlin €180.", None),
    ("How many houses were still under construction?",
     "200,000 homes had been rebuilt, and 685,000 were under reconstruction, but 1.94 million were still without.", None),
    ("How much had been allocated by May 16?", "By May 16, $772 million had been allocated, up from $159 million on May 14.",
     None),
    ("How much are meals reimbursed?", "Meals are reimbursed up to €60 per day.", None)])
def test_a_sentence_pairing_amounts_with_names_answers_with_the_one_the_question_names(question, sentence, amount):
    """"What is the hotel limit in Berlin?" answered "€250 in London and €180"; on the SQuAD fit
    articles' gold sentences no best span changes (a pairing told only by a name: "still" or
    "children" after an amount told wrong 8 times in 13)."""
    spans = [(a, b) for a in range(len(sentence)) for b in range(a + 1, len(sentence) + 1)
             if sentence[a:b].strip() == sentence[a:b] and sentence[a:b]]
    paired = paired_amount(question, sentence, spans)
    if amount is None:
        assert paired is None or not any(paired)
    else:
        start = sentence.index(amount)
        held = {sentence[a:b] for (a, b), fits in zip(spans, paired, strict=True) if fits}
        assert amount in held and all(amount in text for text in held)
        assert (start, start + len(amount)) in [span for span, fits in zip(spans, paired, strict=True) if fits]


@pytest.mark.parametrize(("question", "span", "echoes"), [
    ("When was Python 3.8 support dropped?", "3.8", True), ("Who owns Acme Cloud?", "Acme", True),
    ("Who owns Acme Cloud?", "Acme Holdings", False),
    ("Which film grossed more, Skyfall or Spectre?", "Skyfall", False),
    ("What is it?", "the", False)])
def test_a_span_saying_only_what_the_question_says_answers_nothing(question, span, echoes):
    assert passed_over(question, span, [(0, len(span))]) == [echoes]


@pytest.mark.parametrize(("question", "sentence", "span", "owner"), [
    ("Which country is the largest trading partner?", "As South Korea’s largest trading partner, China leads.",
     "South Korea", True),
    ("Whose largest trading partner is China?", "As South Korea’s largest trading partner, China leads.",
     "South Korea", False),
    ("Which publication does Javier Glickman write for?", "Javier Glickman of Hyper's review praised it.", "Hyper",
     False),  # one word after it, not the question's phrase
    ("Who's lack of concern helped the Mongols?", "The Ming court's lack of concern helped them.", "Ming court",
     False)])
def test_a_span_owning_what_the_question_asks_for_is_not_it(question, sentence, span, owner):
    start = sentence.index(span)
    assert passed_over(question, sentence, [(start, start + len(span))]) == [owner]


@pytest.mark.parametrize(("span", "says_when"), [
    ("INV-1042", False), ("A320", False), ("COVID-19", False), ("mid-1990s", True), ("2025-01-20", True),
    ("in Q3 2024", True), ("14:59", True), ("3 December 2025", True), ("about two hours", False)])
def test_a_codes_digits_say_no_time(span, says_when):
    """"When is the invoice due?" had shown "INV-1042" of "Invoice number: INV-1042"."""
    assert timely(span) is says_when
