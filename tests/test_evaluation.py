"""`corpusqa eval` on a small real BEIR folder and on labelled questions, `calibrate`, and
the feedback export round trip, end to end through the CLI."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from qa.cli import cli
from qa.datasets import load_questions
from qa.evaluation import collapse_to_documents, ranking_metrics
from ui.feedback import FEEDBACK_FILE, FeedbackStore

from .conftest import ROOT

DOCS = {
    "walrus": ("Walrus census", "The 2026 walrus census counted 812 walruses on the sea ice."),
    "otter": ("Otter fund", "The otter fund employs seven staff and protects river habitats."),
    "kiwi": ("Kiwi levy", "A kiwi levy of five percent applies to imported fruit."),
    "zebra": ("Zebra tariff", "Zebra crossings are painted white; the zebra tariff is nine percent."),
    "heron": ("Heron survey", "Herons nest in tall trees near lakes and rivers."),
}
QUERIES = {"q1": ("How many walruses were counted?", "walrus"), "q2": ("Who protects river habitats?", "otter"),
           "q3": ("What is the levy on imported fruit?", "kiwi")}


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
    assert payload["queries"] == 3 and payload["split"] == "test"
    assert [r["mode"] for r in payload["results"]] == ["bm25", "dense", "hybrid"]
    for row in payload["results"]:
        assert set(row) == {"mode", "nDCG@10", "Recall@10", "Recall@100", "MRR@10", "MAP@100",
                            "latency_ms_p50", "latency_ms_p95"}
        assert row["Recall@10"] == 1.0 and row["nDCG@10"] > 0.9  # five documents, obvious queries
    assert {p.name for p in (tmp_path / "report").iterdir()} == {"report.md", "recall_at_k.png", "latency.png"}
    second = runner.invoke(cli, ["eval", str(beir_folder), "--modes", "bm25"])
    assert second.exit_code == 0 and "cached" in second.stderr and "bm25" in second.stdout


def test_metrics_come_from_trec_eval_and_keep_each_documents_best_passage():
    qrels = {"q": {"relevant": 1}}
    # Passages of "relevant" at ranks 3 and 1 of the passage list: the document is first.
    run = {"q": collapse_to_documents(["relevant", "other", "relevant", "third"], 100)}
    metrics, curve = ranking_metrics(qrels, run)
    assert metrics["nDCG@10"] == 1.0 and metrics["MRR@10"] == 1.0 and curve[1] == 1.0
    second = ranking_metrics(qrels, {"q": collapse_to_documents(["other", "relevant"], 100)})[0]
    assert second["MRR@10"] == 0.5 and second["nDCG@10"] == pytest.approx(1 / 1.5849625, rel=1e-6)
    assert ranking_metrics(qrels, {})[0]["Recall@100"] == 0.0  # a query with no results counts as zero


def test_labelled_eval_and_calibrate(shipped_index, tmp_path):
    runner = CliRunner()
    questions = ROOT / "qa" / "data" / "questions.jsonl"
    result = runner.invoke(cli, ["eval", str(questions), "--split", "test", "--modes", "hybrid", "--json",
                                 "--index-dir", str(shipped_index)])
    assert result.exit_code == 0, result.output
    row = json.loads(result.stdout)["results"][0]
    assert row["citation_exactness"] == 1.0 and row["evidence_recall@5"] >= 0.9
    assert row["answer_accuracy"] >= 0.7 and row["follow_up_accuracy"] is not None
    calibrated = runner.invoke(cli, ["calibrate", str(questions), "--output", str(tmp_path / "config.json"),
                                     "--index-dir", str(shipped_index)])
    assert calibrated.exit_code == 0, calibrated.output
    config = json.loads((tmp_path / "config.json").read_text())
    assert config["calibration"]["split"] == "tune" and 0 < config["threshold"] < 2


def test_feedback_export_is_evaluable(shipped_index, tmp_path, assistant):
    index_copy = tmp_path / "index"
    import shutil

    shutil.copytree(shipped_index, index_copy)
    store = FeedbackStore(index_copy / FEEDBACK_FILE)
    liked = assistant.ask("How many vessels does Singapore supply with marine fuel each year?").as_dict()
    disliked = assistant.ask("Who won the 2018 FIFA World Cup?").as_dict()
    store.record(True, liked, [])
    store.record(False, disliked, ["earlier question"])
    store.close()
    runner = CliRunner()
    exported = tmp_path / "feedback.jsonl"
    result = runner.invoke(cli, ["feedback", "export", str(exported), "--index-dir", str(index_copy)])
    assert result.exit_code == 0 and "wrote 2 labelled questions" in result.stderr
    up, down = load_questions(exported)
    assert up.answerable and up.answers == ["130,000 vessels"] and "130,000 vessels" in up.evidence
    assert not down.answerable and down.history == ["earlier question"]
    evaluated = runner.invoke(cli, ["eval", str(exported), "--split", "all", "--modes", "hybrid", "--json",
                                    "--index-dir", str(index_copy)])
    row = json.loads(evaluated.stdout)["results"][0]
    assert row["answer_accuracy"] == 1.0 and row["abstention_recall"] == 1.0
