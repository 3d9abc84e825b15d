"""Short answers that rules give outright, without the span model: the definition a sentence
gives of the term a question asks about ("What is solar power?"), and the name a contract
defines as the party asked about ("Who is the landlord?")."""

from __future__ import annotations

import re

from index.tokenization import Tokenizer

from qa.answer.spans.rules import LEGAL_FORM

_STEMS = Tokenizer()
# A name followed by the term a document defines it as: 'Harbor View Properties LLC ("Landlord")',
# 'Acme Inc. (the "Supplier")' (contracts name their parties so, and refer to them by the term after).
_DEFINED_NAME = re.compile(r"((?:[A-Z][\w.&'’-]*\s+(?:(?:of|and|&|de|du|van|von)\s+)?)*[A-Z][\w.&'’-]*"
                           rf"(?:,\s+{LEGAL_FORM})?),?\s*"
                           r"\(\s*(?:(?:the|hereinafter|each|a|an)\s+)*[\"“']([^\"”'()]{1,60})[\"”']\s*\)")
# "What is latency?" of "**Latency**: the time between…": the sentence is the definition asked for,
# and no few words of it answer.
_ASKS_DEFINITION = re.compile(r"\s*(?:what\s+(?:is|are)\s+(?:an?\s+|the\s+)?(.+?)|what\s+(?:does|do)\s+(?:an?\s+|the\s+)?"
                              r"(.+?)\s+(?:mean|stand\s+for)|define\s+(.+?))\s*[?.]?\s*", re.IGNORECASE)
DEFINITION_WORDS = 10  # a longer definition is no short answer: the sentence says it
NO_SPAN = (0, 0)  # a rule's answer that there is no short answer
_ASKS_NAME = re.compile(r"\b(?:who|whom|whose|which|what|name)\b", re.IGNORECASE)


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
