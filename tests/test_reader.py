"""The reader model: the shipped file is the one its card describes, it runs without torch, a
few training steps on a tiny slice lower the loss and export a file that loads and scores, and
in the pipeline it picks a paraphrased answer and declines a near miss that the sentence score
alone gets wrong."""

from __future__ import annotations

import hashlib
import re

import pytest

from index.builder import build_index

from .conftest import ROOT, SHARED, run_python, shared_dataset

READER_DIR = ROOT / "qa" / "data" / "reader"


def test_shipped_reader_is_the_file_its_card_describes():
    card = (READER_DIR / "MODEL_CARD.md").read_text(encoding="utf-8")
    model = READER_DIR / "reader.onnx"
    stated = re.search(r"`reader\.onnx`: ([\d,]+) bytes, sha256 `([0-9a-f]{64})`", card)
    assert stated, "the card states the file's size and sha256"
    assert int(stated.group(1).replace(",", "")) == model.stat().st_size
    assert hashlib.sha256(model.read_bytes()).hexdigest() == stated.group(2)
    assert model.stat().st_size <= 25 * 1024 * 1024


def test_reader_scores_without_importing_torch():
    code = ("import sys; from qa.answer.reader.model import Reader; "
            "p, spans = Reader.load().score('When was the bridge opened?', "
            "['The bridge opened in 2001 after four years of work.', 'Tolls pay for its upkeep.'], ['', '']); "
            "assert 'torch' not in sys.modules, 'torch imported'; "
            "text = 'The bridge opened in 2001 after four years of work.'; "
            "print(round(float(p[0]), 4), round(float(p[1]), 4), text[slice(*spans[0])])")
    first, second, span = run_python(code).split(maxsplit=2)
    assert float(first) > float(second)  # the sentence saying when beats one that does not
    assert "2001" in span


def test_a_few_training_steps_lower_the_loss_and_export_a_reader_that_scores(tmp_path):
    shared_dataset(SHARED / "datasets" / "squad1-dev-36")
    from qa.answer.reader.model import Reader
    from qa.fit.reader import export, train

    record = train.train(tmp_path / "trained", train.Settings(max_steps=12, examples=160, batch=16),
                         run_eval=False, progress=False)
    assert record["steps"] == 12
    assert record["probe_loss_after"] < record["probe_loss_before"]
    export.main(["--trained", str(tmp_path / "trained"), "--out", str(tmp_path / "out")])
    reader = Reader.load(tmp_path / "out" / "reader.onnx")
    probabilities, spans = reader.score("Who wrote it?", ["Harper Lee wrote it in 1960.", "It sold well."])
    assert probabilities.shape == (2,) and all(0.0 < p < 1.0 for p in probabilities)
    assert all(0 <= a <= b for a, b in spans)
    assert "sha256" in (tmp_path / "out" / "MODEL_CARD.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def bridge_index(tmp_path_factory, embedder):
    corpus = tmp_path_factory.mktemp("bridge") / "corpus"
    corpus.mkdir()
    (corpus / "harbour-bridge.md").write_text(BRIDGE, encoding="utf-8")
    index_dir = corpus.parent / "index"
    build_index(corpus, index_dir, embedder=embedder)
    return index_dir


def asked(index_dir, embedder, question: str, reader: bool):
    from qa import Assistant

    with Assistant.open(index_dir, embedder=embedder, reader=reader) as assistant:
        return assistant.ask(question)


def test_how_the_city_paid_is_answered_by_the_funding_sentence_not_the_one_sharing_words(bridge_index, embedder):
    """The issue's own example: "pay" and "city" are in the toll sentence, the answer is "funded"."""
    question = "How did the city pay for the bridge?"
    assert asked(bridge_index, embedder, question, reader=False).citations[0].quote.startswith("The city council")
    assert asked(bridge_index, embedder, question, reader=True).citations[0].quote.startswith(
        "The bridge was funded by a toll bond")


BRIDGE = """# The Harbour Bridge

The Harbour Bridge crosses the river between the old town and the port district.
The city opened the bridge to traffic in 2001, after four years of construction.
Its main span is 410 metres long and carries four lanes and a cycle path.
The bridge was funded by a toll bond issued in 1998, repaid from tolls until 2019.
The city council sets the toll each spring; drivers pay at the gantries on the north bank.
A maintenance crew repaints the steel every seven years.
"""


def test_a_near_miss_is_declined_with_the_reader_and_answered_without(shipped_index, embedder):
    """The shipped corpus names Singapore's prime minister but never his party: the sentence
    score alone answers with a sentence that shares the question's words."""
    question = "Which party does Singapore's prime minister lead?"
    assert not asked(shipped_index, embedder, question, reader=False).abstained
    assert asked(shipped_index, embedder, question, reader=True).abstained


@pytest.fixture(scope="module")
def article_index(tmp_path_factory, embedder):
    """One SQuAD 1.1 development article the reader never trained on, as a plain-text document."""
    from qa.evaluate.squad import load_squad

    dataset = load_squad(shared_dataset(SHARED / "datasets" / "squad1-dev-36" / "dev-v1.1-36-articles.json"),
                         [PARAPHRASE_ARTICLE])
    corpus = tmp_path_factory.mktemp("article") / "corpus"
    corpus.mkdir()
    article = dataset.articles[0]
    (corpus / article.doc).write_text(article.text, encoding="utf-8")
    build_index(corpus, corpus.parent / "index", embedder=embedder)
    return corpus.parent / "index", {q.question: q for q in dataset.questions}


def test_a_paraphrased_question_is_answered_with_the_right_sentence(article_index, embedder):
    index_dir, questions = article_index
    gold = questions[PARAPHRASED]

    def first_holds_gold(answer) -> bool:
        first = answer.citations[0]
        return any(first.start <= s and e <= first.end for s, e in gold.spans)

    assert not first_holds_gold(asked(index_dir, embedder, PARAPHRASED, reader=False))
    assert first_holds_gold(asked(index_dir, embedder, PARAPHRASED, reader=True))


# A development article (never trained on) and a question whose words point elsewhere: the
# gold sentence says "Catholicism", while sentences sharing "Norman" and "religion" do not answer.
PARAPHRASE_ARTICLE = "Normans"
PARAPHRASED = "What was the Norman religion?"
