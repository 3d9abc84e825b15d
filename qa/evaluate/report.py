"""`corpusqa eval --report DIR`: report.md with the results table and PNG plots."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from qa.evaluate.retrieval import ModeResult
from qa.extras import optional_import


def write_report(folder: Path, payload: dict, results: list[ModeResult]) -> Path:
    matplotlib = optional_import("matplotlib", "eval", "`corpusqa eval --report`")
    matplotlib.use("Agg")
    folder.mkdir(parents=True, exist_ok=True)
    lines = [f"# Retrieval evaluation: {payload['dataset']}", "",
             f"Split `{payload['split']}`, {payload['queries']} queries"
             + (f", {payload['passages']} passages." if "passages" in payload else "."), ""]
    lines += _table(payload["results"])
    if payload.get("paired_differences"):
        lines += ["", "nDCG@10 differences over the same queries, with 95 % bootstrap intervals (one holding 0: "
                  "no evidence either mode ranks better):", "", "| modes | nDCG@10 | 95 % interval |", "|---|---|---|"]
        lines += [f"| {d['modes']} | {d['nDCG@10']:+.4f} | [{d['ci95'][0]:+.4f}, {d['ci95'][1]:+.4f}] |"
                  for d in payload["paired_differences"]]
    if results:
        _recall_curves(results, folder / "recall_at_k.png")
        _latency_histogram(results, folder / "latency.png")
        lines += ["", "![Recall@k per mode](recall_at_k.png)", "",
                  "Recall@k: share of relevant documents found in the top k, per mode.", "",
                  "![Query latency per mode](latency.png)", "",
                  "Query latency: time per query in milliseconds (query embedding included)."]
    else:
        _metric_bars(payload["results"], folder / "metrics.png")
        lines += ["", "![Metrics per mode](metrics.png)"]
    path = folder / "report.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _table(rows: list[dict]) -> list[str]:
    columns = [c for c in rows[0] if c != "mode"]
    out = ["| mode | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    for row in rows:
        cells = ["—" if row[c] is None else (f"{row[c]:.4f}" if isinstance(row[c], float) else str(row[c]))
                 for c in columns]
        out.append(f"| {row['mode']} | " + " | ".join(cells) + " |")
    return out


@contextmanager
def _figure(path: Path, size: tuple[float, float] = (6, 4)):
    """Axes to draw on; the figure is saved to ``path`` with its legend when the block ends."""
    plt = optional_import("matplotlib.pyplot", "eval", "`corpusqa eval --report`")
    figure, axes = plt.subplots(figsize=size)
    try:
        yield axes
        axes.legend()
        figure.tight_layout()
        figure.savefig(path, dpi=120)
    finally:
        plt.close(figure)


def _recall_curves(results: list[ModeResult], path: Path) -> None:
    with _figure(path) as axes:
        for result in results:
            depths = sorted(result.recall_curve)
            axes.plot(depths, [result.recall_curve[d] for d in depths], marker="o", label=result.mode)
        axes.set(xscale="log", xlabel="k", ylabel="Recall@k", title="Recall@k per mode")
        axes.grid(alpha=0.3)


def _latency_histogram(results: list[ModeResult], path: Path) -> None:
    with _figure(path) as axes:
        for result in results:
            axes.hist(result.latencies_ms, bins=40, alpha=0.5, label=result.mode)
        axes.set(xlabel="ms per query", ylabel="queries", title="Query latency per mode")


def _metric_bars(rows: list[dict], path: Path) -> None:
    import numpy as np

    metrics = [c for c in rows[0] if c not in ("mode", "questions") and not c.startswith("latency")]
    width = 0.8 / len(rows)
    with _figure(path, (9, 4)) as axes:
        for i, row in enumerate(rows):
            values = [row[m] or 0.0 for m in metrics]
            axes.bar(np.arange(len(metrics)) + i * width, values, width, label=row["mode"])
        axes.set_xticks(np.arange(len(metrics)) + width * (len(rows) - 1) / 2, metrics, rotation=30, ha="right")
        axes.set(ylim=(0, 1), title="Labelled-question metrics per mode")
