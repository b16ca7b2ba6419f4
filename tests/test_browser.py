"""The chat driven in a real headless Chromium (Debian's package, driven by Playwright)."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from citeqa import QA
from citeqa.app import launch

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium)"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def url(qa: QA) -> Iterator[str]:
    port = free_port()
    demo = launch(qa, host="127.0.0.1", port=port, block=False)
    yield f"http://127.0.0.1:{port}/"
    demo.close()


def test_ask_and_follow_up_in_the_browser(url: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    SCREENSHOTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        external: list[str] = []
        page.on(
            "request",
            lambda r: external.append(r.url) if not r.url.startswith(("http://127.0.0.1", "data:", "blob:")) else None,
        )
        page.goto(url)
        box = page.get_by_label("Question")
        box.fill("Who hosted the first-ever Space Engagement Talks with Japan?")
        box.press("Enter")
        expect(page.locator("mark").first).to_be_visible(timeout=60_000)
        expect(page.get_by_text("us-japan-space-engagement-talks").first).to_be_visible()
        page.screenshot(path=str(SCREENSHOTS / "answer.png"), full_page=True)

        box.fill("What command does he lead?")
        box.press("Enter")
        expect(page.locator(".message").nth(3)).to_contain_text("Space Forces Indo-Pacific", timeout=60_000)
        page.screenshot(path=str(SCREENSHOTS / "follow-up.png"), full_page=True)

        page.set_viewport_size({"width": 390, "height": 844})
        page.screenshot(path=str(SCREENSHOTS / "phone.png"), full_page=True)
        browser.close()
    assert external == [], f"the page reached outside this machine: {external[:5]}"
