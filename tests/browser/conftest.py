"""Browser fixtures: the system Chromium driven by Playwright, a phone-sized page, the demo warehouse."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import pytest

from tests import support
from tests.browser.support import CHROMIUM, PHONE, RECORD_CSP_VIOLATIONS, SCREENSHOTS, off_playwrights_loop  # noqa: F401


# Module scope, not session: while Playwright runs, asyncio.run() fails on this thread, so it must
# be gone before the test modules collected after this folder start.
@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per test module. The system build is required: a missing one is a failure."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} not found: the browser tests need the system Chromium (install the distribution's chromium package)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        yield browser
        browser.close()


@dataclass
class Phone:
    """A page on a 360×640 touch screen, with every console error and CSP violation it produced."""

    page: object
    base_url: str
    console_errors: list[str] = field(default_factory=list)

    def open(self, path: str = "/") -> None:
        self.page.goto(self.base_url + path)

    def csp_violations(self) -> list[str]:
        return self.page.evaluate("window.__cspViolations")

    def screenshot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / name))


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.add_init_script(RECORD_CSP_VIOLATIONS)
    phone = Phone(page, live_server.url)
    page.on("console", lambda message: message.type == "error" and phone.console_errors.append(message.text))
    page.on("pageerror", lambda error: phone.console_errors.append(f"uncaught: {error}"))
    yield phone
    context.close()


@pytest.fixture
def clean_db() -> None:
    """The suite's clean_db, moved off Playwright's loop."""
    off_playwrights_loop(support.reset_database)


async def _seed() -> str:
    from server.db import Database
    from server.demo import seed

    db = Database(support.db_config())
    await db.start()
    try:
        return await seed(db)
    finally:
        await db.close()


@pytest.fixture
def demo_warehouse(clean_db) -> None:
    """The demo data (users pia, sue, …; a wave released to pia), written straight to the test database."""
    off_playwrights_loop(asyncio.run, _seed())
