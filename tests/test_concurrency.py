"""Threads and generations: concurrent questions through the launched app while a re-index
swaps the generation; each thread reads SQLite through its own connection and stems with its
own stemmer; a replaced generation is closed once its last question is answered, and freed."""

from __future__ import annotations

import gc
import threading
import weakref
from concurrent.futures import ThreadPoolExecutor

from gradio_client import Client

from index.store import RecordStore
from index.tokenization import Tokenizer
from qa import Assistant

from .conftest import running_server

QUESTIONS = ["How many vessels does Singapore supply with marine fuel each year?",
             "What will the US tariff on most South Korean goods be cut to?",
             "Which browser offers an incognito mode?"]


def test_concurrent_asks_while_a_reindex_swaps_the_generation(tmp_path, embedder):
    with running_server(tmp_path, embedder) as (service, url):
        first_generation = service.generation
        results, errors = [], []
        started = threading.Event()

        def user(number: int) -> None:
            client = Client(url, verbose=False)
            for i in range(8):
                try:
                    results.append(client.predict(QUESTIONS[(number + i) % 3], api_name="/ask"))
                except Exception as error:  # any failure mid-swap is a defect
                    errors.append(repr(error))
                started.set()

        with service.lease() as held:  # a question still being answered on the old generation
            with ThreadPoolExecutor(6) as pool:
                futures = [pool.submit(user, n) for n in range(6)]
                started.wait(60)
                (service.corpus / "walrus.md").write_text("# Walrus census\n\nThe census counted 812 walruses.\n")
                summary = service.reindex()
                for future in futures:
                    future.result()
            assert not held.retriever.records.closed  # in use: not closed under the question
            assert held.search("tariff", k=1)  # and still answers
        assert held.retriever.records.closed  # closed when its last user finished
        assert errors == [] and len(results) == 48
        assert all(not r["abstained"] and r["citations"] for r in results)
        assert summary.added == ["walrus.md"] and service.generation != first_generation
        walrus = service.ask("How many walruses did the census count?")
        assert "812" in walrus.text


def test_a_closed_generation_is_freed_by_reference_counting(shipped_index, embedder):
    """No reference cycle (the old lru_cache around a bound method made one): dropping the
    last reference frees the generation at once, without waiting for the cycle collector."""
    gc.disable()
    try:
        assistant = Assistant.open(shipped_index, embedder=embedder)
        assistant.ask(QUESTIONS[0])
        freed = weakref.ref(assistant)
        retriever = weakref.ref(assistant.retriever)
        assistant.close()
        del assistant
        assert freed() is None and retriever() is None
    finally:
        gc.enable()


def test_each_thread_reads_through_its_own_read_only_connection(shipped_index):
    from index.generations import current_generation

    store = RecordStore(current_generation(shipped_index) / "records.sqlite")
    expected = [c.text for c in store.chunks(list(range(store.size)))]
    seen, barrier = {}, threading.Barrier(4)

    def read(n: int) -> None:
        barrier.wait()
        for _ in range(20):
            assert [c.text for c in store.chunks(list(range(store.size)))] == expected
        seen[n] = store._db
        try:
            store._db.execute("CREATE TABLE t (x)")
        except Exception as error:
            seen[f"write-{n}"] = str(error)

    threads = [threading.Thread(target=read, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(seen[n]) for n in range(4)}) == 4  # four threads, four connections
    assert all("readonly" in seen[f"write-{n}"] for n in range(4))
    store.close()
    assert store.closed


def test_tokenizer_stems_with_one_stemmer_per_thread():
    tokenize = Tokenizer()
    text = "Shipbuilding investments strengthened the partnerships between governments " * 50
    expected = tokenize(text)
    stemmers, outputs = [], []

    def work() -> None:
        for _ in range(200):
            outputs.append(tokenize(text) == expected)
        stemmers.append(tokenize._local.stemmer)  # held, so a finished thread's id() is never reused

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(outputs) and len({id(stemmer) for stemmer in stemmers}) == 4


def test_a_second_app_process_serves_a_generation_another_one_published(tmp_path, embedder):
    with running_server(tmp_path, embedder) as (first, url):
        from ui.service import Service

        second = Service(first.corpus, first.index_dir, embedder, follow_seconds=0)
        try:
            (first.corpus / "pier.md").write_text("# Pier\n\nThe new pier is made of recycled steel.\n")
            assert all(h.doc != "pier.md" for h in second.retrieve("pier recycled steel", 5, "bm25").hits)
            first.reindex()  # published by the app behind the page
            hits = second.retrieve("pier recycled steel", 5, "bm25").hits
            assert second.generation == first.generation and hits[0].doc == "pier.md"
            answer = Client(url, verbose=False).predict("What is the new pier made of?", api_name="/ask")
            assert "recycled steel" in str(answer)
        finally:
            second.close()
