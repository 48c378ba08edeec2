"""Open every page of the built book in headless Chromium and check what a reader would see.

Usage: python tests/browser_check.py [HTML_DIR] [--screenshots DIR] [--chromium PATH]

Serves HTML_DIR (default ``_build/html``) on 127.0.0.1 at a free port, opens ``index.html``
and every page listed in ``_toc.yml`` with Playwright driving the system Chromium, blocks every
request that leaves 127.0.0.1 (so the math must typeset from the locally served MathJax), and
fails if a page

- has math that MathJax did not typeset (a ``.math`` element without ``mjx-container``, or raw
  ``$$``, ``\\(`` or ``\\[`` left in the text outside code),
- has an image that did not load (``naturalWidth == 0``),
- logs a console error or throws an uncaught exception,
- is missing or does not answer with HTTP 200.

A full-page screenshot of each page is saved under ``_build/screenshots/`` (next to HTML_DIR).
This is a script, not a pytest module: ``make browser-check`` runs it after ``make book``.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import re
import sys
import threading
from pathlib import Path
from urllib.parse import urljoin, urlparse

import yaml

try:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright
except ImportError:  # reported in main(), with how to install it
    sync_playwright = None

REPO = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]

# Known defects of the pinned documentation stack, not of the book: sphinx-thebe 0.3.1's inline
# configuration script ends up twice in every page's <head> (Sphinx 7.4), and the second copy
# re-declares a `const` that the first one already defined (harmless). Only these exact messages
# are tolerated, and every run reports how often it saw them; any other console error fails.
KNOWN_ERRORS = ("Identifier 'THEBE_JS_URL' has already been declared",)

REFRESH = re.compile(r'http-equiv="refresh"[^>]*url=([^"]+)"', re.IGNORECASE)

# Counts, in the rendered page, of math that MathJax left alone and of raw TeX delimiters in
# the visible text outside code blocks.
PAGE_REPORT_JS = """
() => {
  const math = Array.from(document.querySelectorAll('.math'));
  const untypeset = math.filter(el => !el.querySelector('mjx-container')).length;
  const body = document.body.cloneNode(true);
  body.querySelectorAll('pre, code, script, style, .highlight, mjx-container, mjx-assistive-mml')
      .forEach(el => el.remove());
  const text = body.textContent;
  const raw = ['$$', '\\\\(', '\\\\['].filter(d => text.includes(d));
  const imgs = Array.from(document.querySelectorAll('img'));
  const broken = imgs.filter(img => !(img.complete && img.naturalWidth > 0))
      .map(img => img.getAttribute('src'));
  return {math: math.length, untypeset, raw, images: imgs.length, broken,
          mathjax: typeof window.MathJax !== 'undefined' && !!window.MathJax.startup};
}
"""


def toc_pages(toc_path: Path) -> list[str]:
    """The pages of ``_toc.yml`` in book order, as paths without suffix (root first)."""
    toc = yaml.safe_load(toc_path.read_text())
    pages = [toc["root"]]

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if "file" in node:
                pages.append(node["file"])
            for key in ("parts", "chapters", "sections"):
                walk(node.get(key))
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc)
    return [str(Path(p).with_suffix("")) if Path(p).suffix in {".md", ".ipynb"} else p for p in pages]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def serve(directory: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    """Serve ``directory`` on 127.0.0.1 at a free port, in a daemon thread."""
    handler = functools.partial(QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def check_page(context, base: str, rel: str, source: Path, shot: Path) -> tuple[list[str], str, int]:
    """Open one page (``source`` is its file); return its problems, a one-line summary and the
    number of known, tolerated console errors."""
    problems: list[str] = []
    known = 0

    def report_error(text: str) -> None:
        nonlocal known
        if any(k in text for k in KNOWN_ERRORS):
            known += 1
        else:
            problems.append(text)

    page = context.new_page()
    page.on("console", lambda msg: msg.type == "error" and report_error(f"console error: {msg.text}"))
    page.on("pageerror", lambda exc: report_error(f"uncaught exception: {exc}"))
    page.on("response", lambda r: r.status >= 400 and report_error(f"HTTP {r.status} for {r.url.removeprefix(base)}"))
    response = page.goto(base + rel, wait_until="load")
    if response is None or response.status != 200:
        problems.append(f"HTTP status {None if response is None else response.status}")
    redirect = REFRESH.search(source.read_text(errors="replace"))
    if redirect:  # index.html only forwards to the root page: follow it
        page.wait_for_url(urljoin(base + rel, redirect.group(1)), wait_until="load")
    if page.evaluate("() => typeof window.MathJax !== 'undefined'"):
        try:
            page.wait_for_function("() => window.MathJax.startup && window.MathJax.startup.promise", timeout=20_000)
            page.evaluate("() => window.MathJax.startup.promise")
        except PlaywrightTimeout:
            problems.append("MathJax did not start within 20 s")
    page.evaluate("() => Promise.all(Array.from(document.images).map(img => img.decode().catch(() => null)))")
    report = page.evaluate(PAGE_REPORT_JS)
    if report["untypeset"]:
        problems.append(f"{report['untypeset']} of {report['math']} math elements not typeset by MathJax")
    if report["math"] and not report["mathjax"]:
        problems.append("the page has math but MathJax did not load")
    if report["raw"]:
        problems.append(f"raw TeX delimiters left in the text: {' '.join(report['raw'])}")
    for src in report["broken"]:
        problems.append(f"image did not load: {src}")
    page.screenshot(path=str(shot), full_page=True)
    page.close()
    typeset, loaded = report["math"] - report["untypeset"], report["images"] - len(report["broken"])
    summary = f"{typeset:4d}/{report['math']:<4d} math typeset, {loaded:2d}/{report['images']:<2d} images loaded"
    if redirect:
        summary += f" (redirected to {redirect.group(1)})"
    return problems, summary, known


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("html_dir", nargs="?", default=str(REPO / "_build" / "html"))
    parser.add_argument("--screenshots", help="default: screenshots/ next to HTML_DIR")
    parser.add_argument("--chromium", default=os.environ.get("CHROMIUM", "/usr/bin/chromium"))
    parser.add_argument("--toc", default=str(REPO / "_toc.yml"))
    args = parser.parse_args()

    html_dir = Path(args.html_dir).resolve()
    if not (html_dir / "index.html").is_file():
        print(f"no book at {html_dir}: build it first (make book)")
        return 1
    if not Path(args.chromium).is_file():
        print(f"Chromium not found at {args.chromium}: install it (apt-get install chromium) or pass --chromium")
        return 1
    if sync_playwright is None:
        print("Playwright's Python client is missing: pip install -e '.[browser]' (make browser-check does it)")
        return 1
    shots = Path(args.screenshots) if args.screenshots else html_dir.parent / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)

    pages = ["index.html"] + [p + ".html" for p in toc_pages(Path(args.toc))]
    missing = [p for p in pages if not (html_dir / p).is_file()]

    server, base = serve(html_dir)
    blocked: list[str] = []

    def leaves_localhost(url: str) -> bool:
        return urlparse(url).hostname != "127.0.0.1"

    def block(route) -> None:
        blocked.append(route.request.url)
        route.abort()

    failures = tolerated = 0
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=args.chromium, headless=True, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.route(leaves_localhost, block)
            for rel in pages:
                if rel in missing:
                    print(f"FAIL {rel}: listed in _toc.yml but not built")
                    failures += 1
                    continue
                shot = shots / (rel.removesuffix(".html").replace("/", "_") + ".png")
                problems, summary, known = check_page(context, base, rel, html_dir / rel, shot)
                print(f"{'FAIL' if problems else 'ok  '} {rel:32s} {summary}")
                for problem in problems:
                    print(f"     {problem}")
                failures += bool(problems)
                tolerated += known
            browser.close()
    finally:
        server.shutdown()

    if blocked:
        print(f"note: {len(blocked)} request(s) to other hosts were blocked (the book must work offline):")
        for url in sorted(set(blocked))[:10]:
            print(f"     {url}")
    if tolerated:
        print(f"note: {tolerated} known console error(s) of the documentation stack tolerated: {KNOWN_ERRORS}")
    print(f"{len(pages) - failures} of {len(pages)} pages passed; screenshots in {shots}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
