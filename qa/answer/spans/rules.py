"""Rules about which words of a sentence can answer a question, beside the fitted span model
(``answer.spans.model``): what a span must hold for the question asked ("when": something of
time; "how many": an amount), the spans never shown (a negation before them, a sentence that
denies what is asked, "who" answered by an amount), and how a shown span is trimmed (the
article before it, a company's legal form); the short answers rules give outright (a
definition, a defined party) are in ``answer.spans.definitions``."""

from __future__ import annotations

import re
from collections.abc import Callable

from index.tokenization import Tokenizer

from qa.answer.spans.features import MONTHS

# A span right after one of these says the opposite of what the sentence says ("Contractors are
# not eligible": "eligible"; "There is no fee": "fee"; "'No longer', he replied": "longer"), so
# such a best span is not shown; "whether or not Craig" and "without DRM" are no negation of it.
_NEGATION_BEFORE = re.compile(r"(?:(?<!\bor )\bnot|\b(?:never|no|nor|neither|cannot)|\wn[’']t)\s+$", re.IGNORECASE)
# A sentence that negates a word of the question in its main clause answers the opposite of what
# was asked ("When are refunds issued?": "Refunds are not issued for partial months."); "did not
# return until 1407" does say when. No gold sentence of the SQuAD set's 4,371 answerable
# questions reads so (one did, for a question asking what buildings were built "without").
_DENIED_WORD = re.compile(r"^[^,;:]*?(?:(?<!\bor )\bnot|\bnever|\bcannot|\wn[’']t)\s+"
                          r"(?:(?:be|been|being|yet|always|ever)\s+)?(\w+)\b(?!.*\buntil\b)", re.IGNORECASE)
_NEGATED_QUESTION = re.compile(r"\b(?:not|never|no|without)\b|n[’']t\b", re.IGNORECASE)
_STEMS = Tokenizer()
_ASKS_WHO = re.compile(r"\W*(?:\w+\s+)?(?:who|whom|whose)\b", re.IGNORECASE)  # "Who …", "To whom …"
_ASKS_WHEN = re.compile(r"\W*(?:since\s+)?when\s+(?:is|are|was|were|do|does|did|will|would|can|could|should|must|has|"
                        r"have|had|shall|may|might)\b", re.IGNORECASE)  # "When did …", not "When the lamas received …"
# What a span answering "when" holds: a number (not a code's digits: "INV-1042", "A320"), a month
# or weekday, a season, a unit or a word of time
_TIME_CUE = re.compile(r"(?<!\d)(?<!(?-i:[A-Z]))(?<!(?-i:[A-Z])-)\d"
                       r"|\b(?:january|february|march|april|may|june|july|august|september|october|november|"
                       r"december|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec|monday|tuesday|wednesday|thursday|"
                       r"friday|saturday|sunday|spring|summer|autumn|fall|winter|centur(?:y|ies)|decades?|years?|"
                       r"months?|weeks?|days?|hours?|minutes?|morning|afternoon|evening|night|noon|midnight|dynasty|"
                       r"era|age|period|war|reign|season|times?|today|tomorrow|yesterday|now|then|later|earlier|soon|"
                       r"ago|before|after|during|until|since|once|early|late|first|last|next|end|beginning|start|"
                       r"christmas|easter|holidays?|weekends?|quarter|ad|bc|bce)\b", re.IGNORECASE)
_DURATION = re.compile(r"(?:(?:about|around|over|nearly|almost|some|roughly|approximately|more than|less than|up to|"
                       r"just|only)\s+)?(?:\d[\d,.]*|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|"
                       r"twelve|twenty|thirty|forty|fifty|several|a few|few|many)\s+(?:more\s+)?(?:seconds?|"
                       r"minutes?|hours?|days?|weeks?|months?|years?|decades?|centuries)", re.IGNORECASE)
# A product's version ("PostgreSQL 16", "Windows 11"): a name's number, which says no time
_MONTH_NAMES = "|".join(sorted(MONTHS | {"jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov",
                                           "dec"}, key=len, reverse=True))
_VERSION = re.compile(rf"\b(?!(?i:{_MONTH_NAMES})\b)([A-Z][\w+-]*)\s+v?(?!(?:1\d|20)\d\d\b)\d+(?:\.\d+)*\b(?![.,]?\d)")
_ASKS_WHAT_HAPPENS = re.compile(r"\W*what\s+(?:happens|will\s+happen|would\s+happen)\s+(?:if|when|unless|once)\b",
                                re.IGNORECASE)  # a consequence: "What happens if I pay rent late?"
LEGAL_FORM = r"(?:Inc|Ltd|LLC|LLP|L\.P|N\.A|plc|GmbH|S\.A|AG|B\.V|Corp|Corporation)\b\.?"  # of a company's name
_ASKS_AMOUNT = re.compile(r"\bhow\s+(?:many|much)\b", re.IGNORECASE)
# "How much does the Team plan cost?": money, not the row's other number
_ASKS_MONEY_VERB = re.compile(r"\bhow\s+much\b.*\b(?:cost|costs|pay|paid|charge[sd]?|spen[dt]|earn(?:s|ed)?|worth)\b",
                              re.IGNORECASE)
# "What is the hotel limit in London?", "What was the population of Yingxiu?": a quantity named
# (money, "What is the late fee?": "$75", not "more than five days")
_MONEY_NOUNS = "price|cost|fee|budget|salary|allowance|charge|deposit|rent|wage|revenue|income"
_AMOUNT_NOUNS = ("limit|rate|population|amount|total|height|length|weight|distance|speed|temperature|capacity|"
                 "percentage|size")
_ASKS_NOUN = (r"^\W*what\s+(?:is|was|are|were)\s+(?:the\s+|an?\s+)?(?:[\w'’-]+\s+){{0,3}}?"
              r"(?:(?:{nouns})s?\s*(?:\b(?:of|for|in|per|to|at|on)\b|\?|$){more})")
_ASKS_MONEY_NOUN = re.compile(_ASKS_NOUN.format(nouns=_MONEY_NOUNS, more=""), re.IGNORECASE)
_ASKS_AMOUNT_NOUN = re.compile(_ASKS_NOUN.format(nouns=_AMOUNT_NOUNS, more=r"|number\s+of\b"), re.IGNORECASE)
_ARTICLE_BEFORE = re.compile(r"\b(?:a|an|the)\s$", re.IGNORECASE)
_LEADING_PREPOSITION = re.compile(r"(?:from|by|than)\s+(?=\w)", re.IGNORECASE)
_ENDS_WITHLEGAL_FORM = re.compile(rf"\s{LEGAL_FORM}$")
_NAME_WORD_BEFORE = re.compile(r"[A-Z][\w&'’-]*\s+$")  # "Acme " of "Acme Holdings Ltd"
_TRAILING_PHRASE = re.compile(r"\s+(in|at|for|of|on)\s+((?:[\w'’.-]+\s*){1,3})$", re.IGNORECASE)  # " in Berlin"
_ENDS_WITH_NUMBER = re.compile(r"(?:\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve))$",
                               re.IGNORECASE)
_TIME_UNIT_AFTER = re.compile(r"\s+(?:second|minute|hour|day|week|month|year|decade)s?\b", re.IGNORECASE)
CURRENCY = r"[$€£¥₹]|\b(?:USD|EUR|GBP|CHF|JPY)\b"  # a currency's sign or code, in a span or a table's cell
_MONEY_OR_SHARE = re.compile(rf"{CURRENCY}|%|\b(?:percent|dollars?|euros?|pounds)\b", re.IGNORECASE)
_POSSESSOR = re.compile(r"[’']s\s+((?:[\w-]+\s+){0,2}[\w-]+)")  # "'s largest trading partner"
_ASKS_WHOSE = re.compile(r"\bwhose\b|\bwho[’']s\s+(?!(?:the|a|an|his|her|their|it)\b)\w+\s+of\b", re.IGNORECASE)
_OFFERS_CHOICE = re.compile(r"\bor\b", re.IGNORECASE)
_QUANTIFIER = re.compile(r"\b(?:all|half|most|none|no|several|few|many|some|every|each|both|quarter|third)\b",
                         re.IGNORECASE)
_AMOUNT_WORD = r"[$€£¥₹]?\d+(?:[,.]\d+)*%?"  # "€250", "1,850", "20%"
_YEAR = re.compile(r"(?:1\d|20)\d\d")
PAIRED_WORDS = 3  # a name is said of an amount this close ("€180 in Berlin")
_RANGE = re.compile(r"\s*(?:and|to|or|-|–)\s*")  # between a range's ends
_ANOTHER_PAIR = re.compile(r"\b(?:and|or)\b|[,;]")  # what parts one pair of a name and an amount from the next
_AMOUNT = re.compile(r"(?<![\w-])\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
                     r"(?:thir|four|fif|six|seven|eigh|nine)teen|twenty|thirty|forty|fifty|sixty|seventy|eighty|"
                     r"ninety|hundreds?|thousands?|millions?|billions?|dozens?)\b", re.IGNORECASE)


def withheld(question: str, sentence: str, span: tuple[int, int]) -> bool:
    """Whether a span is never shown as a short answer, whatever its score: a negation right
    before it, a sentence that ``denies`` what the question asks, nothing of time for a question
    asking when (``timely``: "When was two-factor authentication added?": "apps"), or an amount with no name in
    it for a question that opens by asking who ("Who may work remotely?": "up to three days";
    the fit articles' "who" answers holding a number are names: "the 5th Dalai Lama", "E3
    attendees"), or no amount for "how many / how much" ("How much is the invoice?": "INV-1042",
    a code, not a number; quantifiers count: "Half", "All of the highways", two fit articles'
    gold answers); and any span for "What happens if / when…" (a consequence, which the sentence
    says: "What happens if I pay rent late?" gave "more than five days"; no SQuAD fit question
    asks so, and its "What happened to…" answers, "caught on fire", are kept)."""
    if _ASKS_WHAT_HAPPENS.match(question):
        return True
    text = sentence[span[0]:span[1]]
    amount = _ASKS_WHO.match(question) and _AMOUNT.search(text) and not any(w[0].isupper() for w in text.split())
    timeless = _ASKS_WHEN.match(question) and not timely(text)
    countless = _ASKS_AMOUNT.search(question) and not _AMOUNT.search(text) and not _QUANTIFIER.search(text)
    return bool(amount or timeless or countless) or follows_negation(sentence, span[0]) or denies(question, sentence)



def shown_span(sentence: str, span: tuple[int, int], question: str) -> tuple[int, int]:
    """``span`` as a short answer shows it: without a leading "from", "by" or "than" ("a
    director" of "need approval from a director"; no gold answer of the SQuAD fit articles
    opens with one, 4 of their 2,007 best spans did), and with the article right before it,
    as the sentence reads it ("an hour", "the first day of each month"): spans never start
    with one (SQuAD's answers are compared without articles), but "hour" alone reads oddly.
    A company's name is shown whole ("Acme Holdings Ltd", though "Acme" is a word of "Who owns
    Acme Cloud?", which spans are scored down for holding), and without a phrase of only the
    question's words after it ("€180" of "€180 in Berlin" for "What is the hotel limit in
    Berlin?"; not the "in" phrase a question asks for: "in what county?"). The SQuAD fit
    articles' best spans, each article left out in turn: exact match 0.4709 -> 0.4718, token F1
    0.5989 -> 0.5995 (four spans change; "80%" of "80% of the buildings" right). A number is shown
    with the unit of time after it ("within 10 days" of "returned within 10 days of the end of
    the lease", had been "within 10"), unless the question names the unit ("How many days…");
    no best span of the fit articles ends so."""
    lead = _LEADING_PREPOSITION.match(sentence, *span)
    start, end = lead.end() if lead and lead.end() < span[1] else span[0], span[1]
    if _ENDS_WITHLEGAL_FORM.search(sentence, start, end):
        while (before := _NAME_WORD_BEFORE.search(sentence, max(0, start - 40), start)) and _STEMS(before.group()):
            start = before.start()
    unit = _TIME_UNIT_AFTER.match(sentence, end) if _ENDS_WITH_NUMBER.search(sentence, start, end) else None
    if unit and not set(_STEMS(unit.group())) <= set(_STEMS(question)):  # "within 10 days", not "within 10"
        end = unit.end()
    trailing = _TRAILING_PHRASE.search(sentence, start, end)
    if trailing and trailing.start() > start and not re.search(rf"\b{trailing.group(1)}\s+(?:what|which)\b", question,
                                                              re.IGNORECASE):
        words = set(_STEMS(trailing.group(2)))
        end = trailing.start() if words and words <= set(_STEMS(question)) else end
    found = _ARTICLE_BEFORE.search(sentence, max(0, start - 4), start)
    return (found.start(), end) if found else (start, end)


def what_span_must_say(question: str) -> Callable[[str], bool] | None:
    """What a span answering ``question`` must hold, if its asking phrase says: something of
    time for "When did/is…" (``timely``), an amount for "How many/much…" (242 of the fit
    articles' 246 such gold answers hold one; "several", "Half" do not) and for "What is the
    <quantity>…" ("What is the hotel limit in London?": "€250", not "New York and Tokyo";
    8 fit questions, the fit articles left out in turn 0.601 either way, Sichuan 0.576 → 0.578),
    money or a share for "What is the <price, fee…>" ("What is the late fee?": "$75") and for
    "How much does … cost / pay / earn" ("$29" of "| Team | $29 | 10 |", not "10")."""
    if asks_when(question):
        return timely
    if _ASKS_MONEY_NOUN.search(question) or _ASKS_MONEY_VERB.search(question):
        return lambda text: bool(_MONEY_OR_SHARE.search(text))
    if _ASKS_AMOUNT.search(question) or _ASKS_AMOUNT_NOUN.search(question):
        return lambda text: bool(_AMOUNT.search(text))
    return None


def passed_over(question: str, sentence: str, spans: list[tuple[int, int]]) -> list[bool]:
    """Which ``spans`` cannot be the answer whatever their score (the question's stems read
    once for them all): a span saying only what the question already says ("3.8" for "When was
    Python 3.8 support dropped?"), unless the question offers a choice ("Spectre or Skyfall?");
    and a span owning what the question asks for rather than being it ("South Korea" of "As
    South Korea's largest trading partner, China…" for "Which country is the largest trading
    partner?": every word after its "'s", two at least, is the question's), unless it asks whose."""
    asked = set(_STEMS(question))
    choice, whose = bool(_OFFERS_CHOICE.search(question)), bool(_ASKS_WHOSE.search(question))

    def passed(start: int, end: int) -> bool:
        said = set(_STEMS(sentence[start:end]))
        if said and said <= asked and not choice:
            return True
        after = _POSSESSOR.match(sentence, end)
        owned = set(_STEMS(after.group(1))) if after and not whose else set()
        return len(owned) >= 2 and owned <= asked

    return [passed(start, end) for start, end in spans]


def paired_amount(question: str, sentence: str, spans: list[tuple[int, int]]) -> list[bool] | None:
    """For a question asking an amount and a sentence pairing several with names ("The hotel
    limit is €250 in London and €180 in Berlin.", "in London €250, in Berlin €180"), which
    ``spans`` hold the amount that a word of the question after the first amount is said of
    ("Berlin": "€180"), no other, and no word of another pair before it. Words before the first
    amount ("hotel limit") are said of them all; a range ("3,000 to 5,000") is one amount, and
    a year or a number the question holds is none. None when the question asks no amount, the
    sentence holds fewer than two, or no such word tells which."""
    if not (_ASKS_AMOUNT.search(question) or _ASKS_AMOUNT_NOUN.search(question) or _ASKS_MONEY_NOUN.search(question)):
        return None
    asked = set(_STEMS(question))
    words = list(re.finditer(rf"{_AMOUNT_WORD}(?![\w:])|\w+", sentence))  # not "57th", "17:37"
    amounts: list[list[int]] = []  # word indices of each amount (a range: both ends)
    for k, word in enumerate(words):
        text = word.group()
        if not _AMOUNT.fullmatch(text) and not re.fullmatch(_AMOUNT_WORD, text) or _YEAR.fullmatch(text) \
                or asked.intersection(_STEMS(text)) or text.lower().endswith("s") and text.isalpha() \
                or any(0 <= j < len(words) and words[j].group().lower() in MONTHS for j in (k - 1, k + 1)):
            continue  # no year, day of a month, vague "millions", or number the question holds
        gap = k - amounts[-1][-1] if amounts else 0
        if gap == 1 or gap == 2 and _RANGE.fullmatch(sentence, words[amounts[-1][-1]].end(), word.start()):
            amounts[-1].append(k)  # "3,000 to 5,000", "10.7 billion"
        else:
            amounts.append([k])
    if len(amounts) < 2:
        return None
    stems = [set(_STEMS(word.group())) for word in words]
    anchors = [k for k in range(amounts[0][0] + 1, len(words))  # question words said once, after the first amount
               if asked & stems[k] and sum(bool(stems[k] & other) for other in stems) == 1]
    names_follow = amounts[-1][-1] < len(words) - 1  # "€180 in Berlin", not "in Berlin €180"
    owners = {}
    for k in anchors:
        owner = max((n for n, amount in enumerate(amounts) if amount[-1] < k), default=None) if names_follow \
            else min((n for n, amount in enumerate(amounts) if amount[0] > k), default=None)
        if owner is not None and min(abs(k - amounts[owner][0]), abs(k - amounts[owner][-1])) <= PAIRED_WORDS:
            owners.setdefault(owner, []).append(words[k].group()[0].isupper())
    if len(owners) != 1 or not any(*owners.values()):  # all near words agree, and one is a name: "Berlin"
        return None
    owner = next(iter(owners))
    chosen = (words[amounts[owner][0]].start(), words[amounts[owner][-1]].end())
    others = [(words[amount[0]].start(), words[amount[-1]].end()) for n, amount in enumerate(amounts) if n != owner]
    return [start <= chosen[0] and chosen[1] <= end and not any(start < b and a < end for a, b in others)
            and not _ANOTHER_PAIR.search(sentence[start:chosen[0]] + " " + sentence[chosen[1]:end])
            and len(sentence[start:chosen[0]].split()) <= 3 for start, end in spans]


def asks_when(question: str) -> bool:
    """Whether ``question`` opens by asking when ("When did …", "Since when is …")."""
    return bool(_ASKS_WHEN.match(question))


def timely(text: str) -> bool:
    """Whether a span could say when: it holds a number, a month, a word of time ("first day",
    "after the war"), and is no amount of money or share ("$1,850", "20%") and no bare length
    of time ("about two hours": how long, not when; none of the SQuAD set's 216 gold answers to
    "When did/is…" is one)."""
    return bool(_TIME_CUE.search(_VERSION.sub(r"\1", text))) and not _MONEY_OR_SHARE.search(text) \
        and not _DURATION.fullmatch(text.strip())


def denies(question: str, sentence: str) -> bool:
    """Whether ``sentence`` negates a word of ``question`` in its main clause (before any comma)
    and the question negates nothing: "Refunds are not issued for partial months." for "When
    are refunds issued?"."""
    if _NEGATED_QUESTION.search(question):
        return False
    denied = _DENIED_WORD.search(sentence)
    return bool(denied) and not set(_STEMS(denied.group(1))).isdisjoint(_STEMS(question))


def follows_negation(sentence: str, start: int) -> bool:
    """Whether the word just before ``start`` negates what follows it ("not", "never", "no", "isn't" …)."""
    return bool(_NEGATION_BEFORE.search(sentence, max(0, start - 16), start))
