"""What reading documents costs, side by side with an earlier revision: indexing time on the
shipped corpus and the real folders, and `ask` latency on the shipped corpus and the SQuAD
report articles, each run in a fresh process with the checkout's own code.

    python -m bench.reading_cost [--baseline 4d3ca98] [--rounds 2] [--squad-questions 300]

The baseline is checked out into a temporary git worktree and run with this virtual
environment. Indexing is counted in CPU seconds (what a neighbour's load barely moves), rounds
alternating between the revisions; the two revisions ask their questions at the same time, so
that load from elsewhere falls on both, and each question's wall and CPU time is kept.
Prints one table of each and writes bench/results/reading_cost.json.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
FOLDERS = {"shipped corpus": ROOT / "corpus", "poetry-docs": SHARED / "corpora" / "poetry-docs",
           "peps": SHARED / "corpora" / "peps"}
SQUAD = SHARED / "datasets" / "squad2-train-10" / "train-v2.0-10-articles.json"

# Asks each question once and prints the per-question wall and CPU times (ms) as JSON; run
# inside a checkout (its own qa/ and index/ are imported first). CPU time (all the process's
# threads) hardly moves with a neighbour's load, wall time does.
_ASK = """
import json, sys, time
from pathlib import Path
from qa import Assistant
questions = json.loads(sys.argv[2])
with Assistant.open(Path(sys.argv[1])) as assistant:
    assistant.ask(questions[0])  # model and caches loaded once, as a server has them
    wall, cpu = [], []
    for question in questions:
        started, used = time.perf_counter(), time.process_time()
        assistant.ask(question)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - used) * 1000)
print(json.dumps([wall, cpu]))
"""


def index_seconds(checkout: Path, corpus: Path, index_dir: Path) -> float | None:
    """CPU seconds (the process and its children) to index ``corpus`` from scratch (None: that
    revision cannot index it, as one that skips every file of an unsupported type)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([sys.executable, "-m", "cli", "index", "--corpus", str(corpus), "--index-dir", str(index_dir),
                           "--json"], cwd=checkout, capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    seconds = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    try:
        documents = json.loads(done.stdout)["documents"]
    except (ValueError, KeyError):
        documents = 0
    return seconds if done.returncode == 0 and documents else None


def ask_side_by_side(jobs: dict[str, tuple[Path, Path]], questions: list[str]) -> dict[str, list[list[float]]]:
    """Each revision's ``[wall, cpu]`` ms per question, the revisions asking at the same time
    (``jobs``: revision -> (checkout, index folder)), so that load from elsewhere falls on both."""
    running = {rev: subprocess.Popen([sys.executable, "-c", _ASK, str(index_dir), json.dumps(questions)],
                                     cwd=checkout, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
               for rev, (checkout, index_dir) in jobs.items()}
    return {rev: json.loads(process.communicate()[0].strip().splitlines()[-1]) for rev, process in running.items()}


def squad_report(limit: int) -> tuple[Path, list[str]]:
    """The SQuAD report articles written as a corpus, and up to ``limit`` of their questions."""
    sys.path.insert(0, str(ROOT))
    from qa.evaluate.answers import REPORT, article_split
    from qa.evaluate.squad import load_squad, materialise_squad_corpus

    dataset = load_squad(SQUAD)
    halves = article_split(dataset)
    corpus, _ = materialise_squad_corpus(dataset)  # all articles indexed, as `corpusqa eval` has them
    report = {a.doc for a in dataset.articles if halves[a.title] == REPORT}
    return corpus, [q.question for q in dataset.questions if q.doc in report][:limit]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default="4d3ca98")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--squad-questions", type=int, default=300)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="reading-cost-"))
    baseline = work / "baseline"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(baseline), args.baseline],
                   check=True, capture_output=True)
    checkouts = {args.baseline: baseline, "this checkout": ROOT}
    squad_corpus, squad_questions = squad_report(args.squad_questions)
    labelled = [json.loads(line)["question"] for line in (ROOT / "qa" / "data" / "questions.jsonl").read_text().splitlines()]
    folders = dict(FOLDERS, **{"SQuAD report": squad_corpus})
    indexing: dict[str, dict[str, list[float]]] = {name: {rev: [] for rev in checkouts} for name in folders}
    asking: dict[str, dict[str, list[float]]] = {name: {rev: [] for rev in checkouts}
                                                for name in ("shipped corpus", "SQuAD report")}
    asking_cpu = {name: {rev: [] for rev in checkouts} for name in asking}
    def index_dir(rev: str, name: str, round_: int) -> Path:
        return work / f"{rev.replace(' ', '-')}-{name.replace(' ', '-')}-{round_}"

    try:
        for round_ in range(args.rounds):
            for rev, checkout in (checkouts.items() if round_ % 2 == 0 else reversed(checkouts.items())):
                for name, corpus in folders.items():
                    indexing[name][rev].append(index_seconds(checkout, corpus, index_dir(rev, name, round_)))
            for name in asking:
                questions = labelled if name == "shipped corpus" else squad_questions
                times = ask_side_by_side({rev: (checkout, index_dir(rev, name, round_))
                                          for rev, checkout in checkouts.items()}, questions)
                for rev, (wall, cpu) in times.items():
                    asking[name][rev].extend(wall)
                    asking_cpu[name][rev].extend(cpu)
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(baseline)], capture_output=True)
    result = {
        "indexing_s": {name: {rev: round(statistics.median(t), 2) if None not in t else None for rev, t in revs.items()}
                       for name, revs in indexing.items()},
        "ask_ms": {name: {rev: {"p50": round(statistics.median(t), 1),
                                "p95": round(statistics.quantiles(t, n=20)[18], 1),
                                "cpu_p50": round(statistics.median(asking_cpu[name][rev]), 1)} for rev, t in revs.items()}
                   for name, revs in asking.items()},
    }
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / "reading_cost.json").write_text(json.dumps(result, indent=2) + "\n")
    base, new = args.baseline, "this checkout"
    print(f"| indexing (CPU s, median of {args.rounds}) | {base} | this checkout | ratio |\n|---|---|---|---|")
    for name, revs in result["indexing_s"].items():
        ratio = f"{revs[new] / revs[base]:.2f}×" if revs[base] and revs[new] else "—"
        print(f"| {name} | {revs[base] or 'cannot read it'} | {revs[new]} | {ratio} |")
    print(f"\n| ask (ms) | {base} p50 / p95 (CPU p50) | this checkout p50 / p95 (CPU p50) | p50 ratio (CPU) |"
          "\n|---|---|---|---|")
    for name, revs in result["ask_ms"].items():
        a, b = revs[base], revs[new]
        print(f"| {name} | {a['p50']} / {a['p95']} ({a['cpu_p50']}) | {b['p50']} / {b['p95']} ({b['cpu_p50']}) | "
              f"{b['p50'] / a['p50']:.2f}× ({b['cpu_p50'] / a['cpu_p50']:.2f}×) |")


if __name__ == "__main__":
    main()
