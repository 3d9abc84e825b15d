"""Rules about which words of a sentence can answer a question, beside the fitted span model
(``short_answer_model``): what a span must hold for the question asked ("when": something of
time; "how many": an amount), the spans never shown (a negation before them, a sentence that
denies what is asked, "who" answered by an amount), and the short answers that rules give
outright (a definition asked for, a party a contract defines, the article before a span)."""

from __future__ import annotations

import re
from collections.abc import Callable

from index.tokenization import Tokenizer

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
# What a span answering "when" holds: a number, a month or weekday, a season, a unit or a word of time
_TIME_CUE = re.compile(r"\d|\b(?:january|february|march|april|may|june|july|august|september|october|november|"
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
# A name followed by the term a document defines it as: 'Harbor View Properties LLC ("Landlord")',
# 'Acme Inc. (the "Supplier")' (contracts name their parties so, and refer to them by the term after).
_DEFINED_NAME = re.compile(r"((?:[A-Z][\w.&'’-]*\s+(?:(?:of|and|&|de|du|van|von)\s+)?)*[A-Z][\w.&'’-]*"
                           r"(?:,\s+(?:Inc|Ltd|LLC|LLP|L\.P|N\.A|plc|GmbH|S\.A|AG|B\.V)\b\.?)?),?\s*"
                           r"\(\s*(?:(?:the|hereinafter|each|a|an)\s+)*[\"“']([^\"”'()]{1,60})[\"”']\s*\)")
# "What is latency?" of "**Latency**: the time between…": the sentence is the definition asked for,
# and no few words of it answer.
_ASKS_DEFINITION = re.compile(r"\s*(?:what\s+(?:is|are)\s+(?:an?\s+|the\s+)?(.+?)|what\s+(?:does|do)\s+(?:an?\s+|the\s+)?"
                              r"(.+?)\s+(?:mean|stand\s+for)|define\s+(.+?))\s*[?.]?\s*", re.IGNORECASE)
DEFINITION_WORDS = 10  # a longer definition is no short answer: the sentence says it
NO_SPAN = (0, 0)  # a rule's answer that there is no short answer
_ASKS_WHAT_HAPPENS = re.compile(r"\W*what\s+(?:happens|will\s+happen|would\s+happen)\s+(?:if|when|unless|once)\b",
                                re.IGNORECASE)  # a consequence: "What happens if I pay rent late?"
_ASKS_AMOUNT = re.compile(r"\bhow\s+(?:many|much)\b", re.IGNORECASE)
# "What is the hotel limit in London?", "What was the population of Yingxiu?": a quantity named
# (money, "What is the late fee?": "$75", not "more than five days")
_MONEY_NOUNS = "price|cost|fee|budget|salary|allowance|charge|deposit|rent|wage|revenue|income"
_AMOUNT_NOUNS = ("limit|rate|population|amount|total|height|length|weight|distance|speed|temperature|capacity|"
                 "percentage|size")
_ASKS_NOUN = (r"^\W*what\s+(?:is|was|are|were)\s+(?:the\s+|an?\s+)?(?:[\w'’-]+\s+){{0,3}}?"
              r"(?:(?:{nouns})s?\s*(?:\b(?:of|for|in|per|to|at|on)\b|\?|$){more})")
_ASKS_MONEY_NOUN = re.compile(_ASKS_NOUN.format(nouns=_MONEY_NOUNS, more=""), re.IGNORECASE)
_ASKS_AMOUNT_NOUN = re.compile(_ASKS_NOUN.format(nouns=_AMOUNT_NOUNS, more=r"|number\s+of\b"), re.IGNORECASE)
_ASKS_NAME = re.compile(r"\b(?:who|whom|whose|which|what|name)\b", re.IGNORECASE)
_ARTICLE_BEFORE = re.compile(r"\b(?:a|an|the)\s$", re.IGNORECASE)
_LEADING_PREPOSITION = re.compile(r"(?:from|by|than)\s+(?=\w)", re.IGNORECASE)
CURRENCY = r"[$€£¥₹]|\b(?:USD|EUR|GBP|CHF|JPY)\b"  # a currency's sign or code, in a span or a table's cell
_MONEY_OR_SHARE = re.compile(rf"{CURRENCY}|%|\b(?:percent|dollars?|euros?|pounds)\b", re.IGNORECASE)
_AMOUNT = re.compile(r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
                     r"(?:thir|four|fif|six|seven|eigh|nine)teen|twenty|thirty|forty|fifty|sixty|seventy|eighty|"
                     r"ninety|hundreds?|thousands?|millions?|billions?|dozens?)\b", re.IGNORECASE)


def withheld(question: str, sentence: str, span: tuple[int, int]) -> bool:
    """Whether a span is never shown as a short answer, whatever its score: a negation right
    before it, a sentence that ``denies`` what the question asks, nothing of time for a question
    asking when (``timely``: "When was two-factor authentication added?": "apps"), or an amount with no name in
    it for a question that opens by asking who ("Who may work remotely?": "up to three days";
    the fit articles' "who" answers holding a number are names: "the 5th Dalai Lama", "E3
    attendees"); and any span for "What happens if / when…" (a consequence, which the sentence
    says: "What happens if I pay rent late?" gave "more than five days"; no SQuAD fit question
    asks so, and its "What happened to…" answers, "caught on fire", are kept)."""
    if _ASKS_WHAT_HAPPENS.match(question):
        return True
    text = sentence[span[0]:span[1]]
    amount = _ASKS_WHO.match(question) and _AMOUNT.search(text) and not any(w[0].isupper() for w in text.split())
    timeless = _ASKS_WHEN.match(question) and not timely(text)
    return bool(amount or timeless) or follows_negation(sentence, span[0]) or denies(question, sentence)


def defines(question: str, sentence: str) -> int | None:
    """Where the definition starts, if ``question`` asks what a term is or means and
    ``sentence`` opens by defining it ("What is latency?": after "**Latency**:" of "**Latency**:
    the time between a request being sent and…"; "What is solar power?": after "Solar power is"
    of "Solar power is the conversion of sunlight into electricity, …")."""
    asked = _ASKS_DEFINITION.fullmatch(question)
    if not asked:
        return None
    term = re.escape(next(group for group in asked.groups() if group))
    found = re.match(rf"[\s*_`#>•-]*{term}[*_`]*\s*(?:\([^()]*\)\s*)?(?::|(?:is|are|means|refers\s+to)\b(?=\s+(?:an?|the)\b))\s*",
                     sentence, re.IGNORECASE)
    return found.end() if found else None


def definition(question: str, sentence: str) -> tuple[int, int] | None:
    """The ``[start, end)`` of the definition a sentence gives of the term ``question`` asks
    about, up to the first clause break, if it is at most ``DEFINITION_WORDS`` words ("the
    conversion of sunlight into electricity"); ``NO_SPAN`` for a longer one (the sentence is
    the answer: no few words of it are); None if it defines nothing asked."""
    start = defines(question, sentence)
    if start is None:
        return None
    end = re.search(r"[,;:.()]\s|[.]?$", sentence[start:]).start() + start
    return (start, end) if 0 < len(sentence[start:end].split()) <= DEFINITION_WORDS else NO_SPAN


def shown_span(sentence: str, span: tuple[int, int]) -> tuple[int, int]:
    """``span`` as a short answer shows it: without a leading "from", "by" or "than" ("a
    director" of "need approval from a director"; no gold answer of the SQuAD fit articles
    opens with one, 4 of their 2,007 best spans did), and with the article right before it,
    as the sentence reads it ("an hour", "the first day of each month"): spans never start
    with one (SQuAD's answers are compared without articles), but "hour" alone reads oddly."""
    lead = _LEADING_PREPOSITION.match(sentence, *span)
    start = lead.end() if lead and lead.end() < span[1] else span[0]
    found = _ARTICLE_BEFORE.search(sentence, max(0, start - 4), start)
    return (found.start(), span[1]) if found else (start, span[1])


def what_span_must_say(question: str) -> Callable[[str], bool] | None:
    """What a span answering ``question`` must hold, if its asking phrase says: something of
    time for "When did/is…" (``timely``), an amount for "How many/much…" (242 of the fit
    articles' 246 such gold answers hold one; "several", "Half" do not) and for "What is the
    <quantity>…" ("What is the hotel limit in London?": "€250", not "New York and Tokyo";
    8 fit questions, the fit articles left out in turn 0.601 either way, Sichuan 0.576 → 0.578),
    money or a share for "What is the <price, fee…>" ("What is the late fee?": "$75")."""
    if asks_when(question):
        return timely
    if _ASKS_MONEY_NOUN.search(question):
        return lambda text: bool(_MONEY_OR_SHARE.search(text))
    if _ASKS_AMOUNT.search(question) or _ASKS_AMOUNT_NOUN.search(question):
        return lambda text: bool(_AMOUNT.search(text))
    return None


def asks_when(question: str) -> bool:
    """Whether ``question`` opens by asking when ("When did …", "Since when is …")."""
    return bool(_ASKS_WHEN.match(question))


def timely(text: str) -> bool:
    """Whether a span could say when: it holds a number, a month, a word of time ("first day",
    "after the war"), and is no amount of money or share ("$1,850", "20%") and no bare length
    of time ("about two hours": how long, not when; none of the SQuAD set's 216 gold answers to
    "When did/is…" is one)."""
    return bool(_TIME_CUE.search(text)) and not _MONEY_OR_SHARE.search(text) and not _DURATION.fullmatch(text.strip())


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


def defined_name(question: str, sentence: str) -> tuple[int, int] | None:
    """The ``[start, end)`` of the name ``sentence`` defines as a term the question asks about
    ("Who is the landlord?": "Harbor View Properties LLC" of 'Harbor View Properties LLC
    ("Landlord") and Jordan Ellis ("Tenant")'), for a question asking who or what."""
    if not _ASKS_NAME.search(question):
        return None
    asked = set(_STEMS(question))
    for found in _DEFINED_NAME.finditer(sentence):
        term = _STEMS(found.group(2))
        if term and set(term) <= asked:
            return found.span(1)
    return None
