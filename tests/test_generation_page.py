"""Generated answers on the launched chat page and its HTTP API: the model's words stream in,
then the verified answer replaces them with its sources; removed sentences sit struck through
under a fold. The model server is a stand-in streaming a chosen reply, a word at a time."""

from __future__ import annotations

import pytest
from gradio_client import Client

from qa.generate.client import LLMSettings

from .conftest import running_server
from .test_browser import ARTIFACTS, browser  # noqa: F401  (the Chromium fixture)

QUESTION = "How many vessels does Singapore supply with marine fuel each year?"


@pytest.fixture(scope="module")
def served(tmp_path_factory, embedder, stand_in):
    llm = LLMSettings(stand_in.url, "stand-in-model", timeout=10)
    with running_server(tmp_path_factory.mktemp("generation-page"), embedder, llm=llm) as running:
        yield running


def fuel_reply(service) -> str:
    hits = service.retrieve(QUESTION, k=8).hits[:5]
    n = next(i for i, hit in enumerate(hits, start=1) if "130,000 vessels" in hit.text)
    return (f"Singapore supplies marine fuel to approximately 130,000 vessels every year [{n}]. "
            f"The fuel comes from a secret moon base [{n}].")


def test_the_api_returns_verified_sentences_and_the_removed_ones_flagged(served, stand_in):
    service, url = served
    stand_in.reply, stand_in.word_delay = fuel_reply(service), 0.0
    result = Client(url, verbose=False).predict(QUESTION, [], "hybrid", 8, True, api_name="/ask")
    assert result["generated_by"] == "stand-in-model"
    assert [s["supported"] for s in result["sentences"]] == [True, False]
    assert "moon" not in result["answer"] and "130,000" in result["answer"]
    plain = Client(url, verbose=False).predict(QUESTION, [], "hybrid", 8, api_name="/ask")
    assert "generated_by" not in plain  # extractive unless asked


@pytest.mark.browser
def test_streamed_text_then_the_verified_answer_with_sources(served, stand_in, browser):  # noqa: F811
    service, url = served
    stand_in.reply, stand_in.word_delay = fuel_reply(service), 0.15
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(url)
        page.wait_for_selector("#question textarea")
        assert page.locator("#generate input").is_checked()
        page.fill("#question textarea", QUESTION)
        page.click("#ask-button")
        streaming = page.locator("#chat [data-testid='bot']", has_text="is writing")
        streaming.wait_for(timeout=20_000)
        assert "130,000" not in streaming.inner_text() or "moon" not in streaming.inner_text()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "10-generated-streaming.png"), full_page=True)
        final = page.locator("#chat [data-testid='bot']", has_text="written by stand-in-model")
        final.wait_for(timeout=30_000)
        text = final.inner_text()
        assert "130,000 vessels" in text and "is writing" not in text
        page.wait_for_selector("#sources .cq-card")
        assert "130,000 vessels annually" in page.locator("#sources .cq-card mark").first.inner_text()
        fold = final.locator("details")
        assert "Not supported by the sources (1)" in fold.inner_text()
        fold.locator("summary").click()
        assert "secret moon base" in fold.locator("del, s").first.inner_text()
        page.screenshot(path=str(ARTIFACTS / "11-generated-verified.png"), full_page=True)
    finally:
        page.close()
