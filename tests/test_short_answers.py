"""Short answers: the shipped span model is what `corpusqa calibrate-short-answers` fits on the
shared SQuAD set, it holds up on the articles it never saw, the parser reads names, dates and
phrases in a sentence, and every short answer the product shows is words of the sentence its
[1] cites (none for "why" or keyword questions)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from cli.main import cli
from qa.answer.spans import syntax as span_syntax
from qa.answer.compose import display_sentence
from qa.answer.spans.model import SHORT_ANSWER_MODEL, SHORT_ANSWER_MODEL_LEXICAL, ShortAnswerModel, consensus
from qa.answer.spans.features import DENSE_FEATURES, FEATURES, span_candidates
from qa.answer.spans.vectors import VECTOR_FEATURES, piece_spans, vector_rows
from qa.answer.spans.trees import TreeEnsemble

from .conftest import SHARED, run_python, shared_dataset

SQUAD = SHARED / "datasets" / "squad2-train-10" / "train-v2.0-10-articles.json"


@pytest.mark.parametrize("options, shipped_path, names", [
    ([], SHORT_ANSWER_MODEL, DENSE_FEATURES), (["--without-dense"], SHORT_ANSWER_MODEL_LEXICAL, FEATURES)])
def test_the_shipped_models_are_what_calibration_fits_and_hold_on_unseen_articles(tmp_path, options, shipped_path,
                                                                                   names):
    dataset = shared_dataset(SQUAD)
    output = tmp_path / "short_answers.json"
    result = CliRunner().invoke(cli, ["calibrate-short-answers", str(dataset), *options, "--output", str(output)])
    assert result.exit_code == 0, result.output
    fitted, shipped = ShortAnswerModel.load(output), ShortAnswerModel.load(shipped_path)
    assert fitted.features == names and fitted.reads_vectors == (not options)
    # LightGBM is deterministic for a given thread count, and the word vectors are fp32 (`fp32_embedder`):
    # allow for another CPU's float sums
    for half in ("fit", "report"):
        assert all(abs(fitted.fitted[half][m] - shipped.fitted[half][m]) < 0.005 for m in ("shown", "exact", "f1"))
    assert abs(fitted.threshold - shipped.threshold) < 0.05
    report = fitted.fitted["report"]  # articles never fitted on, each question given its gold sentence
    assert report["f1"] >= 0.45 and report["shown"] >= 0.9, report
    assert report["f1_of_shown"] >= 0.45, report
    if not options:  # the word vectors read better than the model without them, on unseen articles
        assert report["f1"] > ShortAnswerModel.load(SHORT_ANSWER_MODEL_LEXICAL).fitted["report"]["f1"]


def test_word_pieces_are_found_in_the_text_they_came_from():
    text = "Frédéric Chopin left Żelazowa Wola — for good."
    pieces = ["frederic", "chopin", "left", "ze", "##la", "##zow", "##a", "wo", "##la", "—", "for", "good", ".", "[UNK]"]
    spans = piece_spans(text, pieces)
    assert [text[a:b] for a, b in spans[:9]] == ["Frédéric", "Chopin", "left", "Że", "la", "zow", "a", "Wo", "la"]
    assert text[slice(*spans[12])] == "." and spans[13] is None


def test_word_vectors_describe_spans_and_the_dense_model_reads_them(embedder):
    sentence = "The Minute Waltz was composed by Frédéric Chopin in 1847 in Paris."
    words = ["Frédéric Chopin", "1847", "Paris", "Minute Waltz"]
    spans = [(sentence.index(w), sentence.index(w) + len(w)) for w in words]
    model = ShortAnswerModel.load(SHORT_ANSWER_MODEL)
    for question, expected in [("Who composed the Minute Waltz?", "Frédéric Chopin"),
                               ("When was the Minute Waltz composed?", "1847")]:
        tokens = embedder.encode_with_tokens([question, sentence])[1]
        rows = vector_rows(tokens[0], tokens[1], sentence, spans)
        assert rows.shape == (4, len(VECTOR_FEATURES)) and (rows[:, :2] > 0).all()
        repeats = rows[:, VECTOR_FEATURES.index("question_match")]
        assert repeats[3] > 0.9 and repeats[:3].max() < 0.5  # "Minute Waltz" is the question's own words
        best = model.best(question, sentence, (tokens[0], tokens[1]))
        assert model.shown(best) and sentence[slice(*best.span)] == expected
    with pytest.raises(ValueError, match="reads word vectors"):
        model.best(question, sentence)
    no_asking_phrase = embedder.encode_with_tokens(["Minute Waltz composer", sentence])[1]
    assert not vector_rows(*no_asking_phrase, sentence, spans).any()


def test_a_model_for_other_features_is_refused(tmp_path):
    data = json.loads(SHORT_ANSWER_MODEL.read_text())
    data["features"].remove(DENSE_FEATURES[0])
    stale = tmp_path / "stale.json"
    stale.write_text(json.dumps(data))
    with pytest.raises(ValueError, match="calibrate-short-answers"):
        ShortAnswerModel.load(stale)


def test_saved_trees_score_as_lightgbm_does():
    import lightgbm

    rng = np.random.default_rng(0)
    rows = np.column_stack([rng.normal(size=(3000, 3)), rng.integers(0, 3, 3000), rng.random(3000) > 0.5])
    relevant = (rows[:, 0] + rows[:, 3] * rows[:, 1] + rows[:, 4] > 1).astype(int)
    ranker = lightgbm.train({"objective": "lambdarank", "num_leaves": 7, "verbose": -1},
                            lightgbm.Dataset(rows, label=relevant, group=[30] * 100), num_boost_round=50)
    saved = TreeEnsemble.from_json(json.loads(json.dumps(TreeEnsemble.from_lightgbm(ranker.dump_model()).as_json())),
                                   columns=5)
    unseen = np.column_stack([rng.normal(size=(500, 3)), rng.integers(0, 3, 500), rng.random(500) > 0.5])
    unseen[:5, 0] = saved.threshold[(saved.feature == 0) & np.isfinite(saved.threshold)][:5]  # on a split itself
    assert len(saved.roots) == 50 and np.allclose(saved.scores(unseen), ranker.predict(unseen, raw_score=True), atol=1e-9)
    with pytest.raises(ValueError, match="beyond the 4 given"):
        TreeEnsemble.from_json(saved.as_json(), columns=4)


def test_candidate_spans_are_words_of_the_sentence():
    sentence = "In return, South Korea pledges $350 billion (about 20% of GDP) in US investments."
    candidates = span_candidates("How much did South Korea pledge?", sentence)
    texts = [sentence[a:b] for a, b in candidates.spans]
    assert "$350 billion" in texts and "20%" in texts
    assert not any(text.startswith(("the ", "in ")) or "(" in text or ")" in text for text in texts)
    assert candidates.features.shape == (len(texts), len(FEATURES))
    assert span_candidates("Why did South Korea pledge?", sentence).spans == []
    opening = "Moreover, Maxthon’s team has already added an incognito mode."
    texts = [opening[a:b] for a, b in span_candidates("Which browser offers an incognito mode?", opening).spans]
    assert "Maxthon" in texts and "Maxthon’s team" in texts and "incognito mode" in texts
    assert "Maxthon’s" not in texts  # a trailing possessive is left out
    assert not any(t.split()[0] in {"Moreover", "has", "already"} or t.endswith((" has", " already")) for t in texts)
    assert span_candidates("South Korea investment pledge", sentence).spans == []
    row = "| Enterprise plan | $99 | unlimited |"  # a table row: no span crosses a cell
    texts = [row[a:b] for a, b in span_candidates("How much does the Enterprise plan cost?", row).spans]
    assert "$99" in texts and not any("|" in t for t in texts)
    hours = "Core hours are 10:00 to 16:00 and meals are covered up to €40 per day."  # a time is one word
    texts = [hours[a:b] for a, b in span_candidates("What are the core hours?", hours).spans]
    assert "10:00 to 16:00" in texts and "10" not in texts and "€40 per day" in texts and "€40 per" not in texts


def test_the_parser_tells_names_dates_and_phrases_apart():
    sentence = "Marie Curie was born in Warsaw in 1867 to a Polish family."
    spans = {text: (sentence.index(text), sentence.index(text) + len(text))
             for text in ("Marie Curie", "Curie", "Warsaw", "1867", "Polish family", "Curie was born")}
    found = dict(zip(spans, span_syntax.span_syntax(sentence, list(spans.values()), "Who was born in Warsaw?",
                                                    {"born", "warsaw"}, lambda words: words, frozenset({"the", "a"}))))
    assert [found[t].entity for t in ("Marie Curie", "Warsaw", "1867", "Polish family")] == ["PERSON", "GPE", "DATE", None]
    flag = {name: i for i, name in enumerate(span_syntax.FLAGS)}
    assert found["Polish family"].flags[flag["noun_phrase"]]  # "a" dropped, as a short answer drops it
    assert found["Curie"].flags[flag["cuts_entity"]] and not found["Marie Curie"].flags[flag["cuts_entity"]]
    assert found["Marie Curie"].role == "nsubjpass" and found["Marie Curie"].flags[flag["head_in_question"]]
    assert not found["1867"].flags[flag["head_in_question"]]  # it hangs off "in", not "born"
    assert found["Curie was born"].role == "ROOT" and found["Curie was born"].last_word == "VERB"
    # "Who" is the subject of "born", as "Marie Curie" is; "Warsaw" hangs off "in"
    as_asked = [flag[name] for name in ("role_as_asked", "head_as_asked", "content_head_as_asked")]
    assert [found["Marie Curie"].flags[i] for i in as_asked] == [True, True, True]
    assert [found["Warsaw"].flags[i] for i in as_asked] == [False, False, False]


def test_sentences_parsed_in_a_batch_read_as_parsed_one_by_one():
    sentences = ["Marie Curie was born in Warsaw in 1867.", "The pier is made of recycled steel.",
                 "Seoul agreed to invest $350 billion in July 2025."]
    one_by_one = [span_syntax.parse(s) for s in sentences]
    span_syntax.parse.forget()
    with span_syntax.parse.held(sentences):
        assert [span_syntax.parse(s) for s in sentences] == one_by_one
        assert span_syntax.parse._held.keys() == set(sentences)
    assert not span_syntax.parse._held  # released when the block ends


def test_a_questions_tree_alone_reads_as_in_the_whole_parse():
    for question in ("Who did Beyoncé tour with?", "How many people live in Seoul?", "What city hosts the summit?"):
        tree, whole = span_syntax.parse.structure(question), span_syntax.parse(question)
        assert (tree.lower, tree.heads, tree.dep) == (whole.lower, whole.heads, whole.dep)
        assert not tree.entities and whole.dep.count("ROOT") == 1


def test_a_missing_parser_is_a_clear_error_on_opening(monkeypatch, shipped_index):
    monkeypatch.setattr(span_syntax, "PIPELINE", "en_core_web_not_installed")
    result = CliRunner().invoke(cli, ["ask", "Who leads the talks?", "--index-dir", str(shipped_index)])
    assert result.exit_code == 2
    assert "en_core_web_not_installed not installed" in result.stderr and "make setup" in result.stderr


@pytest.mark.parametrize(("question", "expected"), [
    ("How much did South Korea pledge to invest in the US?", "$350 billion"),
    ("How many vessels does Singapore supply with marine fuel each year?", "130,000"),
    ("Who is the South Korean prime minister who spoke about the visa issue?", "Kim Min-seok"),
])
def test_short_answers_on_the_shipped_corpus(assistant, question, expected):
    answer = assistant.ask(question)
    assert answer.short_answer == expected
    assert answer.short_answer in answer.citations[0].quote and answer.segments[0] == (expected, (1,))
    assert answer.text.startswith(f"{expected} [1]\n\n")


@pytest.mark.parametrize("question", ["Why is the tariff deal contested?", "KORUS FTA regulatory harmonization"])
def test_no_short_answer_where_no_few_words_answer(assistant, question):
    answer = assistant.ask(question)
    assert not answer.abstained and answer.short_answer is None
    assert answer.text.startswith(display_sentence(answer.citations[0].quote) + " [1]")


def test_a_squad_file_with_nothing_to_fit_on_is_a_clear_error(tmp_path):
    context = "The harbour opened in 1850."
    unanswerable = [{"id": f"q{i}", "question": "Who built the harbour?", "is_impossible": True, "answers": []}
                    for i in range(3)]
    data = [{"title": f"Article {n}", "paragraphs": [{"context": context, "qas": unanswerable}]} for n in range(2)]
    path = tmp_path / "unanswerable.json"
    path.write_text(json.dumps({"version": "v2.0", "data": data}))
    output = tmp_path / "model.json"
    result = CliRunner().invoke(cli, ["calibrate-short-answers", str(path), "--output", str(output)])
    assert result.exit_code == 2 and "nothing to fit a short-answer model on" in result.stderr
    assert not output.exists()


def test_the_sentence_cited_first_is_the_one_of_the_two_best_that_holds_a_clear_answer(tmp_path, embedder):
    from index.builder import build_index
    from qa import Assistant

    question = "In 1860, approximately how many people of Irish extraction were in New York?"
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "immigration.md").write_text(
        "# Immigration\n\nThe Great Irish Famine brought a large influx of Irish immigrants. Over 200,000 were living "
        "in New York by 1860, upwards of a quarter of the city's population. There was also extensive immigration "
        "from the German provinces, where revolutions had disrupted societies, and Germans comprised another 25% of "
        "New York's population by 1860.\n")
    (corpus / "chopin.md").write_text(
        "# Chopin\n\nChopin also endowed popular dance forms with a greater range of melody and expression. The "
        "series of seven polonaises published in his lifetime (another nine were published posthumously), beginning "
        "with the Op. 26 pair (published 1836), set a new standard for music in the form.\n")
    (corpus / "flight.md").write_text(
        "# Relief\n\nA direct chartered cargo flight was made by China Airlines from Taiwan Taoyuan International "
        "Airport to Chengdu Shuangliu International Airport sending some 100 tons of relief supplies to the affected "
        "areas. Approval from mainland Chinese authorities was sought, and the chartered flight departed Taipei at "
        "17:00 CST, May 15 and arrived in Chengdu by 20:30 CST.\n")
    build_index(corpus, tmp_path / "index", embedder=embedder)
    with Assistant.open(tmp_path / "index", embedder=embedder) as assistant:
        evidence = assistant.pipeline.evidence(question, [], "hybrid", 8)
        answer = assistant.ask(question)
    best_scored = evidence.candidates[int(np.argmax(evidence.scores))].text
    assert best_scored.startswith("There was also extensive immigration")  # the sentence score alone misses it
    assert answer.citations[0].quote.startswith("Over 200,000 were living") and answer.short_answer == "200,000"
    assert answer.text.startswith("200,000 [1]\n\n")


@pytest.mark.parametrize(("scores", "shown"), [
    ([2.0, 1.9, 1.8, 1.7], "Ming court"),  # close scores: the words the likely spans share
    ([6.0, 1.9, 1.8, 1.7], "Ming"),  # a clear winner is shown
    ([3.0, -np.inf, 2.9, -np.inf], "Ming")])  # a span ruled out ("When …?" of no time) is never shown
def test_the_span_shown_is_what_the_likeliest_spans_agree_on(scores, shown):
    sentence = "Envoys of the Ming court reached Lhasa."
    spans = [(sentence.index(s), sentence.index(s) + len(s)) for s in ("Ming", "Ming court", "court", "Lhasa")]
    assert sentence[slice(*spans[consensus(np.array(scores), spans, sentence)])] == shown


def test_a_question_asking_when_is_answered_by_a_span_of_time():
    """The span model's best for "When is rent due?" was "monthly"; of the spans that say
    something of time, it is one of the first day."""
    model = ShortAnswerModel.load(dense=False)
    sentence = "The monthly rent is $1,850, due on the first day of each month."
    best = model.best("When is rent due?", sentence)
    assert "first day" in sentence[slice(*best.span)] and not best.withheld


@pytest.mark.parametrize("dense", [True, False])
@pytest.mark.parametrize("question", ["How much can I spend on a hotel in Paris?", "What is the hotel limit in London?"])
def test_a_question_asking_how_much_is_answered_by_an_amount(dense, question, embedder):
    """The span models' best for "How much can I spend on a hotel in Paris?" and "What is the
    hotel limit in London?" was "New York and Tokyo"; of the spans that hold an amount, it is
    one of the limits."""
    model = ShortAnswerModel.load(dense=dense)
    sentence = "The nightly hotel limit is €180 in most cities and €250 in London, Paris, New York and Tokyo."
    best = model.best(question, sentence, tuple(embedder.encode_with_tokens([question, sentence])[1]) if dense else None)
    assert "€" in sentence[slice(*best.span)] and not best.withheld


def test_a_short_answer_that_drops_a_negation_or_answers_who_with_an_amount_is_not_shown(tmp_path, embedder):
    from index.builder import build_index
    from qa import Assistant

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "policy.md").write_text(
        "# Remote work policy\n\n## Eligibility\nEmployees who have completed their probation period of 90 days may "
        "work remotely up to three days per week. Contractors are not eligible.\n\n## Equipment\nThe company "
        "provides a laptop and a monitor.\n")
    build_index(corpus, tmp_path / "index", embedder=embedder)
    asked = {"And what about contractors?": ["Who may work remotely?"], "Who may work remotely?": []}
    with Assistant.open(tmp_path / "index", embedder=embedder) as assistant:
        pipeline = assistant.pipeline
        for (question, history), (sentence, span) in zip(asked.items(), [
                ("Contractors are not eligible.", "eligible"),
                ("Employees who have completed their probation period of 90 days may work remotely up to three days "
                 "per week.", "up to three days")]):
            answer = assistant.ask(question, history)
            best = pipeline.spans.best(question, sentence)
            assert answer.citations[0].quote == sentence and sentence[slice(*best.span)] == span
            assert best.score >= pipeline.spans.model.threshold and best.withheld  # it would have been shown
            assert answer.short_answer is None and answer.text.startswith(f"{sentence} [1]")


PLANS = """# Pricing and support

Our product is sold in three plans.

| Plan | Price per month | Users |
|------|-----------------|-------|
| Basic | $9 | 1 |
| Team | $29 | 10 |
| Enterprise | $99 | unlimited |

## Support

Support is available by email for all plans:

- Basic: email support within two business days.
- Team: email support within one business day.
- Enterprise: phone support around the clock and a named account manager.

## Refunds

Refunds are not issued for partial months. Refunds are issued within 14 days of a cancellation request made in the \
first month.
"""


def test_answers_over_a_table_a_list_and_a_denial(tmp_path, embedder):
    """A table row is read with its header, a list item after its lead-in, and a sentence that
    says the opposite of what is asked does not lead: before, these answered "$99" from the
    Enterprise row, "Basic" from the whole list, "partial months" from the denial and "$99"
    for the Team plan's users."""
    from index.builder import build_index
    from qa import Assistant

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "plans.md").write_text(PLANS)
    build_index(corpus, tmp_path / "index", embedder=embedder)
    with Assistant.open(tmp_path / "index", embedder=embedder) as assistant:
        team = assistant.ask("How much does the Team plan cost?")
        phone = assistant.ask("Which plan has phone support?")
        refunds = assistant.ask("When are refunds issued?")
        users = assistant.ask("How many users can the Team plan have?")  # the sentence score prefers another row
        its_users = assistant.ask("How many users does it allow?", ["How much does the Team plan cost?"])
        other_row = assistant.ask("What about the Enterprise plan?", ["How many users can the Team plan have?"])
    assert team.citations[0].quote == "| Team | $29 | 10 |" and team.short_answer == "$29"
    assert users.citations[0].quote == "| Team | $29 | 10 |" and users.short_answer == "10"  # the column it names
    assert its_users.citations[0].quote == "| Team | $29 | 10 |" and its_users.short_answer == "10"  # row: the context's
    assert other_row.citations[0].quote.startswith("| Enterprise |") and other_row.short_answer == "unlimited"
    assert phone.citations[0].quote.startswith("- Enterprise: phone") and phone.short_answer == "Enterprise"
    assert refunds.citations[0].quote.startswith("Refunds are issued within")
    assert refunds.short_answer and refunds.short_answer in refunds.citations[0].quote


def test_a_long_table_is_read_with_its_header_in_every_passage(tmp_path, embedder):
    from index.builder import build_index
    from qa import Assistant

    cities = ["Amsterdam", "Rotterdam", "Utrecht", "Eindhoven", "Groningen", "Tilburg", "Almere", "Breda", "Nijmegen",
              "Apeldoorn", "Arnhem", "Haarlem", "Amersfoort", "Zaanstad", "Enschede", "Zwolle", "Leiden", "Maastricht",
              "Dordrecht", "Zoetermeer", "Ede", "Westland", "Delft", "Venlo", "Deventer", "Leeuwarden", "Alkmaar",
              "Helmond", "Hilversum", "Heerlen", "Oss", "Roosendaal", "Purmerend", "Schiedam", "Lelystad", "Hoorn"]
    rows = "".join(f"| {city} | NL-{'NH ZH UT GE'.split()[i % 4]} | {900_000 - 20_000 * i:,} | {30 + 7 * i} km² |\n"
                   for i, city in enumerate(cities))
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "cities.md").write_text("# Dutch cities\n\nThe largest municipalities of the Netherlands.\n\n"
                                      "| City | Province code | Population | Area |\n|---|---|---|---|\n" + rows)
    build_index(corpus, tmp_path / "index", embedder=embedder)
    with Assistant.open(tmp_path / "index", embedder=embedder) as assistant:
        area = assistant.ask("What is the area of Hoorn?")
        code = assistant.ask("Which province code does Delft have?")
    assert "Province code" not in area.passages[0].text  # Hoorn's passage holds no header: it is read from above
    assert area.citations[0].quote.startswith("| Hoorn |") and area.short_answer == "275 km²"
    assert code.citations[0].quote.startswith("| Delft |") and code.short_answer == "NL-UT"


def test_a_docx_table_is_looked_up(tmp_path, embedder):
    """A DOCX table's text was not indexed at all; read as a table, a question that holds a
    row's cell and names a column is answered from that cell, though the sentence score alone
    would decline it ("How many staff work in Paris?")."""
    import docx

    from index.builder import build_index
    from qa import Assistant

    document = docx.Document()
    document.add_heading("Office locations", 1)
    document.add_paragraph("We have three offices.")
    table = document.add_table(rows=4, cols=3)
    for r, row in enumerate([("City", "Address", "Staff"), ("Berlin", "Unter den Linden 5", "120"),
                             ("Paris", "12 Rue de Rivoli", "85"), ("Madrid", "Gran Via 30", "40")]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    document.add_paragraph("The Berlin office is the headquarters.")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    document.save(corpus / "offices.docx")
    build_index(corpus, tmp_path / "index", embedder=embedder)
    with Assistant.open(tmp_path / "index", embedder=embedder) as assistant:
        staff = assistant.ask("How many staff work in Paris?")
        address = assistant.ask("What is the address of the Madrid office?")
        unknown = assistant.ask("How many staff work in Rome?")
        confidence = assistant.pipeline.evidence("How many staff work in Paris?", [], "hybrid", 8).confidence
    assert confidence < assistant.pipeline.settings.threshold  # the sentence score alone declines it
    assert staff.short_answer == "85" and staff.citations[0].quote == "| Paris | 12 Rue de Rivoli | 85 |"
    assert address.short_answer == "Gran Via 30" and address.citations[0].quote.startswith("| Madrid |")
    assert unknown.abstained


@pytest.mark.parametrize("sentence", ["2.2 A late fee of $75 applies if rent is late.", "1. Open the Settings page.",
                                      "(a) The Tenant pays a fee of $75."])
def test_a_clause_or_item_number_is_no_short_answer(sentence):
    number = sentence.split()[0]
    spans = span_candidates("What applies if rent is late?", sentence).spans
    assert spans and not any(sentence[a:b].startswith(number) for a, b in spans)
    assert any(sentence[a:b] == "$75" for a, b in spans) or "$75" not in sentence


def test_the_parser_loading_beside_the_index_never_hides_torch_from_other_threads():
    """spaCy is imported on a thread of its own with torch hidden from that thread only: the
    main thread, opening an index meanwhile, may import torch (the torch embedding backend,
    the first ONNX export), and a later `import spacy.cli` gets spaCy's real command line."""
    code = ("import time; from qa.answer.spans.syntax import parse; parse.load_in_background(); "
            "time.sleep(0.05); import torch; "
            "[time.sleep(0.05) for _ in range(600) if parse._nlp is None]; "
            "print(parse('Singapore supplies fuel to 130,000 vessels.').entities); "
            "import spacy.cli; assert hasattr(spacy.cli, 'download'), 'the stand-in stayed'; "
            "print(torch.tensor([2.0]).item())")
    printed = run_python(code)
    assert "'GPE'" in printed and printed.rstrip().endswith("2.0")


def test_the_parser_loads_without_torch_or_spacys_command_line():
    """What makes a cold `ask` fast: loading the parser imports neither torch (thinc would take
    1.7 s) nor spaCy's command line (typer, requests), and leaves no stand-in behind."""
    code = ("import sys; from qa.answer.spans.syntax import parse; parse.load(); "
            "import spacy; "
            "print(sorted(m for m in ('torch', 'typer', 'spacy.cli', 'spacy.cli.info') if m in sys.modules), "
            "hasattr(spacy, 'cli'))")
    assert run_python(code).split() == ["[]", "False"]
