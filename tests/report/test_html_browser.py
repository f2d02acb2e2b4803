"""The HTML audit report as a person sees it: opened in headless Chromium, its DOM checked,
a screenshot taken (docs/images/report.png with MIGCHECK_UPDATE_SCREENSHOT=1) and printed."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest
import report_samples

from migcheck.report import html

REPO = Path(__file__).resolve().parents[2]
SCREENSHOT = REPO / "docs" / "images" / "report.png"


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if found := shutil.which(name):
            return found
    pytest.skip("no chromium on PATH (Debian: apt-get install chromium)")


def browse(page: Path, tmp_path: Path, *action: str) -> str:
    command = [
        chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--window-size=1280,1600",
        *action,
        page.as_uri(),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


class Elements(HTMLParser):
    """Counts elements by tag, #id and .class in the DOM Chromium serialised."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: Counter[str] = Counter()
        self.path: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.seen[tag] += 1
        if values.get("id"):
            self.seen[f"#{values['id']}"] += 1
        for css in (values.get("class") or "").split():
            self.seen[f"{tag}.{css}"] += 1


@pytest.fixture
def page(tmp_path: Path) -> Path:
    target = tmp_path / "audit.html"
    target.write_text(html.render(report_samples.broken()), encoding="utf-8")
    return target


def test_report_renders_its_key_elements_in_chromium(page: Path, tmp_path: Path) -> None:
    dom = browse(page, tmp_path, "--dump-dom")
    elements = Elements()
    elements.feed(dom)
    seen = elements.seen
    for section in ("#summary", "#timeline", "#revisions", "#findings", "#diff", "#details"):
        assert seen[section] == 1, section
    assert seen["div.card"] == 7
    assert seen["svg"] == 1 and seen["rect.bar"] == 5  # the skipped revision has no bar
    assert seen["tr"] == 1 + 6  # header + one row per revision
    assert seen["div.finding"] == 6
    assert seen["pre.sql"] == 3
    assert seen["pre.diff"] == 1
    assert "rename leaves &lt;sizes&gt;" in dom


def test_screenshot_and_print(page: Path, tmp_path: Path) -> None:
    png = tmp_path / "report.png"
    browse(page, tmp_path, f"--screenshot={png}")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 50_000  # a blank page is a few kB
    if os.environ.get("MIGCHECK_UPDATE_SCREENSHOT") == "1":
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(png, SCREENSHOT)
    pdf = tmp_path / "report.pdf"
    browse(page, tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}")
    assert pdf.read_bytes()[:5] == b"%PDF-"
