"""`corpusqa train-reader`: train the reader model again from the SQuAD data beside the project,
export it to int8 ONNX with its model card, and fit how the pipeline weighs it."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import click

from .common import CliError, need_extra


@click.command("train-reader")
@click.option("--work", type=click.Path(file_okay=False, path_type=Path), default=Path(".corpusqa/reader-training"),
              show_default=True, help="Where the trained weights, losses and figures are kept.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where reader.onnx, MODEL_CARD.md and combination.json go [default: the package's qa/data/reader].")
@click.option("--max-steps", type=int, default=3000, show_default=True, help="Training steps (about 32 rows each).")
@click.option("--examples", type=int, default=None, help="Train on this many examples only (a quick trial).")
@click.option("--no-combination", is_flag=True, help="Leave combination.json as it is (do not fit the weighing).")
def train_reader(work: Path, out: Path | None, max_steps: int, examples: int | None, no_combination: bool) -> None:
    """Fine-tune the packaged all-MiniLM-L6-v2 as the reader on SQuAD 1.1 dev (less four
    development articles) and the SQuAD 2.0 sample's fit half (../shared/datasets), export
    it as int8 ONNX and write its model card; then fit its weight and threshold on the
    development articles. Deterministic (fixed seeds); about an hour on 2 cores."""
    need_extra(("onnx", "transformers", "safetensors"), "fit", "`corpusqa train-reader`")
    from qa.fit.reader import combination, export, train
    from qa.fit.reader.training_data import SQUAD1_DEV, SQUAD2_TRAIN

    for data in (SQUAD1_DEV, SQUAD2_TRAIN):
        if not data.is_file():
            raise CliError(f"{data} is missing: the reader trains on ../shared/datasets beside the project")
    out = out or export.SHIPPED
    settings = train.Settings(max_steps=max_steps, examples=examples, eval_every=1000 if examples is None else None)
    click.echo(f"training into {work} ({json.dumps(asdict(settings))})", err=True)
    record = train.train(work, settings, run_eval=False)
    click.echo(f"{record['steps']} steps in {record['train_seconds'] / 60:.1f} min; loss {record['loss_first']:.3f} -> "
               f"{record['loss_last']:.3f}", err=True)
    export.main(["--trained", str(work), "--out", str(out)])
    if not no_combination:
        combination.main(["--output", str(out / "combination.json"), "--model", str(out / "reader.onnx")])
    click.echo(f"wrote {out / 'reader.onnx'}, {out / 'MODEL_CARD.md'}", err=True)
