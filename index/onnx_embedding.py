"""The faster embedding backend: the packaged MiniLM exported once to ONNX and run by
OpenVINO (which picks bf16 on CPUs that have it) or else onnxruntime, tokenized by the
`tokenizers` library, so answering needs no torch at all.

Exporting needs torch and the `onnx` package (``pip install 'corpusqa[fast]'``); the
exported file is cached under ``$CORPUSQA_CACHE/onnx``. Mean pooling and L2 normalisation
match the model's sentence-transformers configuration (cosine ≥ 0.999 to torch, tested)."""

from __future__ import annotations

import hashlib
import os
import threading
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from .token_vectors import TokenVectors

MAX_TOKENS = 256  # the model's max_seq_length
# Passages per request: with bf16 on 2 cores, 4 per request and 4 requests in flight ran 85-99
# passages/s against 55-77 at 16 (512 SciFact abstracts, ~238 tokens each; `python -m bench.onnx_batch`).
BATCH_SIZE = 4
QUERY_PRECISION = os.environ.get("CORPUSQA_QUERY_PRECISION", "f32")  # OpenVINO precision for single queries
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def onnx_file(model_dir: Path, cache: Path) -> Path:
    """Where the export of ``model_dir`` lives (named by the weights' hash)."""
    weights = model_dir / "model.safetensors"
    digest = hashlib.sha256(weights.read_bytes()).hexdigest()[:16] if weights.is_file() else "unknown"
    return cache / "onnx" / f"minilm-{digest}.onnx"


def export(model_dir: Path, target: Path) -> None:
    """Export the transformer of a sentence-transformers model to ONNX (atomically)."""
    import torch
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # a one-time export is no reason for a bar on the user's terminal
    transformer = SentenceTransformer(str(model_dir), device="cpu")[0]
    model, tokenizer = transformer.auto_model.eval(), transformer.tokenizer

    class LastHiddenState(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.model(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    sample = tokenizer(["an example", "another, longer example sentence"], padding=True, return_tensors="pt")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    axes = {name: {0: "batch", 1: "tokens"} for name in (*_INPUTS, "last_hidden_state")}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer notes on shape checks that are constant here
        torch.onnx.export(LastHiddenState(), tuple(sample[name] for name in _INPUTS), str(partial),
                          input_names=list(_INPUTS), output_names=["last_hidden_state"],
                          dynamic_axes=axes, opset_version=17, dynamo=False)
    os.replace(partial, target)


class OnnxEncoder:
    """Encodes texts like the sentence-transformers model: mean pooling, then L2 norm."""

    def __init__(self, model_dir: Path, cache: Path) -> None:
        from tokenizers import Tokenizer

        path = onnx_file(model_dir, cache)
        if not path.is_file():
            export(model_dir, path)
        try:
            self._infer, self.runtime = _compile(path, cache / "openvino")
        except ImportError:
            raise
        except Exception:  # an unreadable cached export: ignore it and export again
            export(model_dir, path)
            self._infer, self.runtime = _compile(path, cache / "openvino")
        self._many = getattr(self._infer, "many", None)  # bulk inference, where the runtime overlaps requests
        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.enable_padding()
        self.dimension = int(self._infer(self._feeds(["dimension probe"])[0]).shape[-1])

    def encode(self, texts: list[str], batch_size: int | None = None) -> np.ndarray:
        """Vectors in the order of ``texts``; batches are formed in length order (as
        sentence-transformers does), so each is padded to a similar length, not the longest,
        and run several at a time where the runtime can overlap them, each batch tokenized
        while the ones before it run. A single text (a query) takes the query path."""
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for batch, feed, _, hidden in self._hidden_states(texts, batch_size):
            vectors[batch] = _pool(hidden, feed["attention_mask"])
        return vectors

    def encode_with_tokens(self, texts: list[str], batch_size: int | None = None) -> tuple[np.ndarray, list]:
        """``encode``'s vectors and, from the same run, each text's ``TokenVectors``."""

        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        tokens: list = [None] * len(texts)
        for batch, feed, pieces, hidden in self._hidden_states(texts, batch_size):
            vectors[batch] = _pool(hidden, feed["attention_mask"])
            for row, (j, text_pieces) in enumerate(zip(batch, pieces)):
                length = int(feed["attention_mask"][row].sum())
                tokens[j] = TokenVectors.of(text_pieces[1:length - 1], hidden[row, 1:length - 1])
        return vectors, tokens

    def _hidden_states(self, texts: list[str], batch_size: int | None) -> Iterator[tuple[np.ndarray, dict, list, np.ndarray]]:
        """Per batch: its rows in ``texts``, its inputs, its word pieces and the model's output."""
        if len(texts) == 1:
            feed, pieces = self._feeds(texts)
            yield np.array([0]), feed, pieces, self._infer(feed)
            return
        batch_size = batch_size or BATCH_SIZE
        order = np.argsort([len(text) for text in texts], kind="stable")
        rows = [order[i:i + batch_size] for i in range(0, len(texts), batch_size)]
        inputs: list[tuple[dict, list]] = []

        def tokenized() -> Iterator[dict]:
            for batch in rows:
                inputs.append(self._feeds([texts[j] for j in batch]))
                yield inputs[-1][0]

        run = self._many or (lambda stream: [self._infer(feed) for feed in stream])
        hidden_states = run(tokenized())
        for batch, (feed, pieces), hidden in zip(rows, inputs, hidden_states):
            yield batch, feed, pieces, hidden

    def _feeds(self, texts: list[str]) -> tuple[dict[str, np.ndarray], list[list[str]]]:
        """The model's inputs for ``texts`` and each text's word pieces."""
        encodings = self._tokenizer.encode_batch(texts)
        return ({"input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
                 "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
                 "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64)},
                [e.tokens for e in encodings])


def _pool(hidden: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
    """Mean pooling over the real tokens, then L2 normalisation (the model's configuration)."""
    mask = attention_mask[..., None].astype(np.float32)
    pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
    return (pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)).astype(np.float32)


def _compile(path: Path, compiled_cache: Path):
    """The inference function and the runtime's name: OpenVINO, else onnxruntime."""
    try:
        return _openvino(path, compiled_cache), "openvino"
    except ImportError:
        return _onnxruntime(path), "onnxruntime"


def _openvino(path: Path, compiled_cache: Path, query_precision: str = QUERY_PRECISION):
    """Batches run at the CPU's fastest precision (bf16 where it has AVX-512 BF16 or AMX:
    cosine ≥ 0.9999 to fp32) with the throughput hint, several requests in flight (65–70
    passages/s here against 48 one at a time); single texts (queries) at ``query_precision``
    with the latency hint. Each thread keeps its own query request (requests must not be
    shared between threads, and creating one per call cost more than a short query).
    Compiled models are kept in OpenVINO's cache (``compiled_cache``): a compile then takes
    0.07 s, not 0.34 (bench/README.md); the batch model is compiled at its first batch, since
    a process that only asks never needs it."""
    import openvino

    core = openvino.Core()
    try:
        compiled_cache.mkdir(parents=True, exist_ok=True)
        core.set_property({"CACHE_DIR": str(compiled_cache)})
    except OSError:  # a read-only cache: compile every time
        pass
    single = core.compile_model(str(path), "CPU", {"PERFORMANCE_HINT": "LATENCY",
                                                   "INFERENCE_PRECISION_HINT": query_precision})
    bulk_models: list = []
    bulk_lock = threading.Lock()
    local = threading.local()

    def bulk():
        with bulk_lock:
            if not bulk_models:
                bulk_models.append(core.compile_model(str(path), "CPU", {"PERFORMANCE_HINT": "THROUGHPUT"}))
            return bulk_models[0]

    def infer(feeds: dict) -> np.ndarray:
        if len(feeds["input_ids"]) > 1:
            return many([feeds])[0]
        request = getattr(local, "request", None)
        if request is None:
            request = local.request = single.create_infer_request()
        return request.infer(feeds)[single.outputs[0]].copy()  # the request reuses its buffers

    def many(feeds: Iterable[dict]) -> list[np.ndarray]:
        outputs: dict[int, np.ndarray] = {}
        model = bulk()
        queue = openvino.AsyncInferQueue(model, 2 * model.get_property("OPTIMAL_NUMBER_OF_INFER_REQUESTS"))
        queue.set_callback(lambda request, i: outputs.__setitem__(i, request.get_output_tensor(0).data.copy()))
        for i, feed in enumerate(feeds):
            queue.start_async(feed, i)
        queue.wait_all()
        return [outputs[i] for i in range(len(outputs))]

    infer.many = many
    return infer


def _onnxruntime(path: Path):
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    return lambda feeds: session.run(None, feeds)[0]
