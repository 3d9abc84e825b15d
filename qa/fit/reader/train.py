"""Fine-tune the packaged all-MiniLM-L6-v2 encoder as the reader:

- an "answers" head (a linear layer on the mean of the last hidden states, the pooling
  all-MiniLM-L6-v2 was trained with; or on [CLS]) trained with binary cross-entropy on every
  example of ``training_data`` and, within each question's candidates, a listwise softmax
  cross-entropy (the gold sentence against its paragraph and near misses);
- a start/end span head (a linear layer on every token) trained with cross-entropy over the
  candidate sentence's tokens, on positives whose gold span survives truncation.

bf16 autocast, AdamW (the heads at ten times the encoder's rate), linear warm-up then linear
decay (by steps, or by time with ``--max-minutes``), batches of whole questions (about
``--batch`` rows; questions of similar length together, then shuffled), every seed fixed. Writes ``DIR/reader.safetensors`` (weights), ``DIR/reader.json`` (settings, loss
history, wall time and, unless ``--no-eval``, figures on the development articles).

    python -m qa.fit.reader.train --out DIR [--max-steps N] [--examples N] [--epochs E]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from qa.fit.reader import measure
from qa.answer.reader.encoding import CONTEXT_TOKENS, MAX_TOKENS, best_spans, encode, load_tokenizer, packaged_tokenizer_file
from qa.fit.reader.rows import batches, collate, to_rows
from qa.fit.reader.training_data import build_examples, splits, summary

HIDDEN = 384


@dataclass
class Settings:
    epochs: float = 2.0
    batch: int = 32
    lr: float = 1e-4
    head_lr: float = 1e-3
    weight_decay: float = 0.01
    warmup: float = 0.06
    span_weight: float = 1.0
    listwise_weight: float = 1.0
    pooling: str = "mean"  # or "cls"
    near: int = 3
    max_paragraph: int = 6
    removed: bool = True
    max_tokens: int = MAX_TOKENS
    context_tokens: int = CONTEXT_TOKENS
    seed: int = 13
    threads: int = 2
    max_steps: int | None = None
    max_minutes: float | None = None  # also end when this much training time has passed (see ``train``)
    examples: int | None = None
    eval_every: int | None = None  # steps between quick figures on DEV_QUICK development questions


class ReaderModel(nn.Module):
    """The encoder with its two heads; ``forward`` returns (answer logit, start logits, end logits)."""

    def __init__(self, encoder: nn.Module, pooling: str = "mean"):
        super().__init__()
        if pooling not in ("mean", "cls"):
            raise ValueError(f"unknown pooling {pooling}")
        self.pooling = pooling
        self.encoder = encoder
        self.dropout = nn.Dropout(0.1)
        self.answer = nn.Linear(HIDDEN, 1)
        self.span = nn.Linear(HIDDEN, 2)

    def forward(self, input_ids, attention_mask, token_type_ids):
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state
        if self.pooling == "mean":
            weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1.0)
        else:
            pooled = hidden[:, 0]
        answer = self.answer(self.dropout(pooled)).squeeze(-1)
        span = self.span(self.dropout(hidden))
        return answer, span[..., 0], span[..., 1]


def encoder_folder() -> Path:
    return packaged_tokenizer_file().parent


def new_model(pooling: str) -> ReaderModel:
    from transformers import AutoModel

    return ReaderModel(AutoModel.from_pretrained(str(encoder_folder())), pooling)


def load_model(folder: Path, eager: bool = False) -> ReaderModel:
    """A trained reader from ``folder/reader.safetensors`` (the encoder's shape from the packaged
    config, the pooling from ``folder/reader.json``); ``eager`` attention for ONNX export."""
    from safetensors.torch import load_file
    from transformers import AutoConfig, AutoModel

    pooling = "mean"
    if (folder / "reader.json").exists():
        pooling = json.loads((folder / "reader.json").read_text(encoding="utf-8"))["settings"].get("pooling", "cls")
    config = AutoConfig.from_pretrained(str(encoder_folder()))
    encoder = AutoModel.from_config(config, attn_implementation="eager") if eager else AutoModel.from_config(config)
    model = ReaderModel(encoder, pooling)
    model.load_state_dict(load_file(str(folder / "reader.safetensors")))
    return model.eval()


def listwise(answer: torch.Tensor, label: torch.Tensor, question: torch.Tensor) -> torch.Tensor:
    """Mean over the batch's questions with a gold and a wrong candidate of
    -log(sum of exp(gold logits) / sum of exp(all its logits))."""
    terms = []
    for q in torch.unique(question):
        rows = question == q
        scores, gold = answer[rows], label[rows] > 0.5
        if gold.any() and (~gold).any():
            terms.append(torch.logsumexp(scores, 0) - torch.logsumexp(scores[gold], 0))
    return torch.stack(terms).mean() if terms else torch.zeros(())


def losses(model: ReaderModel, batch: dict[str, torch.Tensor], settings: Settings) -> tuple[torch.Tensor, float, float, float]:
    with torch.autocast("cpu", dtype=torch.bfloat16):
        answer, start, end = model(batch["input_ids"], batch["attention_mask"], batch["token_type_ids"])
    answer, start, end = answer.float(), start.float(), end.float()
    answer_loss = nn.functional.binary_cross_entropy_with_logits(answer, batch["label"])
    list_loss = listwise(answer, batch["label"], batch["question"]) if settings.listwise_weight else torch.zeros(())
    has_span = batch["start"] >= 0
    if has_span.any():
        allowed = batch["allowed"][has_span]
        s = start[has_span].masked_fill(~allowed, -1e4)
        e = end[has_span].masked_fill(~allowed, -1e4)
        span_loss = (nn.functional.cross_entropy(s, batch["start"][has_span])
                     + nn.functional.cross_entropy(e, batch["end"][has_span])) / 2
    else:
        span_loss = torch.zeros(())
    total = answer_loss + settings.listwise_weight * list_loss + settings.span_weight * span_loss
    return total, answer_loss.item(), list_loss.item(), span_loss.item()


def probe_loss(model: ReaderModel, batch: dict[str, torch.Tensor], settings: Settings) -> float:
    model.eval()
    with torch.no_grad():
        return float(losses(model, batch, settings)[0])


def score_batched(model: ReaderModel, tokenizer, settings: Settings, built: list[measure.Case],
                  batch: int = 64) -> list[measure.Scored]:
    """Every candidate of ``built`` scored by the torch model (fp32, batches of similar length)."""
    flat = [(c, i) for c, case in enumerate(built) for i in range(len(case.candidates))]
    order = sorted(range(len(flat)), key=lambda k: len(built[flat[k][0]].candidates[flat[k][1]].text))
    probabilities = [np.zeros(len(case.candidates)) for case in built]
    spans = [[(0, 0)] * len(case.candidates) for case in built]
    was_training = model.training
    model.eval()
    for b in range(0, len(order), batch):
        part = [flat[k] for k in order[b:b + batch]]
        encoded = encode(tokenizer, [built[c].question.text for c, _ in part],
                         [built[c].candidates[i].text for c, i in part], [built[c].contexts[i] for c, i in part],
                         settings.max_tokens, settings.context_tokens)
        with torch.inference_mode():
            answer, start, end = model(*(torch.from_numpy(encoded.feeds()[k])
                                         for k in ("input_ids", "attention_mask", "token_type_ids")))
        found = best_spans(start.numpy(), end.numpy(), encoded)
        for (c, i), p, span in zip(part, torch.sigmoid(answer).numpy(), found):
            probabilities[c][i], spans[c][i] = float(p), span
    model.train(was_training)
    return [measure.Scored(case, probabilities[c], spans[c], 0.0) for c, case in enumerate(built)]


STALL_SECONDS = 60.0
DEV_QUICK = 240  # development questions (every third) for figures during training


def quick_figures(model: ReaderModel, tokenizer, settings: Settings, built: list[measure.Case]) -> dict:
    figures = measure.answerable_figures(score_batched(model, tokenizer, settings, built))
    return {k: round(figures[k], 4) for k in ("top1_gold_sentence", "span_f1", "span_f1_gold_sentence")}


def dev_figures(model: ReaderModel, tokenizer, settings: Settings, parts: dict) -> dict:
    dev = score_batched(model, tokenizer, settings, measure.cases(parts["dev"], "paragraph"))
    removed = score_batched(model, tokenizer, settings, measure.cases(parts["dev"], "removed"))
    threshold = measure.threshold_at(dev)
    return {"dev": measure.answerable_figures(dev), "dev_threshold_95": threshold,
            "dev_removed_below_threshold": measure.share_below(removed, threshold)}


def train(out: Path, settings: Settings, run_eval: bool = True, progress: bool = True) -> dict:
    started = time.time()
    torch.manual_seed(settings.seed)
    np.random.seed(settings.seed)
    rng = random.Random(settings.seed)
    torch.set_num_threads(settings.threads)
    parts = splits()
    if settings.examples is None:
        examples = build_examples(parts["train"], settings.seed, settings.near, settings.max_paragraph, settings.removed)
    else:  # a small run reads only enough articles (in a seeded order) for its sample
        examples = []
        for article in random.Random(settings.seed).sample(parts["train"], len(parts["train"])):
            examples += build_examples([article], settings.seed, settings.near, settings.max_paragraph, settings.removed)
            if len(examples) >= 20 * settings.examples:
                break
        examples = random.Random(settings.seed).sample(examples, min(settings.examples, len(examples)))
    print("training on", summary(examples), flush=True)
    tokenizer = load_tokenizer()
    rows = to_rows(tokenizer, examples, settings.max_tokens, settings.context_tokens)
    per_epoch = math.ceil(len(rows.ids) / settings.batch)
    total = settings.max_steps or max(1, round(per_epoch * settings.epochs))
    model = new_model(settings.pooling)
    probe = collate(rows, list(range(min(64, len(rows.ids)))))  # the same rows before and after, no dropout
    loss_before = probe_loss(model, probe, settings)
    quick_cases = measure.cases(parts["dev"], "paragraph")[::3][:DEV_QUICK] if settings.eval_every else []
    curve = []
    model.train()
    heads = [p for n, p in model.named_parameters() if not n.startswith("encoder.")]
    decay = [p for n, p in model.encoder.named_parameters() if not ("bias" in n or "LayerNorm" in n)]
    no_decay = [p for n, p in model.encoder.named_parameters() if "bias" in n or "LayerNorm" in n]
    optimiser = torch.optim.AdamW([
        {"params": decay, "lr": settings.lr, "weight_decay": settings.weight_decay},
        {"params": no_decay, "lr": settings.lr, "weight_decay": 0.0},
        {"params": heads, "lr": settings.head_lr, "weight_decay": 0.0}])
    base_rates = [group["lr"] for group in optimiser.param_groups]
    warmup = settings.warmup if total > 20 else 0.0
    loop_started = time.time()
    active = 0.0  # seconds of training, a step counted at most STALL_SECONDS (a stopped process is not training)
    history, step, plan = [], 0, []
    from tqdm import tqdm
    bar = tqdm(total=total, unit="step", disable=not progress, mininterval=5)
    window = []
    while True:
        # Progress is the larger of steps done and, with --max-minutes, time spent: on a shared
        # machine the schedule then warms up and decays to zero within the time given.
        done = step / total
        if settings.max_minutes:
            done = max(done, active / (60 * settings.max_minutes))
        if done >= 1.0:
            break
        factor = max(done, (step + 1) / total) / warmup if done < warmup else (1 - done) / (1 - warmup)
        for group, rate in zip(optimiser.param_groups, base_rates):
            group["lr"] = rate * min(1.0, max(factor, 0.0))
        if not plan:
            plan = batches(rows, settings.batch, rng)
        step_started = time.time()
        batch = collate(rows, plan.pop(0))
        loss, answer_loss, list_loss, span_loss = losses(model, batch, settings)
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimiser.step()
        step += 1
        active += min(time.time() - step_started, STALL_SECONDS)
        history.append((loss.item(), answer_loss, list_loss, span_loss))
        window = (window + [history[-1][0]])[-50:]
        bar.update(1)
        bar.set_postfix(loss=f"{np.mean(window):.3f}", refresh=False)
        if settings.eval_every and step % settings.eval_every == 0:
            point = {"step": step, "minutes": round((time.time() - loop_started) / 60, 1),
                     "loss_last_50": round(float(np.mean(window)), 4), **quick_figures(model, tokenizer, settings, quick_cases)}
            curve.append(point)
            print(json.dumps(point), flush=True)
            save(model, out)
        elif step % 500 == 0:
            save(model, out)
    bar.close()
    train_seconds = time.time() - started
    print(f"{step} steps, {active / 60:.1f} min of training steps, {train_seconds / 60:.1f} min in all", flush=True)
    save(model, out)
    model.eval()
    loss_after = probe_loss(model, probe, settings)
    print(f"loss on the first {len(probe['label'])} rows: {loss_before:.4f} before, {loss_after:.4f} after", flush=True)
    record = {"settings": asdict(settings), "examples": summary(examples), "rows": len(rows.ids),
              "active_training_seconds": round(active, 1), "steps_planned": total, "steps": step, "pairs_seen": step * settings.batch,
              "epochs_seen": round(step * settings.batch / len(rows.ids), 3), "train_seconds": round(train_seconds, 1),
              "probe_loss_before": loss_before, "probe_loss_after": loss_after,
              "loss_first": history[0][0], "loss_last": history[-1][0],
              "loss_by_tenth": [round(float(np.mean([h[0] for h in part])), 4)
                                for part in np.array_split(np.array(history), min(10, len(history)))],
              "answer_loss_last_100": float(np.mean([h[1] for h in history[-100:]])),
              "listwise_loss_last_100": float(np.mean([h[2] for h in history[-100:]])),
              "span_loss_last_100": float(np.mean([h[3] for h in history[-100:]])),
              "curve": curve,
              "tokenizer": str(packaged_tokenizer_file())}
    if run_eval:
        eval_started = time.time()
        record.update(dev_figures(model, tokenizer, settings, parts))
        record["eval_seconds"] = round(time.time() - eval_started, 1)
    (out / "reader.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return record


def save(model: ReaderModel, out: Path) -> None:
    from safetensors.torch import save_file

    out.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(out / "reader.safetensors.tmp"))
    (out / "reader.safetensors.tmp").replace(out / "reader.safetensors")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--no-eval", action="store_true", help="skip the development-article figures")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    defaults = Settings()
    for name, value in asdict(defaults).items():
        if name in ("max_steps", "examples", "eval_every"):
            parser.add_argument(f"--{name.replace('_', '-')}", type=int, default=None)
        elif name == "max_minutes":
            parser.add_argument("--max-minutes", type=float, default=None)
        elif isinstance(value, bool):
            parser.add_argument(f"--{name.replace('_', '-')}", type=lambda s: s.lower() in ("1", "true", "yes"), default=value)
        else:
            parser.add_argument(f"--{name.replace('_', '-')}", type=type(value), default=value)
    args = parser.parse_args(argv)
    settings = Settings(**{k: getattr(args, k) for k in asdict(defaults)})
    record = train(args.out, settings, run_eval=not args.no_eval, progress=not args.quiet)
    shown = {k: v for k, v in record.items() if k not in ("settings",)}
    print(json.dumps(shown, indent=2))


if __name__ == "__main__":
    main()
