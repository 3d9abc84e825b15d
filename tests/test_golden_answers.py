"""The answers recorded before qa/ was rebuilt (bench/golden_answers.py): every labelled and
office question, in hybrid and BM25 mode, gives the same answer text, short answer, abstention
and citations, and the same confidence within 1e-4. Embeddings run in fp32 (sentence-transformers),
which reads the same on any CPU; the SQuAD report and real-documents sets are checked by
`python -m bench.golden_answers check` (minutes, not for every run)."""

from __future__ import annotations

import pytest

from bench.golden_answers import ask_sets, differences, load_golden


@pytest.mark.parametrize("name", ["labelled", "office"])
def test_answers_are_as_recorded(name):
    recorded = load_golden()
    answers = ask_sets([name], progress=False)
    assert len(answers) == sum(1 for key in recorded if key.startswith(f"{name}/")) > 100
    assert differences(recorded, answers) == []
