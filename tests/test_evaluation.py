"""`corpusqa eval` on a small real BEIR folder and on labelled questions, `calibrate`, and
the feedback export round trip, end to end through the CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from cli.main import cli
from qa.evaluate.datasets import load_questions
from qa.evaluate.retrieval import ModeResult, bootstrap_interval, collapse_to_documents, paired_differences, ranking_metrics
from qa.feedback import FEEDBACK_FILE, FeedbackStore

from .conftest import ROOT

DOCS = {
    "walrus": ("Walrus census", "The 2026 walrus census counted 812 walruses on the sea ice."),
    "otter": ("Otter fund", "The otter fund employs seven staff and protects river habitats."),
    "kiwi": ("Kiwi levy", "A kiwi levy of five percent applies to imported fruit."),
    "zebra": ("Zebra tariff", "Zebra crossings are painted white; the zebra tariff is nine percent."),
    "heron": ("Heron survey", "Herons nest in tall trees near lakes and rivers."),
    # Distractors sharing the queries' words, so that ranking has something to get wrong.
    **{f"census-{i}": (f"Census report {i}", f"The {i}th census of seals counted many animals on the ice.")
       for i in range(1, 13)},
    **{f"fund-{i}": (f"River fund {i}", f"A fund of {i} million protects river banks and employs staff.")
       for i in range(1, 13)},
    **{f"levy-{i}": (f"Import levy {i}", f"An import levy of {i} percent applies to imported cars.")
       for i in range(1, 13)},
}
QUERIES = {"q1": ("How many walruses were counted?", "walrus"), "q2": ("Who protects river habitats?", "otter"),
           "q3": ("What is the levy on imported fruit?", "kiwi"),
           "q4": ("Where do zebras sleep at night?", "heron")}  # judged against a document that cannot match


@pytest.fixture
def beir_folder(tmp_path):
    folder = tmp_path / "tiny-beir"
    (folder / "qrels").mkdir(parents=True)
    (folder / "corpus.jsonl").write_text("".join(
        json.dumps({"_id": doc_id, "title": title, "text": text}) + "\n" for doc_id, (title, text) in DOCS.items()))
    (folder / "queries.jsonl").write_text("".join(
        json.dumps({"_id": qid, "text": text}) + "\n" for qid, (text, _) in QUERIES.items()))
    (folder / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\n" + "".join(
        f"{qid}\t{doc}\t1\n" for qid, (_, doc) in QUERIES.items()))
    return folder


def test_beir_eval_json_report_and_cache(beir_folder, tmp_path):
    runner = CliRunner()
    first = runner.invoke(cli, ["eval", str(beir_folder), "--json", "--report", str(tmp_path / "report")])
    assert first.exit_code == 0, first.output
    payload = json.loads(first.stdout)
    assert payload["queries"] == 4 and payload["split"] == "test" and payload["passages"] == 41
    assert "search --k 100" in payload["settings"] and "top 100" in payload["settings"]
    assert [r["mode"] for r in payload["results"]] == ["bm25", "dense", "hybrid"]
    for row in payload["results"]:
        assert set(row) == {"mode", "nDCG@10", "nDCG@10_ci95", "Recall@10", "Recall@100", "MRR@10", "MAP@100",
                            "latency_ms_p50", "latency_ms_p95"}
        low, high = row["nDCG@10_ci95"]
        assert low < row["nDCG@10"] < high <= 1.0, row  # 4 queries: a wide interval
        # Three queries find their document first among 41; the fourth's is never first.
        assert 0.75 <= row["MRR@10"] < 1.0 and row["nDCG@10"] < 1.0, row
    bm25 = payload["results"][0]
    assert bm25["MRR@10"] == 0.75 and bm25["Recall@10"] == 0.75  # BM25 cannot match the fourth at all
    assert [d["modes"] for d in payload["paired_differences"]] == ["dense - bm25", "hybrid - bm25", "hybrid - dense"]
    for difference in payload["paired_differences"]:
        later, earlier = (next(r for r in payload["results"] if r["mode"] == m) for m in difference["modes"].split(" - "))
        assert difference["nDCG@10"] == pytest.approx(later["nDCG@10"] - earlier["nDCG@10"], abs=2e-4)
    assert {p.name for p in (tmp_path / "report").iterdir()} == {"report.md", "recall_at_k.png", "latency.png"}
    assert "| hybrid - dense |" in (tmp_path / "report" / "report.md").read_text()
    second = runner.invoke(cli, ["eval", str(beir_folder), "--modes", "bm25"])
    assert second.exit_code == 0 and "cached" in second.stderr and "bm25" in second.stdout
    assert "bm25 0.7500 [0.2500, 1.0000]" in second.stdout and "paired" not in second.stdout  # one mode: no pair


def test_paired_differences_tell_a_consistent_gain_from_noise():
    def mode(name: str, values: list[float]) -> ModeResult:
        return ModeResult(name, {}, [], per_query_ndcg={f"q{i}": v for i, v in enumerate(values)})

    rng = np.random.default_rng(1)
    base = rng.uniform(0.2, 0.8, 200)
    better = mode("better", list(base + 0.05))  # better on every query
    shuffled = mode("shuffled", list(rng.permutation(base)))  # the same scores on other queries
    consistent, noise = paired_differences([mode("base", list(base)), better, shuffled])[:2]
    assert consistent["nDCG@10"] == pytest.approx(0.05, abs=1e-4) and consistent["ci95"] == pytest.approx([0.05, 0.05], abs=1e-4)
    assert noise["nDCG@10"] == pytest.approx(0.0, abs=1e-4) and noise["ci95"][0] < 0 < noise["ci95"][1]
    low, high = bootstrap_interval(list(base))
    assert low < base.mean() < high and high - low < 0.1


class CountingEmbedder:
    """The real embedder, counting the queries it embeds (to see each mode start cold)."""

    def __init__(self, embedder) -> None:
        self.embedder, self.queries = embedder, 0

    def encode_with_tokens(self, texts: list[str]):
        self.queries += len(texts)
        return self.embedder.encode_with_tokens(texts)


def test_each_mode_is_timed_with_a_cold_query_cache(beir_folder, embedder):
    from index.builder import build_index
    from qa import Assistant
    from qa.evaluate.datasets import load_beir, materialise_beir_corpus
    from qa.evaluate.retrieval import beir_units, evaluate_retrieval
    from qa.cache import VectorCache

    beir = load_beir(beir_folder)
    corpus, index_dir = materialise_beir_corpus(beir)
    build_index(corpus, index_dir, embedder=embedder)
    with Assistant.open(index_dir, embedder=embedder) as assistant:
        counting = CountingEmbedder(embedder)
        assistant.retriever.query_vectors = VectorCache(counting, 4096)
        evaluate_retrieval(beir.queries, beir.qrels, assistant.retriever, ["dense", "hybrid", "dense"],
                           beir_units(assistant.retriever))
    assert counting.queries == 3 * len(beir.queries)  # every mode embedded every query itself


def test_metrics_come_from_trec_eval_and_keep_each_documents_best_passage():
    qrels = {"q": {"relevant": 1}}
    # Passages of "relevant" at ranks 3 and 1 of the passage list: the document is first.
    run = {"q": collapse_to_documents(["relevant", "other", "relevant", "third"], 100)}
    metrics, curve, per_query = ranking_metrics(qrels, run)
    assert metrics["nDCG@10"] == 1.0 and metrics["MRR@10"] == 1.0 and curve[1] == 1.0 and per_query == {"q": 1.0}
    second = ranking_metrics(qrels, {"q": collapse_to_documents(["other", "relevant"], 100)})[0]
    assert second["MRR@10"] == 0.5 and second["nDCG@10"] == pytest.approx(1 / 1.5849625, rel=1e-6)
    assert ranking_metrics(qrels, {})[0]["Recall@100"] == 0.0  # a query with no results counts as zero


def test_labelled_eval_uses_asks_settings_and_calibration_reproduces_its_figures(shipped_index, tmp_path,
                                                                                   monkeypatch):
    runner = CliRunner()
    questions = ROOT / "qa" / "data" / "questions.jsonl"
    result = runner.invoke(cli, ["eval", str(questions), "--split", "test", "--modes", "hybrid", "--json",
                                 "--index-dir", str(shipped_index)])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["settings"] == ("each question asked as `corpusqa ask --k 8`; ranked on the index's own backend "
                                   "(backend.json); with the reader; latency per mode from cold caches")
    assert payload["backend"] == "as saved"
    row = payload["results"][0]
    assert row["citation_exactness"] == 1.0 and row["evidence_recall@5"] >= 0.9
    assert row["answer_accuracy"] >= 0.75 and row["follow_up_accuracy"] >= 0.66
    config = tmp_path / "config.json"
    calibrated = runner.invoke(cli, ["calibrate", str(questions), "--output", str(config),
                                     "--index-dir", str(shipped_index)])
    assert calibrated.exit_code == 0, calibrated.output
    fitted = json.loads(config.read_text())["calibration"]
    # The figures calibration reports are what eval then measures with that config on the same split.
    monkeypatch.setenv("CORPUSQA_ANSWER_CONFIG", str(config))
    tune = json.loads(runner.invoke(cli, ["eval", str(questions), "--split", "tune", "--modes", "hybrid",
                                          "--json", "--index-dir", str(shipped_index)]).stdout)["results"][0]
    assert fitted["split"] == "tune" and fitted["questions"] == {"labelled": tune["questions"]}
    for name in ("abstention_recall", "answered_recall", "answered_precision", "abstention_precision"):
        assert fitted[name] == tune[name], name
    unknown = runner.invoke(cli, ["calibrate", str(questions), "--split", "tnue", "--index-dir", str(shipped_index)])
    assert unknown.exit_code == 2 and "no questions of split 'tnue'" in unknown.stderr and "tune" in unknown.stderr


def test_the_office_documents_questions_quote_their_documents_and_are_answered_with_exact_citations(tmp_path,
                                                                                                     embedder):
    """The second labelled set (documents of the kinds people upload): every answerable
    question's evidence is verbatim in its document, and its held-out half is answered with
    exact citations (0.76 of it when written)."""
    from index.builder import build_index
    from qa import Assistant
    from qa.evaluate.datasets import load_questions

    build_index(ROOT / "qa" / "data" / "office", tmp_path / "index", embedder=embedder)
    questions = load_questions(ROOT / "qa" / "data" / "office_questions.jsonl")
    with Assistant.open(tmp_path / "index", embedder=embedder) as assistant:
        for question in (q for q in questions if q.answerable):
            assert question.evidence in assistant.document(question.doc).text, question.id
    assert {q.split for q in questions} == {"tune", "test"}
    documents = {split: {q.doc for q in questions if q.split == split and q.answerable} for split in ("tune", "test")}
    assert not documents["tune"] & documents["test"]
    result = CliRunner().invoke(cli, ["eval", str(ROOT / "qa" / "data" / "office_questions.jsonl"), "--split", "test",
                                      "--modes", "hybrid", "--json", "--index-dir", str(tmp_path / "index")])
    assert result.exit_code == 0, result.output
    row = json.loads(result.stdout)["results"][0]
    assert row["citation_exactness"] == 1.0 and row["answer_accuracy"] >= 0.65, row


def test_feedback_export_holds_only_what_raters_said(shipped_index, tmp_path, assistant):
    import shutil

    from qa.feedback import SHOULD_HAVE_ANSWERED, SHOULD_NOT_HAVE_ANSWERED

    index_copy = tmp_path / "index"
    shutil.copytree(shipped_index, index_copy)
    store = FeedbackStore(index_copy / FEEDBACK_FILE)
    liked = assistant.ask("How many vessels does Singapore supply with marine fuel each year?").as_dict()
    declined = assistant.ask("Who won the 2018 FIFA World Cup?").as_dict()
    answered = assistant.ask("What does the partnership plan for cybersecurity?").as_dict()
    store.record(True, liked, [])
    missed = store.record(False, declined, ["earlier question"])
    store.explain(missed, SHOULD_HAVE_ANSWERED, declined["passages"][0])
    wrongly = store.record(False, answered, [])
    store.explain(wrongly, SHOULD_NOT_HAVE_ANSWERED)
    store.record(False, liked, [])  # a thumbs-down with no reason: not a label
    with pytest.raises(ValueError, match="unknown verdict"):
        store.explain(wrongly, "meh")
    store.close()
    runner = CliRunner()
    exported = tmp_path / "feedback.jsonl"
    result = runner.invoke(cli, ["feedback", "export", str(exported), "--index-dir", str(index_copy)])
    assert result.exit_code == 0 and "wrote 3 labelled questions" in result.stderr
    assert "1 ratings say too little" in result.stderr
    up, should_answer, should_not = load_questions(exported)
    assert up.answerable and up.answers == ["130,000"] and "130,000 vessels" in up.evidence
    assert declined["abstained"]  # the rater says it should not have declined: answerable, with a passage
    assert should_answer.answerable and should_answer.answers == [] and should_answer.history == ["earlier question"]
    assert should_answer.doc == declined["passages"][0]["doc"] and should_answer.evidence == declined["passages"][0]["text"]
    assert not should_not.answerable and not answered["abstained"]
    evaluated = runner.invoke(cli, ["eval", str(exported), "--split", "all", "--modes", "hybrid", "--json",
                                    "--index-dir", str(index_copy)])
    row = json.loads(evaluated.stdout)["results"][0]
    # What the raters said is measured: one of two answerable right, the unanswerable one answered.
    assert row["answer_accuracy"] == 0.5 and row["abstention_recall"] == 0.0


def test_feedback_files_of_the_earlier_schema_open_and_take_reasons(tmp_path):
    import sqlite3

    from qa.feedback import WRONG_ANSWER

    path = tmp_path / FEEDBACK_FILE
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE feedback (id INTEGER PRIMARY KEY, created TEXT NOT NULL, liked INTEGER NOT NULL, "
               "question TEXT NOT NULL, history TEXT NOT NULL, answer TEXT NOT NULL, abstained INTEGER NOT NULL, "
               "citations TEXT NOT NULL, short_answer TEXT)")
    db.execute("INSERT INTO feedback VALUES (1, 'then', 0, 'q?', '[]', 'a', 0, '[]', NULL)")
    db.commit()
    db.close()
    store = FeedbackStore(path)
    store.explain(1, WRONG_ANSWER, {"doc": "a.txt", "text": "The answer."})
    assert store.rows()[0]["verdict"] == WRONG_ANSWER and store.rows()[0]["right_doc"] == "a.txt"
    assert store.rows()[0]["rater"] is None  # rated before raters were recorded
    store.record(True, {"question": "q2?", "answer": "b", "abstained": True, "citations": []}, [], rater="rita")
    assert [row["rater"] for row in store.rows()] == [None, "rita"]
    store.close()


def test_each_evaluated_mode_starts_from_cold_caches(assistant, monkeypatch):
    question = "How many vessels does Singapore supply with marine fuel each year?"
    assistant.ask(question)
    embedded: list[int] = []
    embed = assistant.retriever.embedder.encode_with_tokens
    monkeypatch.setattr(assistant.retriever.embedder, "encode_with_tokens",
                        lambda texts: embedded.append(len(texts)) or embed(texts))
    assistant.ask(question)
    assert embedded == []  # warm: the question and its sentences were kept
    assistant.forget_cached()  # what every evaluated mode starts with
    assistant.ask(question)
    assert embedded[0] == 1 and sum(embedded[1:]) > 1  # the question, then its passages' sentences
