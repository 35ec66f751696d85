"""A real threaded WSGI server and Debian's headless Chromium, for the dashboard's browser tests."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from app.db import db

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian chromium is not installed (scripts/ensure-browser)"
)


def closing(app: Flask) -> Any:
    """`app`, with every response's body closed however the request ends. When the browser
    drops a connection while werkzeug's server sends a static file, the server skips the
    body's close(), and the file, left to the garbage collector, warns (an error here)."""

    def serve(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        body = app(environ, start_response)
        try:
            yield from body
        finally:
            if hasattr(body, "close"):
                body.close()

    return serve


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app served on 127.0.0.1 at a free port, by werkzeug's threaded server."""
    server = make_server("127.0.0.1", 0, closing(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (scripts/ensure-browser)")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=15_000)  # the queue polls every 5 s
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: object, live_server: str) -> Iterator[object]:
    """A fresh browser context per test; any JavaScript dialog (an escaped alert) fails it."""
    context = browser.new_context(base_url=live_server, locale="zh-CN")  # type: ignore[attr-defined]
    context.set_default_timeout(15_000)
    tab = context.new_page()
    tab.dialogs = []
    tab.on("dialog", lambda dialog: (tab.dialogs.append(dialog.message), dialog.dismiss()))
    yield tab
    assert tab.dialogs == [], f"a dialog opened: {tab.dialogs}"
    context.close()


@pytest.fixture
def tab(browser: object, live_server: str) -> Iterator[object]:
    """A page that may run axe-core: the site's script policy would refuse the injected copy."""
    context = browser.new_context(  # type: ignore[attr-defined]
        base_url=live_server, locale="zh-CN", viewport=DESKTOP, bypass_csp=True
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def committed(app: Flask) -> Iterator[None]:
    """An app context for setting up data; the session is closed so the server can write."""
    with app.app_context():
        yield
        db.session.remove()


def screenshot(page: object, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]
