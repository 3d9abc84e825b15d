"""The one cache of embeddings by text, for query vectors and sentence vectors alike."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from index.token_vectors import TokenVectors

Entry = tuple[np.ndarray, TokenVectors]


class VectorCache:
    """Embeddings of texts (the vector and its word vectors, from one run of the model), the
    missing ones of a call computed in one batch, least recently used dropped first. Safe
    across threads: two threads may embed the same new text once each, never corrupt it."""

    def __init__(self, embedder, capacity: int) -> None:
        """``embedder``: an ``index.embedding.Embedder`` (its ``encode_with_tokens``)."""
        self._embedder = embedder
        self._capacity = capacity
        self._entries: OrderedDict[str, Entry] = OrderedDict()
        self._lock = threading.Lock()

    def entries(self, texts: Sequence[str]) -> list[Entry]:
        """Each text's vector and word vectors, in order."""
        found: dict[str, Entry] = {}
        with self._lock:
            for text in texts:
                entry = self._entries.get(text)
                if entry is not None:
                    self._entries.move_to_end(text)
                    found[text] = entry
        missing = [text for text in dict.fromkeys(texts) if text not in found]
        if missing:
            vectors, tokens = self._embedder.encode_with_tokens(missing)
            for text, vector, token_vectors in zip(missing, vectors, tokens):
                vector.setflags(write=False)
                found[text] = (vector, token_vectors)
            with self._lock:
                self._entries.update((text, found[text]) for text in missing)
                while len(self._entries) > self._capacity:
                    self._entries.popitem(last=False)
        return [found[text] for text in texts]

    def vector(self, text: str) -> np.ndarray:
        return self.entries([text])[0][0]

    def vectors(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([vector for vector, _ in self.entries(texts)])

    def tokens(self, text: str) -> TokenVectors:
        return self.entries([text])[0][1]

    def clear(self) -> None:
        """Forget every entry (evaluation times each mode with a cold cache)."""
        with self._lock:
            self._entries.clear()
