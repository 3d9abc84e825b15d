"""SQuAD-format data end to end on a small slice written here: the loader (v1/v2, exact gold
spans), `corpusqa eval` as retrieval and as answers (with an article left out of the index),
short answers taken from the sentence they cite, and follow-ups not dragged across topics."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from cli.main import cli
from qa.evaluate.datasets import DatasetError
from qa.evaluate.squad import load_squad, materialise_squad_corpus

ARTICLES = {
    "Harbour_of_Vellmar": [
        ("The harbour of Vellmar opened in 1850 as a fishing port for herring boats. Its first warehouse "
         "burned down in 1871 and was rebuilt in brick by the town council.",
         [("When did the harbour of Vellmar open?", "1850"), ("What was the first warehouse rebuilt in?", "brick")],
         ["When did the harbour of Vellmar close?"]),
        ("The new pier of Vellmar is made of recycled steel from old ships. It was finished in 2025 and cost "
         "14 million euros.",
         [("What is the new pier of Vellmar made of?", "recycled steel"), ("How much did the new pier cost?", "14 million euros")],
         []),
    ],
    "Kestrel_Observatory": [
        ("The Kestrel Observatory stands on Mount Arden at an altitude of 2,300 metres. Its main telescope has "
         "a mirror of 3.6 metres and was built by Halden Optics.",
         [("How high is the Kestrel Observatory?", "2,300 metres"), ("Who built the main telescope?", "Halden Optics")],
         []),
    ],
    "Otter_Fund": [
        ("The Otter Fund protects river habitats in the northern valleys. It employs seven rangers and was "
         "founded by Mara Lind in 1994.",
         [("Who founded the Otter Fund?", "Mara Lind"), ("How many rangers does the Otter Fund employ?", "seven")],
         []),
    ],
}


@pytest.fixture
def squad_file(tmp_path):
    data = []
    for title, paragraphs in ARTICLES.items():
        items = []
        for p, (context, answerable, impossible) in enumerate(paragraphs):
            qas = [{"id": f"{title}-{p}-{i}", "question": q, "is_impossible": False,
                    "answers": [{"text": a, "answer_start": context.index(a)}]} for i, (q, a) in enumerate(answerable)]
            qas += [{"id": f"{title}-{p}-x{i}", "question": q, "is_impossible": True, "answers": [],
                     "plausible_answers": []} for i, q in enumerate(impossible)]
            items.append({"context": context, "qas": qas})
        data.append({"title": title, "paragraphs": items})
    path = tmp_path / "slice.json"
    path.write_text(json.dumps({"version": "v2.0", "data": data}))
    return path


def test_loader_keeps_gold_spans_exact_and_detects_the_version(squad_file, tmp_path):
    dataset = load_squad(squad_file)
    assert dataset.version == "v2" and len(dataset.articles) == 3 and len(dataset.questions) == 9
    texts = {a.doc: a.text for a in dataset.articles}
    for q in dataset.questions:
        assert [texts[q.doc][s:e] for s, e in q.spans] == list(q.answers)
    assert sum(not q.answerable for q in dataset.questions) == 1
    assert dataset.paragraph_of(dataset.articles[0].doc, *dataset.articles[0].paragraphs[1]) == [
        f"{dataset.articles[0].doc}#1"]
    assert load_squad(squad_file, ["Otter Fund"]).articles[0].title == "Otter Fund"
    with pytest.raises(DatasetError, match="no article Moon"):
        load_squad(squad_file, ["Moon"])
    v1 = json.loads(squad_file.read_text())
    for article in v1["data"]:
        for paragraph in article["paragraphs"]:
            paragraph["qas"] = [{k: v for k, v in qa.items() if k != "is_impossible"} for qa in paragraph["qas"]
                                if not qa["is_impossible"]]
    (tmp_path / "v1.json").write_text(json.dumps(v1))
    assert load_squad(tmp_path / "v1.json").version == "v1"


def test_eval_as_retrieval_and_as_answers(squad_file):
    runner = CliRunner()
    retrieval = runner.invoke(cli, ["eval", str(squad_file), "--json"])
    assert retrieval.exit_code == 0, retrieval.output
    payload = json.loads(retrieval.stdout)
    assert payload["queries"] == 8 and payload["split"] == "retrieval: question → paragraph"
    hybrid = payload["results"][2]
    assert hybrid["mode"] == "hybrid" and hybrid["Recall@10"] == 1.0 and hybrid["MRR@10"] >= 0.75
    answers = runner.invoke(cli, ["eval", str(squad_file), "--task", "answers", "--split", "all",
                                  "--holdout-articles", "1", "--modes", "hybrid,bm25", "--after-other-article",
                                  "--json"])
    assert answers.exit_code == 0, answers.output
    payload = json.loads(answers.stdout)
    assert payload["queries"] == 9 and "Otter Fund" in payload["settings"]
    assert [r["mode"] for r in payload["results"]] == ["hybrid", "bm25", "hybrid+other", "bm25+other"]
    for row in payload["results"][2:]:  # each question after one about another article: none dragged there
        assert row["dragged_back"] == 0.0 and row["cited_sentence_holds_gold"] >= 0.5, row
    for row in payload["results"][:2]:
        assert row["answerable"] == 8 and 0 <= row["out_of_corpus_declined"] <= 1
        # Retrieval finds every paragraph here; the sentence choice misses some "It …" sentences.
        assert row["cited_sentence_holds_gold"] >= 0.5, row
        assert row["first_cited_holds_gold"] <= row["cited_sentence_holds_gold"]
    bad = runner.invoke(cli, ["eval", str(squad_file), "--task", "answers", "--split", "all",
                              "--holdout-articles", "3"])
    assert bad.exit_code == 2 and "leaves no article" in bad.stderr


def test_eval_ranks_on_qdrant_as_on_the_local_backend(squad_file, tmp_path):
    runner = CliRunner()
    folder = tmp_path / "qdrant"
    figures = {}
    for backend in (["--backend", "local"], ["--backend", "qdrant", "--qdrant-path", str(folder)]):
        result = runner.invoke(cli, ["eval", str(squad_file), "--modes", "bm25,hybrid", "--json", *backend])
        assert result.exit_code == 0, result.output
        figures[backend[1]] = {row["mode"]: row["nDCG@10"] for row in json.loads(result.stdout)["results"]}
        assert json.loads(result.stdout)["backend"] == backend[1]
    assert figures["local"].keys() == figures["qdrant"].keys() == {"bm25", "hybrid"}
    assert all(abs(figures["local"][m] - figures["qdrant"][m]) <= 0.01 for m in figures["local"]), figures
    assert (folder / "collection").is_dir()  # the set was published to Qdrant, not ranked locally again
    wrong = runner.invoke(cli, ["eval", str(squad_file), "--qdrant-path", str(folder)])
    assert wrong.exit_code == 2 and "need --backend qdrant" in wrong.stderr


def test_short_answers_come_from_the_sentence_they_cite(squad_file):
    from index.builder import build_index
    from qa import Assistant

    dataset = load_squad(squad_file)
    corpus, index_dir = materialise_squad_corpus(dataset)
    build_index(corpus, index_dir)
    with Assistant.open(index_dir) as assistant:
        shorts = 0
        for q in dataset.questions:
            answer = assistant.ask(q.question)
            if answer.short_answer:
                shorts += 1
                assert answer.short_answer in answer.citations[0].quote, q.question
                assert answer.segments[0] == (answer.short_answer, (1,))
        assert shorts >= 3
        # A question about another article after a turn about the harbour is not dragged back to it.
        switched = assistant.ask("Who founded the Otter Fund?", history=["When did the harbour of Vellmar open?"])
        assert "harbour" not in switched.retrieval_query.lower() and "Vellmar" not in switched.retrieval_query
        assert switched.citations and switched.citations[0].doc.startswith("Otter")


def test_a_changed_bm25_setting_rebuilds_and_is_used(tmp_path, embedder):
    from index.builder import build_index
    from index.lexical import BM25Settings
    from qa import Assistant

    from .conftest import SHIPPED_CORPUS

    build_index(SHIPPED_CORPUS, tmp_path / "index", embedder=embedder)
    summary = build_index(SHIPPED_CORPUS, tmp_path / "index", embedder=embedder, bm25=BM25Settings("okapi", 1.2, 0.75))
    assert "BM25 settings changed" in summary.rebuild_reason and summary.embedded == 0  # vectors reused
    with Assistant.open(tmp_path / "index", dense=False) as assistant:
        assert assistant.retriever.lexical.settings == BM25Settings("okapi", 1.2, 0.75)


def test_calibrate_fits_on_the_fit_articles_and_both_modes_answer_with_the_result(squad_file, shipped_index,
                                                                                  tmp_path, monkeypatch):
    from pathlib import Path

    questions = Path(__file__).resolve().parent.parent / "qa" / "data" / "questions.jsonl"
    runner = CliRunner()
    for flag, env in (([], "CORPUSQA_ANSWER_CONFIG"), (["--without-dense"], "CORPUSQA_ANSWER_CONFIG_LEXICAL")):
        config = tmp_path / f"config{len(flag)}.json"
        fitted = runner.invoke(cli, ["calibrate", str(questions), "--squad", str(squad_file), *flag,
                                     "--output", str(config), "--index-dir", str(shipped_index)])
        assert fitted.exit_code == 0, fitted.output
        calibration = json.loads(config.read_text())["calibration"]
        # fit articles: Harbour (4 answerable) and Otter (2), the latter also asked of an index without it
        assert calibration["questions"] == {"labelled": 49, "squad": 6, "squad-outside": 2}
        assert calibration["abstention_recall"] >= 0.95 and 0 < json.loads(config.read_text())["threshold"] < 1
        monkeypatch.setenv(env, str(config))
    answers = runner.invoke(cli, ["ask", "How many vessels does Singapore supply with marine fuel each year?",
                                  "--json", "--index-dir", str(shipped_index)])
    assert "130,000" in json.loads(answers.stdout)["answer"]
    bad = runner.invoke(cli, ["calibrate", str(questions), "--squad", str(questions), "--index-dir", str(shipped_index)])
    assert bad.exit_code == 2 and "not a SQuAD-format JSON file" in bad.stderr
