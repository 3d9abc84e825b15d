"""`corpusqa calibrate`, `calibrate-verifier` and `calibrate-short-answers`: fitting the
answer scorer and its threshold, the verifier of generated sentences and the short-answer model."""

from __future__ import annotations

from pathlib import Path

import click

from qa.evaluate.datasets import DatasetError, load_questions
from qa.evaluate.squad import is_squad_file, load_squad

from .common import CliError, emit_json, index_dir_option, need_extra, open_assistant


@click.command()
@click.argument("questions", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--split", default="tune", show_default=True, help="Fit on the questions of this split.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the config [default: print it]; use it with $CORPUSQA_ANSWER_CONFIG "
                   "(or, --without-dense, $CORPUSQA_ANSWER_CONFIG_LEXICAL).")
@click.option("--without-dense", is_flag=True,
              help="Fit the settings used when dense retrieval is unavailable (BM25 fallback).")
@click.option("--squad", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Also fit on the 'fit' articles of this SQuAD-format file (its 'report' articles are "
                   "left for `corpusqa eval FILE --task answers --split report`).")
@index_dir_option
def calibrate(questions: Path, split: str, output: Path | None, without_dense: bool, squad: Path | None,
              index_dir: Path | None) -> None:
    """Fit answer selection, confidence and the "not in the documents" threshold on labelled
    QUESTIONS (scikit-learn logistic regression)."""
    from qa.fit.calibration import calibrate as fit

    need_extra(("sklearn",), "fit", "`corpusqa calibrate`")
    if squad is not None and not is_squad_file(squad):
        raise CliError(f"{squad} is not a SQuAD-format JSON file")
    try:
        labelled = load_questions(questions)
        with open_assistant(index_dir, dense=not without_dense) as assistant:
            settings = fit(assistant, labelled, split, squad=squad, progress=True)
    except DatasetError as error:
        raise CliError(str(error)) from error
    if output is None:
        emit_json(settings.__dict__)
    else:
        _write(lambda: settings.save(output), output)
        stats = settings.calibration
        click.echo(f"wrote {output}: threshold {settings.threshold} (declines {stats['abstention_recall']} of "
                   f"the unanswerable fit questions, answers {stats['answered_recall']} of the answerable)", err=True)


@click.command("calibrate-verifier")
@click.argument("dataset", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--per-article", default=60, show_default=True, type=click.IntRange(1, 10_000),
              help="Questions per article turned into labelled claims.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the thresholds [default: print them with the measurements].")
@click.option("--without-reader", is_flag=True,
              help="Fit without the reader's check of sentences that restate the question.")
def calibrate_verifier(dataset: Path, per_article: int, output: Path | None, without_reader: bool) -> None:
    """Fit the thresholds that keep or remove generated sentences, on claims built from a SQuAD
    file: fitted on its "fit" articles, precision and recall reported on both halves."""
    from index.embedding import Embedder, EmbeddingUnavailable
    from index.tokenization import Tokenizer
    from qa.answer.reader import ReaderSettings
    from qa.answer.reader.model import Reader, ReaderError
    from qa.fit.verifier import fit_verifier
    from qa.generate.answer_check import AnswerCheck

    if not is_squad_file(dataset):
        raise CliError(f"{dataset} is not a SQuAD .json file")
    try:
        embedder, tokenizer = Embedder(), Tokenizer()
        check = None if without_reader else AnswerCheck(Reader.load(), tokenizer, ReaderSettings.load().threshold)
        settings, measured = fit_verifier(load_squad(dataset), embedder.encode, tokenizer, per_article, check)
    except (DatasetError, EmbeddingUnavailable, ReaderError) as error:
        raise CliError(str(error)) from error
    if output is None:
        emit_json({**settings.__dict__, "fitted": measured})
    else:
        _write(lambda: settings.save(output, measured), output)
        report = measured["similarity"]["report"]
        misplaced = report["kept_share_by_kind"]["misplaced answer"]["kept"]
        click.echo(f"wrote {output}: {settings}; on the report articles precision {report['precision']} "
                   f"({report['precision_with_misplaced']} counting misplaced answers, {misplaced} of them kept), "
                   f"recall {report['recall']}", err=True)


@click.command("calibrate-short-answers")
@click.argument("dataset", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--without-dense", is_flag=True,
              help="Fit the model for BM25 fallback, which reads no word vectors.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the model [default: print it with the measurements]; the shipped ones "
                   "are qa/data/short_answers.json and (--without-dense) short_answers_lexical.json.")
def calibrate_short_answers(dataset: Path, without_dense: bool, output: Path | None) -> None:
    """Fit the short-answer model (which words of the cited sentence answer) on the "fit"
    articles of a SQuAD file, each question with its gold sentence (word vectors in fp32: the
    same fit on any CPU); token F1 reported on both halves."""
    from index.embedding import EmbeddingUnavailable
    from qa.fit.short_answers import fit_short_answers, fp32_embedder

    need_extra(("lightgbm",), "fit", "`corpusqa calibrate-short-answers`")
    if not is_squad_file(dataset):
        raise CliError(f"{dataset} is not a SQuAD .json file")
    try:
        model = fit_short_answers(load_squad(dataset), None if without_dense else fp32_embedder())
    except (DatasetError, EmbeddingUnavailable) as error:
        raise CliError(str(error)) from error
    if output is None:
        emit_json(model.as_json())
        return
    _write(lambda: model.save(output), output)
    report = model.fitted["report"]
    click.echo(f"wrote {output}: threshold {model.threshold}; on the report articles' gold sentences a short "
               f"answer for {report['shown']} of the questions, token F1 {report['f1']} "
               f"({report['f1_of_shown']} of those shown)", err=True)


def _write(save, output: Path) -> None:
    try:
        save()
    except OSError as error:
        raise CliError(f"cannot write {output}: {error.strerror or error}") from error
