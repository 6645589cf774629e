"""The screens in a real browser: Playwright driving the system's Chromium (Debian's
``chromium``, installed by ``.ci/run``) against a live server of the test database.

Every test here is marked ``browser``: without a Chromium on the machine it is skipped, saying
so (``make test`` on a machine without one); ``.ci/run`` installs it and runs these tests once,
on SQLite. Each page fails its test if it asks for anything outside the live server (a CDN, a
font, an analytics script): the screens must work with no internet.

``SCREENSHOT_DIR`` (``make screenshots``) makes ``screenshot()`` save the README's pictures.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
# Playwright's synchronous API runs an event loop in the test's thread, and Django refuses ORM
# calls from a thread with a running loop unless told that the caller knows it is synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 768}


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)
            if CHROMIUM is None:
                item.add_marker(pytest.mark.skip(reason="no Chromium on this machine (apt-get install chromium)"))


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser tab at 1366×768 in Vietnamese, which may ask only the live server."""
    context = browser.new_context(viewport=LAPTOP, locale="vi-VN", base_url=live_server.url)
    outside: list[str] = []

    def only_the_server(route):
        url = route.request.url
        if url.startswith(live_server.url) or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    context.route("**/*", only_the_server)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()
    assert outside == [], f"the page asked for something outside the server: {outside}"


@pytest.fixture
def sign_in(page, django_user_model):
    """``sign_in(user)``: the admin's sign-in form, filled as a person would (password ``pw``)."""

    def sign_in(user, *, next_url: str = "/admin/"):
        page.goto(f"/admin/login/?next={next_url}")
        page.fill("#id_username", user.get_username())
        page.fill("#id_password", "pw")
        page.click("input[type=submit]")
        page.wait_for_load_state()
        return page

    return sign_in


def screenshot(page, name: str, *, full_page: bool = False) -> None:
    """Saves the page as ``<SCREENSHOT_DIR>/<name>.png`` when the run asks for pictures."""
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=full_page)
