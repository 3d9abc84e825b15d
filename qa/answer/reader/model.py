"""The run-time reader: ``qa/data/reader/reader.onnx`` under onnxruntime, the packaged
all-MiniLM-L6-v2 tokenizer under ``tokenizers``; imports no torch.

    reader = Reader.load()
    probabilities, spans = reader.score(question, sentences, contexts)

``probabilities[i]`` is the probability that ``sentences[i]`` answers ``question``;
``spans[i]`` the short answer's [start, end) characters of ``sentences[i]`` (at most 15 word
pieces). ``contexts[i]`` is the sentence before ``sentences[i]`` ("" when none); only its tail
is read."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from qa.answer.reader.encoding import MAX_ANSWER_TOKENS, best_spans, encode, load_tokenizer, packaged_tokenizer_file

MODEL_FILE = Path(__file__).resolve().parents[2] / "data" / "reader" / "reader.onnx"
THREADS = 2  # 8 sentences of a question in one batch: two threads halve its time on 2 cores


class ReaderError(RuntimeError):
    pass


class Reader:
    def __init__(self, session, tokenizer, max_tokens: int, context_tokens: int):
        self.session = session
        self.tokenizer = tokenizer
        self.max_tokens = max_tokens
        self.context_tokens = context_tokens

    @classmethod
    def load(cls, path: Path = MODEL_FILE, threads: int = THREADS, tokenizer_file: Path | None = None) -> Reader:
        import onnxruntime as ort

        if not path.is_file():
            raise ReaderError(f"no reader model at {path}")
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        meta = session.get_modelmeta().custom_metadata_map
        tokenizer_file = tokenizer_file or packaged_tokenizer_file()
        expected = meta.get("tokenizer_sha256")
        if expected and hashlib.sha256(tokenizer_file.read_bytes()).hexdigest() != expected:
            raise ReaderError(f"{tokenizer_file} is not the tokenizer {path.name} was trained with")
        return cls(session, load_tokenizer(tokenizer_file), int(meta.get("max_tokens", 96)),
                   int(meta.get("context_tokens", 16)))

    def score(self, question: str, sentences: list[str], contexts: list[str] | None = None,
              max_answer_tokens: int = MAX_ANSWER_TOKENS) -> tuple[np.ndarray, list[tuple[int, int]]]:
        if not sentences:
            return np.zeros(0, dtype=np.float32), []
        contexts = list(contexts) if contexts is not None else [""] * len(sentences)
        encoded = encode(self.tokenizer, [question] * len(sentences), list(sentences), contexts,
                         self.max_tokens, self.context_tokens)
        answer, start, end = self.session.run(None, encoded.feeds())
        probabilities = 1.0 / (1.0 + np.exp(-answer.astype(np.float64)))
        return probabilities.astype(np.float32), best_spans(start, end, encoded, max_answer_tokens)
