"""Training examples as token rows, and batches of whole questions, for ``train``."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import torch

from qa.answer.reader.encoding import encode, token_span


@dataclass
class Rows:
    """Examples as token rows (unpadded), with labels and span targets (-1: none)."""
    ids: list[list[int]] = field(default_factory=list)
    types: list[list[int]] = field(default_factory=list)
    first: list[int] = field(default_factory=list)  # first sentence token
    count: list[int] = field(default_factory=list)  # sentence tokens kept
    label: list[int] = field(default_factory=list)
    start: list[int] = field(default_factory=list)
    end: list[int] = field(default_factory=list)
    question: list[int] = field(default_factory=list)  # which question (group) the row belongs to


def to_rows(tokenizer, examples, max_tokens: int, context_tokens: int, chunk: int = 1024) -> Rows:
    rows = Rows()
    groups: dict[str, int] = {}
    for i in range(0, len(examples), chunk):
        part = examples[i:i + chunk]
        encoded = encode(tokenizer, [e.question for e in part], [e.sentence for e in part], [e.context for e in part],
                         max_tokens, context_tokens)
        for k, e in enumerate(part):
            length = int(encoded.attention_mask[k].sum())
            rows.ids.append(encoded.input_ids[k, :length].tolist())
            rows.types.append(encoded.token_type_ids[k, :length].tolist())
            first, offsets = int(encoded.sentence_start[k]), encoded.sentence_offsets[k]
            rows.first.append(first)
            rows.count.append(len(offsets))
            rows.label.append(e.label)
            rows.question.append(groups.setdefault(e.qid, len(groups)))
            target = token_span(offsets, *e.span) if e.label and e.span else None
            rows.start.append(first + target[0] if target else -1)
            rows.end.append(first + target[1] if target else -1)
    return rows


def batches(rows: Rows, size: int, rng: random.Random, window: int = 50) -> list[list[int]]:
    """Batches of whole questions (all the rows of each), about ``size`` rows: questions
    shuffled, sorted by their longest row within windows of ``window`` batches, packed, and the
    batches shuffled again."""
    groups: dict[int, list[int]] = {}
    for i, q in enumerate(rows.question):
        groups.setdefault(q, []).append(i)
    order = list(groups.values())
    rng.shuffle(order)
    per_window = max(1, window * size * len(order) // max(1, len(rows.ids)))
    out = []
    for w in range(0, len(order), per_window):
        part = sorted(order[w:w + per_window], key=lambda g: max(len(rows.ids[i]) for i in g))
        batch: list[int] = []
        for group in part:
            batch += group
            if len(batch) >= size:
                out.append(batch)
                batch = []
        if batch:
            out.append(batch)
    rng.shuffle(out)
    return out


def collate(rows: Rows, index: list[int]) -> dict[str, torch.Tensor]:
    length = max(len(rows.ids[i]) for i in index)
    n = len(index)
    ids = torch.zeros((n, length), dtype=torch.long)
    mask = torch.zeros((n, length), dtype=torch.long)
    types = torch.zeros((n, length), dtype=torch.long)
    allowed = torch.zeros((n, length), dtype=torch.bool)
    for k, i in enumerate(index):
        m = len(rows.ids[i])
        ids[k, :m] = torch.tensor(rows.ids[i])
        types[k, :m] = torch.tensor(rows.types[i])
        mask[k, :m] = 1
        allowed[k, rows.first[i]:rows.first[i] + rows.count[i]] = True
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": types, "allowed": allowed,
            "label": torch.tensor([rows.label[i] for i in index], dtype=torch.float32),
            "start": torch.tensor([rows.start[i] for i in index]), "end": torch.tensor([rows.end[i] for i in index]),
            "question": torch.tensor([rows.question[i] for i in index])}
