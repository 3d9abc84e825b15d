"""The reader (``qa/data/reader/reader.onnx``, run by ``qa.answer.reader.model.Reader``) on articles it
was not trained on: the four development articles kept aside from squad1-dev-36 (Chloroplast,
Geology, Normans, Teacher) and the SQuAD 2.0 fit half's held-out article (The Legend of Zelda:
Twilight Princess, 214 answerable and 160 unanswerable questions). The REPORT half is never read.

    .venv/bin/python -m bench.reader_selection [--model FILE.onnx] [--threads N] [--json FILE]
        [--no-latency]

Candidates per question (``qa/fit/reader/measure.py``): every sentence of its paragraph, then the
article's best BM25 sentences of other paragraphs up to 8 (``paragraph``); the article's 8 best
BM25 sentences (``bm25``); and ``paragraph`` without the gold sentence and any sentence holding
the answer's text (``removed``: the answer is not among the candidates). Printed: share of
questions whose top-scored sentence holds the gold span (and BM25's top sentence on the same
candidates), token F1 / exact match of the top sentence's span (SQuAD normalisation) and of the
gold sentence's span, and the share of unanswerable (or answer-removed) questions whose best
probability is under the threshold that keeps 95% of the answerable ones above it. Then p50
latency of ``score`` for 8 candidates (100 calls, 1 and 2 threads) and the time to load the
reader in a fresh process."""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from qa.fit.reader import measure
from qa.answer.reader.model import MODEL_FILE, Reader
from qa.fit.reader.training_data import splits

ROOT = Path(__file__).resolve().parent.parent


def pct(value) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def figures_of(reader: Reader, progress: bool) -> dict:
    parts = splits()
    dev, held = parts["dev"], parts["held_out"]
    out = {}
    for name, articles, mode in (("dev paragraph", dev, "paragraph"), ("dev bm25", dev, "bm25"),
                                 ("dev removed", dev, "removed"), ("zelda paragraph", held, "paragraph"),
                                 ("zelda removed", held, "removed")):
        out[name] = measure.score_cases(reader.score, measure.cases(articles, mode), progress)
    figures = {}
    for name in ("dev paragraph", "dev bm25", "zelda paragraph"):
        figures[name] = measure.answerable_figures(out[name])
    dev_threshold = measure.threshold_at(out["dev paragraph"])
    zelda_threshold = measure.threshold_at(out["zelda paragraph"])
    impossible = [s for s in out["zelda paragraph"] if s.case.question.impossible]
    figures["declining"] = {
        "dev_threshold_95": dev_threshold, "zelda_threshold_95": zelda_threshold,
        "dev_removed_below_dev_threshold": measure.share_below(out["dev removed"], dev_threshold),
        "zelda_unanswerable": len(impossible),
        "zelda_unanswerable_below_zelda_threshold": measure.share_below(impossible, zelda_threshold),
        "zelda_unanswerable_below_dev_threshold": measure.share_below(impossible, dev_threshold),
        "zelda_removed_below_zelda_threshold": measure.share_below(out["zelda removed"], zelda_threshold),
        "zelda_unanswerable_auc": auc([s.best for s in out["zelda paragraph"] if not s.case.question.impossible],
                                      [s.best for s in impossible]),
        "dev_removed_auc": auc([s.best for s in out["dev paragraph"]], [s.best for s in out["dev removed"]]),
    }
    return figures


def auc(positives: list[float], negatives: list[float]) -> float | None:
    """Probability that an answerable question's best score beats a declined one's (ties half)."""
    if not positives or not negatives:
        return None
    p, n = np.asarray(positives)[:, None], np.asarray(negatives)[None, :]
    return float(np.mean((p > n) + 0.5 * (p == n)))


def latency(model: Path, threads: int, calls: int = 100) -> float:
    reader = Reader.load(model, threads=threads)
    built = [c for c in measure.cases(splits()["dev"], "paragraph") if len(c.candidates) >= 8][:calls]
    for case in built[:5]:
        reader.score(case.question.text, [s.text for s in case.candidates[:8]], case.contexts[:8])
    times = []
    for case in built:
        started = time.perf_counter()
        reader.score(case.question.text, [s.text for s in case.candidates[:8]], case.contexts[:8])
        times.append(time.perf_counter() - started)
    return 1000 * statistics.median(times)


def fresh_load(model: Path, rounds: int = 3) -> tuple[float, float]:
    """Median seconds to import and load the reader, and to run the whole fresh process."""
    code = ("import time; t = time.perf_counter(); from pathlib import Path; from qa.answer.reader.model import Reader; "
            f"r = Reader.load(Path({str(model)!r})); r.score('Who?', ['Someone did.'], ['']); "
            "import sys; assert 'torch' not in sys.modules; print(time.perf_counter() - t)")
    inside, whole = [], []
    for _ in range(rounds):
        started = time.perf_counter()
        result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
        whole.append(time.perf_counter() - started)
        inside.append(float(result.stdout.strip().splitlines()[-1]))
    return statistics.median(inside), statistics.median(whole)


def card_lines(figures: dict) -> list[str]:
    d, b, z, c = figures["dev paragraph"], figures["dev bm25"], figures["zelda paragraph"], figures["declining"]
    lines = [
        f"Development articles ({d['questions']} questions, {d['mean_candidates']:.1f} candidates each: its paragraph"
        f" + BM25 near misses): top sentence holds the gold span {pct(d['top1_gold_sentence'])} (BM25 alone"
        f" {pct(d['bm25_top1_gold_sentence'])}); short answer F1 {pct(d['span_f1'])}, EM {pct(d['span_em'])};"
        f" on the gold sentence F1 {pct(d['span_f1_gold_sentence'])}, EM {pct(d['span_em_gold_sentence'])}.",
        f"Development articles, the article's 8 best BM25 sentences as candidates (gold among them"
        f" {pct(b['gold_in_candidates'])}): top sentence holds the gold span {pct(b['top1_gold_sentence'])}"
        f" (BM25 {pct(b['bm25_top1_gold_sentence'])}), short answer F1 {pct(b['span_f1'])}.",
        f"Answer removed from the candidates (development articles): {pct(c['dev_removed_below_dev_threshold'])}"
        f" below the threshold {c['dev_threshold_95']:.3f} that keeps 95% of answerable questions (AUC {c['dev_removed_auc']:.3f}).",
        f"Held-out SQuAD 2.0 article (Zelda, {z['questions']} answerable): top sentence holds the gold span"
        f" {pct(z['top1_gold_sentence'])} (BM25 {pct(z['bm25_top1_gold_sentence'])}), short answer F1 {pct(z['span_f1'])},"
        f" EM {pct(z['span_em'])}; of its {c['zelda_unanswerable']} unanswerable questions"
        f" {pct(c['zelda_unanswerable_below_zelda_threshold'])} are below the threshold {c['zelda_threshold_95']:.3f} keeping"
        f" 95% of its answerable ones (AUC {c['zelda_unanswerable_auc']:.3f}), {pct(c['zelda_unanswerable_below_dev_threshold'])}"
        f" below the development articles' threshold.",
    ]
    if "latency" in figures:
        t = figures["latency"]
        lines.append(f"Run time: p50 {t['p50_ms_1_thread']:.1f} ms (1 thread), {t['p50_ms_2_threads']:.1f} ms (2 threads)"
                     f" to score 8 candidates (100 calls); import + load + first call in a fresh process"
                     f" {t['fresh_load_s']:.2f} s ({t['fresh_process_s']:.2f} s with interpreter start).")
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=MODEL_FILE)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", type=Path, help="write the figures (and the model card's lines) here")
    parser.add_argument("--no-latency", action="store_true")
    parser.add_argument("--progress", action="store_true")
    args = parser.parse_args(argv)
    started = time.time()
    figures = figures_of(Reader.load(args.model, threads=args.threads), args.progress)
    figures["model"] = str(args.model)
    figures["measure_seconds"] = round(time.time() - started, 1)
    if not args.no_latency:
        inside, whole = fresh_load(args.model)
        figures["latency"] = {"p50_ms_1_thread": latency(args.model, 1), "p50_ms_2_threads": latency(args.model, 2),
                              "fresh_load_s": inside, "fresh_process_s": whole}
    figures["card_lines"] = card_lines(figures)
    print(f"{'set':<18} {'qs':>5} {'cands':>5} {'gold in':>8} {'top1':>7} {'bm25':>7} {'F1':>7} {'EM':>7} {'F1|gold':>8} {'EM|gold':>8}")
    for name in ("dev paragraph", "dev bm25", "zelda paragraph"):
        f = figures[name]
        print(f"{name:<18} {f['questions']:>5} {f['mean_candidates']:>5.1f} {pct(f['gold_in_candidates']):>8}"
              f" {pct(f['top1_gold_sentence']):>7} {pct(f['bm25_top1_gold_sentence']):>7} {pct(f['span_f1']):>7}"
              f" {pct(f['span_em']):>7} {pct(f['span_f1_gold_sentence']):>8} {pct(f['span_em_gold_sentence']):>8}")
    print(json.dumps(figures["declining"], indent=2))
    if "latency" in figures:
        print(json.dumps(figures["latency"], indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
