"""The chat driven in a real headless Chromium (Debian's package, driven by Playwright)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
LOCAL = ("http://127.0.0.1", "data:", "blob:")
BOT = "[data-testid='bot']"

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium)"
)


def test_a_person_using_the_chat(chat_url: str, tmp_path: Path) -> None:
    """Ask, see the quote and citation, open it in the viewer, follow up, upload a document, ask it."""
    from playwright.sync_api import expect, sync_playwright

    SCREENSHOTS.mkdir(exist_ok=True)
    hostile = tmp_path / "hostile-notes.html"
    hostile.write_text(
        "<h1>Field notes</h1><p>The observatory on Mount Keller was rebuilt by Orion Works in 2019.</p>"
        "<script>window.__pwned = 1</script><p>&lt;script&gt;window.__pwned = 2&lt;/script&gt; stays text.</p>",
        encoding="utf-8",
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        outside: list[str] = []
        page.on("request", lambda r: None if r.url.startswith(LOCAL) else outside.append(r.url))
        page.goto(chat_url)

        box = page.get_by_role("textbox", name="Question", exact=True)
        box.fill("Who is the commander of United States Space Forces Indo-Pacific?")
        box.press("Enter")
        answer = page.locator(BOT).nth(0)
        expect(answer.locator("mark")).to_be_visible(timeout=60_000)
        expect(answer).to_contain_text("Mastalir")
        expect(answer).to_contain_text("characters")  # the citation's location
        page.screenshot(path=str(SCREENSHOTS / "1-answer.png"), full_page=True)

        answer.locator("a.citeqa-cite").first.click()
        viewer = page.locator("#citeqa-viewer")
        expect(viewer.locator("mark")).to_contain_text("Mastalir", timeout=30_000)
        expect(viewer).to_contain_text("Space Force")
        page.screenshot(path=str(SCREENSHOTS / "2-citation-viewer.png"), full_page=True)

        box.fill("Where did he take part in a morning conversation?")
        box.press("Enter")
        expect(page.locator(BOT).nth(1)).to_contain_text("Mitchell Institute", timeout=60_000)
        page.screenshot(path=str(SCREENSHOTS / "3-follow-up.png"), full_page=True)

        page.get_by_text("Documents", exact=True).click()
        page.locator("input[type=file]").set_input_files(str(hostile))
        expect(page.get_by_text("Indexed: Field notes")).to_be_visible(timeout=60_000)
        box.fill("Who rebuilt the observatory on Mount Keller?")
        box.press("Enter")
        expect(page.locator(BOT).nth(2)).to_contain_text("Orion Works", timeout=60_000)
        assert page.evaluate("window.__pwned") is None, "a document's script ran in the page"
        page.screenshot(path=str(SCREENSHOTS / "4-uploaded-document.png"), full_page=True)

        page.set_viewport_size({"width": 390, "height": 844})
        page.screenshot(path=str(SCREENSHOTS / "5-phone.png"), full_page=True)
        browser.close()
    assert outside == [], f"the page reached outside this machine: {outside[:5]}"


def test_keyboard_only(chat_url: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()
        page.goto(chat_url)
        page.get_by_role("textbox", name="Question", exact=True).wait_for()
        # The question box has focus on load; typing and Enter ask without a mouse.
        page.keyboard.type("When was U.S. Space Forces Korea activated?")
        page.keyboard.press("Enter")
        expect(page.locator(BOT).nth(0)).to_contain_text("2022", timeout=60_000)
        # Every button a screen reader reaches has a name (Gradio's "share" button had none, and
        # would have posted the conversation to Hugging Face).
        unnamed = page.evaluate(
            "() => [...document.querySelectorAll('button')].filter(b => b.offsetParent !== null"
            " && !(b.getAttribute('aria-label') || b.innerText || b.title || '').trim()).length"
        )
        assert unnamed == 0
        # The cited document opens in a region that takes focus, so it scrolls from the keyboard.
        page.locator(BOT).nth(0).locator("a.citeqa-cite").first.click()
        viewer = page.locator("#citeqa-viewer [role=region]")
        expect(viewer).to_have_attribute("tabindex", "0", timeout=30_000)
        viewer.focus()
        page.keyboard.press("PageDown")
        assert page.evaluate("document.activeElement.getAttribute('role')") == "region"
        assert page.get_by_role("heading", level=1, name="citeqa").is_visible()
        browser.close()


# WCAG's contrast ratio of an element's text against its own (opaque) background colour; 0 when the
# element has none, so a test cannot pass on a figure measured against nothing.
CONTRAST_JS = r"""(element) => {
  const style = getComputedStyle(element);
  const luminance = (css) => {
    const [r, g, b] = css.match(/[\d.]+/g).slice(0, 3).map(Number).map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  // Against a transparent background the figure would be wrong: the element must paint its own.
  if (/rgba\(.*,\s*0(\.0*)?\)$/.test(style.backgroundColor)) return 0;
  const [hi, lo] = [luminance(style.color), luminance(style.backgroundColor)].sort((a, b) => b - a);
  return (hi + 0.05) / (lo + 0.05);
}"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_quotes_and_buttons_stay_readable_in_the_systems_light_or_dark_theme(chat_url: str, scheme: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        # Gradio follows the system's theme; in the dark one an inherited white on the quote's yellow vanished.
        page = browser.new_page(color_scheme=scheme)  # type: ignore[arg-type]
        page.goto(chat_url)
        box = page.get_by_role("textbox", name="Question", exact=True)
        box.fill("When was U.S. Space Forces Korea activated?")
        box.press("Enter")
        mark = page.locator(BOT).nth(0).locator("mark").first
        expect(mark).to_be_visible(timeout=60_000)
        assert mark.evaluate(CONTRAST_JS) >= 4.5
        assert page.get_by_role("button", name="Ask", exact=True).evaluate(CONTRAST_JS) >= 4.5
        browser.close()


def test_questions_wait_while_an_upload_is_indexed(chat_url: str, tmp_path: Path) -> None:
    """Asked mid-upload, a question would be answered from the corpus without the new file."""
    from playwright.sync_api import expect, sync_playwright

    report = tmp_path / "survey-log.txt"
    # Long enough that indexing it takes a while: the box must be seen disabled, then enabled again.
    lines = [f"Survey day {day}: the team logged {day * 7} soil samples near marker {day % 13}." for day in range(600)]
    report.write_text("Survey log\n\n" + "\n\n".join(lines) + "\n\nThe survey was led by Ines Korhonen.\n", "utf-8")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()
        page.goto(chat_url)
        box = page.get_by_role("textbox", name="Question", exact=True)
        expect(box).to_be_enabled(timeout=30_000)
        page.get_by_text("Documents", exact=True).click()
        page.locator("input[type=file]").set_input_files(str(report))
        expect(box).to_be_disabled(timeout=10_000)
        expect(page.get_by_role("button", name="Ask", exact=True)).to_be_disabled()
        expect(page.get_by_text("questions wait until they are in").first).to_be_visible()
        expect(page.get_by_text("Indexed: Survey log")).to_be_visible(timeout=120_000)
        expect(box).to_be_enabled(timeout=10_000)
        box.fill("Who led the survey?")
        box.press("Enter")
        expect(page.locator(BOT).nth(0)).to_contain_text("Ines Korhonen", timeout=60_000)
        browser.close()


def test_a_tab_open_before_the_folder_was_read_again_offers_the_new_documents(folder_chat: tuple[str, Path]) -> None:
    from playwright.sync_api import expect, sync_playwright

    url, folder = folder_chat
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        first, second = browser.new_page(), browser.new_page()
        for page in (first, second):
            page.goto(url)
            page.get_by_role("textbox", name="Question", exact=True).wait_for()
        (folder / "ferry.txt").write_text("Ferry timetable\n\nThe ferry leaves the west quay at 07:15.", "utf-8")
        first.get_by_text("Documents", exact=True).click()
        first.get_by_role("button", name=f"Read {folder.name} again").click()
        expect(first.get_by_text("new: ferry")).to_be_visible(timeout=60_000)
        # The second tab loaded before the folder changed; opening its Documents panel, or its list of
        # what to search in, brings it up to date.
        second.get_by_text("Documents", exact=True).click()
        expect(second.get_by_text("3 documents indexed")).to_be_visible(timeout=30_000)
        second.reload()
        second.locator("#citeqa-scope input").click()
        expect(second.locator("ul[role=listbox] li", has_text="Ferry timetable")).to_be_visible(timeout=30_000)
        browser.close()


def test_a_conversation_outlives_a_reload_until_it_is_cleared(chat_url: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(chat_url)
        box = page.get_by_role("textbox", name="Question", exact=True)
        asked = page.locator("#citeqa-chat [data-testid='user']")
        # Shown as typed: the chat renders Markdown, which would make this bold and a link.
        box.fill("Who hosted the **Space Engagement Talks**? [see](http://example.com/talks)")
        box.press("Enter")
        expect(page.locator(BOT).nth(0)).to_contain_text("Mastalir", timeout=60_000)
        expect(asked.nth(0)).to_contain_text("**Space Engagement Talks**? [see]")
        expect(asked.nth(0).locator("strong")).to_have_count(0)
        # Nothing asked: a hint, and nothing added to the conversation.
        box.fill("   ")
        box.press("Enter")
        expect(page.get_by_text("Please type a question.")).to_be_visible(timeout=10_000)
        expect(asked).to_have_count(1)

        page.reload()
        expect(page.locator(BOT).nth(0)).to_contain_text("Mastalir", timeout=30_000)
        box.fill("Where did he take part in a morning conversation?")
        box.press("Enter")
        expect(page.locator(BOT).nth(1)).to_contain_text("Mitchell Institute", timeout=60_000)
        # The turns came back with the page, not only their bubbles: the export holds both.
        page.get_by_role("button", name="Export conversation").click()
        with page.expect_download() as download:
            page.locator("a[download]").first.click()
        exported = Path(download.value.path()).read_text(encoding="utf-8")
        assert "**Q:** Who hosted the \\*\\*Space Engagement Talks" in exported and "Mastalir" in exported
        assert "**Q:** Where did he take part" in exported

        # The chat's own bin forgets the conversation, not only what is shown. (The bubbles go at once;
        # what the browser keeps changes when the server has answered the click.)
        kept = "() => localStorage.getItem('citeqa-conversation')"
        before = page.evaluate(kept)
        assert before
        page.locator("#citeqa-chat").get_by_role("button", name="Clear").click()
        expect(page.locator(BOT)).to_have_count(0)
        page.wait_for_function(f"(before) => ({kept})() !== before", arg=before, timeout=30_000)
        page.reload()
        box.wait_for()
        page.wait_for_timeout(1_000)
        expect(page.locator(BOT)).to_have_count(0)
        browser.close()
