"""The chat page in headless Chromium (Debian's, driven by Playwright): answers with
sources, citation clicks, follow-ups, feedback, uploads, and inert hostile documents.
Screenshots are saved in test-artifacts/."""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

from .conftest import ROOT, running_server
from .documents import XSS_HTML, pdf_bytes

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
HOSTILE_MARKDOWN = """# Kiwi levies

The kiwi levy is 5 percent, says [this link](javascript:alert('md')) and <img src=x onerror="window.__xss=1">.

<script>window.__xss = 2</script> The kiwi levy review ends in 2031.
"""


PIER = "# Pier works\n\nThe new pier is made of recycled steel from old ships.\n"
GUIDE = """# Client guide

Connection pooling keeps sockets **open** between requests. Keep-alive is not enabled by
default, because some proxies close idle connections early and `Client` would then see a reset.

To turn keep-alive on, pass it to the client:

```python
client = Client(keep_alive=True)
```
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory, embedder):
    hostile = {"hostile.html": XSS_HTML, "hostile.md": HOSTILE_MARKDOWN, "pier.md": PIER, "guide.md": GUIDE}
    with running_server(tmp_path_factory.mktemp("browser"), embedder, hostile) as running:
        yield running


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make browser` installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser, server):
    """A fresh browser session on the page; it records dialogs and every request host."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.dialogs, page.hosts = [], set()
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.on("request", lambda request: page.hosts.add(urlparse(request.url).hostname))
    page.goto(server[1])
    page.wait_for_selector("#question textarea")
    yield page
    context.close()


def ask(page, question: str) -> float:
    """Ask on the page; return seconds until the answer and its sources are rendered."""
    answers = page.locator("#chat .message-row, #chat [data-testid='bot']").count()
    page.fill("#question textarea", question)
    started = time.perf_counter()
    page.click("#ask-button")
    page.wait_for_function(
        "n => document.querySelectorAll(\"#chat .message-row, #chat [data-testid='bot']\").length > n",
        arg=answers, timeout=30_000)
    page.wait_for_selector("#sources .cq-card", timeout=30_000)
    seconds = time.perf_counter() - started
    page.wait_for_function("() => !document.querySelector('#sources .pending, .wrap.generating')", timeout=30_000)
    page.wait_for_timeout(300)  # let the loading overlay fade before screenshots
    return seconds


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def last_answer(page) -> str:
    return page.locator("#chat [data-testid='bot']").last.inner_text()


def test_answer_with_sources_and_citation_opens_highlighted_span(page):
    seconds = ask(page, "How many vessels does Singapore supply with marine fuel each year?")
    assert "130,000 vessels" in last_answer(page)
    card = page.locator("#sources .cq-card").first
    assert "singapore-korea-strategic-partnership.txt" in card.inner_text()
    assert "dense rank" in card.inner_text() and "BM25 rank" in card.inner_text()
    assert "130,000 vessels annually" in card.locator("mark").inner_text()
    shot(page, "01-answer-with-sources")
    page.locator("#chat a[href^='#cite-']").first.click()
    highlighted = page.locator("#document-view mark#cq-cited-span")
    highlighted.wait_for(timeout=10_000)
    assert "approximately 130,000 vessels annually" in highlighted.inner_text()
    shot(page, "02-citation-opened-in-document")
    print(f"question to rendered answer: {seconds:.2f} s")


def test_citation_in_the_sources_panel_opens_its_span(page):
    ask(page, "Why might Seoul worry that sending so much money abroad could hurt it at home?")
    links = page.locator("#sources a.cq-cite")
    assert links.count() >= 2
    quote = page.locator("#sources .cq-card").last.locator("mark").inner_text()
    links.last.click()
    page.wait_for_function("q => document.querySelector('#document-view mark#cq-cited-span')?.innerText === q",
                           arg=quote, timeout=10_000)


def test_follow_up_uses_the_conversation(page):
    ask(page, "What is the KORUS FTA?")
    ask(page, "When was it implemented?")
    assert "2012" in last_answer(page)
    shot(page, "03-follow-up")


def test_unanswerable_question_shows_closest_matches(page):
    ask(page, "Who won the 2018 FIFA World Cup?")
    assert "Not in the documents" in last_answer(page)
    assert "Closest matches" in page.locator("#sources").inner_text()
    shot(page, "04-not-in-the-documents")


def test_feedback_is_saved(page, server):
    service, _ = server
    before = len(service.feedback.rows())
    ask(page, "Which browser offers an incognito mode?")
    page.locator("#chat button[aria-label='Like']").last.click()
    deadline = time.time() + 10
    while len(service.feedback.rows()) == before and time.time() < deadline:
        time.sleep(0.2)
    row = service.feedback.rows()[-1]
    assert len(service.feedback.rows()) == before + 1
    assert row["liked"] == 1 and row["question"] == "Which browser offers an incognito mode?"


def test_a_thumbs_down_asks_what_was_wrong(page, server):
    service, _ = server
    ask(page, "Who won the 2018 FIFA World Cup?")
    panel = page.locator("#dislike-panel").first
    assert not panel.is_visible()
    page.locator("#chat button[aria-label='Dislike']").last.click()
    panel.wait_for(state="visible", timeout=10_000)
    page.locator("#verdict label", has_text="should have answered").click()
    shot(page, "07-what-was-wrong")
    page.click("#verdict-save")
    panel.wait_for(state="hidden", timeout=10_000)
    row = service.feedback.rows()[-1]
    assert row["liked"] == 0 and row["question"] == "Who won the 2018 FIFA World Cup?"
    assert row["verdict"] == "should have answered" and row["right_passage"] is None


def test_a_citation_of_a_document_edited_since_says_so(page, server):
    service, _ = server
    ask(page, "What is the new pier made of?")
    assert "recycled steel" in last_answer(page)
    (service.corpus / "pier.md").write_text("# Pier works\n\nWork began in May. The new pier is made of "
                                            "recycled steel from old ships.\n")
    service.reindex()
    page.locator("#chat a[href^='#cite-']").first.click()
    view = page.locator("#document-view")
    view.locator(".cq-stale").wait_for(timeout=10_000)
    assert "has changed since" in view.inner_text()
    assert view.locator("mark#cq-cited-span").inner_text() == "The new pier is made of recycled steel from old ships."
    shot(page, "08-citation-of-a-changed-document")


def test_upload_then_search_finds_the_new_document(page, server, tmp_path):
    service, _ = server
    upload = tmp_path / "walrus census.md"
    upload.write_text("# Walrus census\n\nThe 2026 walrus census counted 812 walruses on the ice.\n")
    blank = tmp_path / "blank.pdf"
    blank.write_bytes(pdf_bytes([]))
    page.click("text=Add documents")
    page.set_input_files("#upload input[type='file']", [str(upload), str(blank)])
    page.click("#add-button")
    page.wait_for_function("() => document.querySelector('#upload-status textarea').value.includes('re-indexed')",
                           timeout=120_000)
    status = page.input_value("#upload-status textarea")
    assert "added uploads/walrus_census.md" in status and "rejected 'blank.pdf': cannot be indexed: no text" in status
    assert (service.corpus / "uploads" / "walrus_census.md").is_file()
    assert not (service.corpus / "uploads" / "blank.pdf").exists()  # what cannot be indexed is not kept
    assert service.retrieve("walrus census", k=1).hits[0].doc == "uploads/walrus_census.md"
    ask(page, "How many walruses did the census count?")
    assert "812" in last_answer(page)
    shot(page, "05-uploaded-document-answers")


def test_hostile_documents_stay_inert_text(page):
    ask(page, "What is the zebra tariff?")
    ask(page, "What is the kiwi levy?")
    page.locator("#chat a[href^='#cite-']").first.click()
    page.locator("#document-view mark").wait_for(timeout=10_000)
    page.wait_for_timeout(500)
    shot(page, "06-hostile-document-inert")
    text = page.locator("body").inner_text()
    assert "<img src=x onerror" in text  # shown as text ...
    assert page.dialogs == []  # ... and nothing ran
    assert page.evaluate("() => window.__xss") is None
    assert page.locator("#chat img[src='x'], #sources img, #document-view img").count() == 0
    assert page.locator("#chat a[href^='javascript:'], #sources a[href^='javascript:']").count() == 0
    assert page.hosts <= {"127.0.0.1", "localhost"}


def test_markdown_is_shown_as_markdown(page):
    """Answers and sources showed Markdown raw: backticks, ``**`` and code fences."""
    ask(page, "How do I turn on keep-alive?")
    card = page.locator("#sources .cq-card").first
    assert card.locator(".cq-codeblock pre code").inner_text().strip() == "client = Client(keep_alive=True)"
    assert card.locator(".cq-lang").inner_text() == "python" and "```" not in card.inner_text()
    answer = page.locator("#chat [data-testid='bot']").last
    assert "```" not in answer.inner_text() and "client = Client(keep_alive=True)" in answer.inner_text()
    shot(page, "07-markdown-shown-as-markdown")
    assert answer.locator("pre code").count() == 1  # the code block, formatted
    ask(page, "Why is keep-alive not enabled by default?")
    card = page.locator("#sources .cq-card").first
    assert card.locator("strong").inner_text() == "open" and card.locator("code").first.inner_text() == "Client"
    assert "**" not in card.inner_text()
    assert "default, because some proxies close idle connections early" in card.locator("mark").inner_text()
    shot(page, "08-markdown-sources-panel")
