"""Real headless Chromium (Debian's) driven by Playwright, and a live uvicorn server."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]


def sign_in(page, base: str, email: str, password: str, *, landing: str | None = None) -> None:
    """Sign in through the real form; wait for ``landing`` (a path) or for any page but the form."""
    page.goto(f"{base}/aanmelden")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}{landing}" if landing else lambda url: "/aanmelden" not in url)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def live_server(app, port: int | None = None):
    """Serve ``app`` with uvicorn on loopback in a background thread."""
    import uvicorn

    port = port or free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def chromium_browser():
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        if __import__("os").environ.get("CI") == "true":
            raise RuntimeError(f"{CHROMIUM} is missing: .ci/run must install Debian's chromium")
        pytest.skip("Debian chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def screenshot_path(name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / name


def open_located_service(session):
    """The first (by name) published, active service with a location, open to anyone (no
    referral or target group needed): (service, its first location, one of its needs)."""
    from sqlmodel import select

    from app.core import models

    for service in session.exec(select(models.Service).order_by(models.Service.name)).all():
        link = session.exec(select(models.ServiceAtLocation).where(models.ServiceAtLocation.service_id == service.id)).first()
        groups = session.exec(select(models.ServiceTargetGroup).where(models.ServiceTargetGroup.service_id == service.id)).first()
        if service.status == "active" and service.published and not service.referral_required_from and not groups and link:
            need = session.exec(select(models.ServiceNeed.need_code).where(models.ServiceNeed.service_id == service.id)).first()
            return service, session.get(models.Location, link.location_id), need
    raise LookupError("no open, located, active service in the demo data")
