"""What a sentence states that can be checked word for word: its numbers (digits or number
words up to twenty) and its names (capitalised words after the first), folded so that
"Beyoncé" and "Beyonce" state the same name."""

from __future__ import annotations

import re
import unicodedata

from index.tokenization import ENGLISH_STOPWORDS

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
_NUMBER_WORDS = {w: str(i) for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty".split())}


def fold(text: str) -> str:
    """Lower case without accents: "Beyoncé" and "Beyonce" state the same name."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(ch))


def numbers(text: str) -> set[str]:
    """The numbers written in digits, without thousands commas."""
    return {n.replace(",", "") for n in _NUMBER.findall(text)}


def number_values(text: str) -> set[str]:
    """The numbers in digits and in words up to twenty, as digits ("five" and "5" alike)."""
    return numbers(text) | {_NUMBER_WORDS[w] for w in map(fold, _WORD.findall(text)) if w in _NUMBER_WORDS}


def facts(text: str) -> set[str]:
    """Numbers (digits or number words up to twenty) and capitalised words after the first."""
    found = numbers(text)
    words = _WORD.findall(text)
    for i, word in enumerate(words):
        lower = fold(word)
        if lower in _NUMBER_WORDS:
            found.add(_NUMBER_WORDS[lower])
        elif i > 0 and word[0].isupper() and lower not in ENGLISH_STOPWORDS:
            found.add(lower)
    return found


def missing_facts(sentence: str, evidence: str) -> set[str]:
    """The facts of ``sentence`` that ``evidence`` does not state."""
    stated = numbers(evidence)
    for word in _WORD.findall(evidence):
        lower = fold(word)
        stated.add(_NUMBER_WORDS.get(lower, lower))
        stated.update(part for part in re.split(r"['’-]", lower) if part)
    return {fact for fact in facts(sentence) if fact not in stated}
