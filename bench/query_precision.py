"""Query embedding per precision on this machine: OpenVINO fp32 and bf16, and int8 (the ONNX
export quantized dynamically by onnxruntime), each with its parity to fp32: the lowest
cosine over every labelled question and 300 SciFact claims, and whether every labelled
question keeps the same dense top 5 over the shipped corpus.

    .venv/bin/python -m bench.query_precision"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import numpy as np

from index.embedding import Embedder, _resolve
from index.generations import cache_root
from index.onnx_embedding import OnnxEncoder, _onnxruntime, _openvino, onnx_file
from index.text import indexed_text
from qa.evaluate.datasets import load_questions
from qa.evaluate.retrieval import percentile

ROOT = Path(__file__).resolve().parent.parent
SCIFACT = ROOT.parent / "shared" / "datasets" / "scifact-train"


def main() -> None:
    from index.builder import build_index
    from qa import Assistant

    questions = [q.question for q in load_questions(ROOT / "qa" / "data" / "questions.jsonl")]
    with (SCIFACT / "queries.jsonl").open() as handle:
        claims = [json.loads(line)["text"] for line in handle][:300]
    embedder = Embedder()
    with tempfile.TemporaryDirectory() as folder:
        build_index(ROOT / "corpus", Path(folder), embedder=embedder)
        with Assistant.open(folder, embedder=embedder) as assistant:
            chunks = assistant.retriever.records.chunks(list(range(assistant.retriever.records.size)))
    passages = embedder.encode([indexed_text(c.title, c.section, c.text) for c in chunks])
    model_dir = Path(_resolve(embedder.name))
    path = onnx_file(model_dir, cache_root())
    encoder = OnnxEncoder(model_dir, cache_root())
    runtimes = {"fp32": _openvino(path, cache_root() / "openvino", "f32"),
                "bf16": _openvino(path, cache_root() / "openvino", "bf16"), "int8": _onnxruntime(_int8(path))}
    reference = None
    print("| precision | query p50 ms | p95 ms | min cosine to fp32 | labelled questions with the same dense top 5 |")
    print("|---|---|---|---|---|")
    for name, infer in runtimes.items():
        encoder._infer = infer
        texts = questions + claims
        for text in texts[:20]:  # warm-up
            encoder.encode([text])
        times, vectors = [], []
        for text in texts:
            started = time.perf_counter()
            vectors.append(encoder.encode([text])[0])
            times.append((time.perf_counter() - started) * 1000)
        vectors = np.array(vectors)
        reference = vectors if reference is None else reference
        cosine = float((vectors * reference).sum(axis=1).min())
        top5 = lambda v: np.argsort(-(passages @ v))[:5].tolist()  # noqa: E731
        pairs = list(zip(vectors[:len(questions)], reference[:len(questions)]))
        same = sum(top5(v) == top5(r) for v, r in pairs)
        same_set = sum(set(top5(v)) == set(top5(r)) for v, r in pairs)
        print(f"| {name} | {percentile(times, 50):.2f} | {percentile(times, 95):.2f} | {cosine:.5f} | "
              f"{same}/{len(questions)} in order, {same_set}/{len(questions)} as sets |")


def _int8(path: Path) -> Path:
    """The export with int8 weights (onnxruntime's dynamic quantization), cached beside it."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    target = path.with_name(path.stem + "-int8.onnx")
    if not target.is_file():
        quantize_dynamic(str(path), str(target), weight_type=QuantType.QInt8)
    return target


def hybrid_against_embedding() -> None:
    """Hybrid search p50/p95 on SciFact train (its cached eval index) against the query
    embedding alone, both cold (a new query every time), interleaved in one process."""
    from qa import Assistant
    from qa.evaluate.datasets import load_beir, materialise_beir_corpus

    beir = load_beir(SCIFACT, "train")
    _, index_dir = materialise_beir_corpus(beir)
    with Assistant.open(index_dir) as assistant:
        retriever = assistant.retriever
        embed, hybrid = [], []
        for text in list(beir.queries.values()):
            started = time.perf_counter()
            retriever.embedder.encode_query(text)
            embed.append((time.perf_counter() - started) * 1000)
            retriever.query_vectors.clear()
            started = time.perf_counter()
            retriever.rank(text, 10, "hybrid")
            hybrid.append((time.perf_counter() - started) * 1000)
    ratio = percentile(hybrid, 50) / percentile(embed, 50)
    print(f"\nSciFact train, {len(embed)} queries: query embedding p50 {percentile(embed, 50):.2f} / p95 "
          f"{percentile(embed, 95):.2f} ms; hybrid search p50 {percentile(hybrid, 50):.2f} / p95 "
          f"{percentile(hybrid, 95):.2f} ms (embedding included): {ratio:.2f}× the embedding alone")


if __name__ == "__main__":
    main()
    hybrid_against_embedding()
