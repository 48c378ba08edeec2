"""Open every page of the built book in headless Chromium, as a reader would on a phone, a tablet
and a laptop, and check what they would see.

Usage: python tests/browser_check.py [HTML_DIR] [--screenshots DIR] [--chromium PATH]
                                     [--allow-list FILE] [--widths 390,800,1280] [--pages 02_,api]

Serves HTML_DIR (default ``_build/html``) on 127.0.0.1 at a free port and opens ``index.html``
and every page of ``_toc.yml`` with Playwright driving the system Chromium at 390x844, 800x900
and 1280x900. Every request that leaves 127.0.0.1 is blocked and counted (the math must typeset
from the locally served MathJax). Per page and width it counts:

- nav: the chapter drawer opens and closes from its button, the in-page contents opens (from
  its button, or is shown beside the text on a wide screen), and a chapter link in the drawer
  goes to its page;
- eq: display equations cut off (wider than their box with no scroll container around them)
  or whose number is hidden or drawn over the equation;
- inl: inline formulas clipped (wider than a box that hides its overflow, e.g. in a proof);
- tab: tables cut off (wider than their box with no scroll container);
- width: the document's width when wider than the viewport (must not happen at any width);
- code: code cells and outputs that need sideways scrolling at 1280 px;
- alt: figures whose alt text is empty or a file path;
- err: console errors and uncaught exceptions; ext: requests to other hosts;
- math that MathJax did not typeset, raw TeX delimiters, images that did not load, HTTP errors,
  more than one search box on screen.
At 1280 px it also searches the book: results with snippets, formulas in them as plain symbols.

Code overflow and alt text are the notebooks' content: the items the notebooks still have to fix
are listed in the allow-list (``tests/browser_allowlist.yml``) and only those are tolerated.
Nothing else can be allow-listed. A screenshot of each page at each width is saved under
``_build/screenshots/`` (next to HTML_DIR), with the drawers open on the first chapter.
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
    from playwright.sync_api import Error as PlaywrightError
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
VIEWPORTS = {390: 844, 800: 900, 1280: 900}
CODE_WIDTH = 1280  # code must fit the column at this width
ALLOW_KINDS = {
    "code": "code cells that scroll sideways at 1280 px (first line of the cell)",
    "output": "outputs that scroll sideways at 1280 px (first line of the cell that prints them)",
    "alt_text": "figures without meaningful alt text (first line of the cell that draws them)",
}

REFRESH = re.compile(r'http-equiv="refresh"[^>]*url=([^"]+)"', re.IGNORECASE)

# Everything measured in the rendered page at the current viewport. `reachable` walks up from an
# element: a box that hides overflow and is narrower than the content cuts it; a box that scrolls
# (overflow-x auto/scroll) makes it reachable, and then the box itself must be reachable.
PAGE_REPORT_JS = """
() => {
  const vw = document.documentElement.clientWidth;
  const box = r => ({left: r.left, right: r.right, top: r.top, bottom: r.bottom});
  const reachable = (el, r) => {
    r = box(r);
    for (let a = el.parentElement; a && a !== document.body && a !== document.documentElement;
         a = a.parentElement) {
      const o = getComputedStyle(a).overflowX;
      if (o === 'visible') continue;
      const ar = a.getBoundingClientRect();
      if (r.right <= ar.right + 1 && r.left >= ar.left - 1) continue;
      if (o !== 'auto' && o !== 'scroll') return false;
      r = box(ar);
    }
    return r.right <= vw + 1 && r.left >= -1;
  };
  const visiblePart = (el, r) => {  // the part of r not hidden by el's clipping ancestors
    r = box(r);
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      if (getComputedStyle(a).overflowX === 'visible') continue;
      const ar = a.getBoundingClientRect();
      r = {left: Math.max(r.left, ar.left), right: Math.min(r.right, ar.right), top: r.top, bottom: r.bottom};
    }
    return r;
  };
  const overlaps = (a, b) => a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1
                             && b.top < a.bottom - 1;
  const firstLine = el => {
    const cell = el.closest('.cell');
    const src = cell && cell.querySelector('.cell_input pre');
    return ((src || el).textContent || '').split('\\n')[0].trim();
  };
  const tex = c => {  // the TeX source of a typeset formula, for the report
    try { return MathJax.startup.document.getMathItemsWithin(c)[0].math.trim().slice(0, 60); }
    catch (e) { return ''; }
  };
  const article = document.querySelector('article.bd-article') || document.body;

  const math = Array.from(article.querySelectorAll('.math'));
  const untypeset = math.filter(el => !el.querySelector('mjx-container')).length;
  const text = (() => {
    const body = article.cloneNode(true);
    body.querySelectorAll('pre, code, script, style, .highlight, mjx-container, mjx-assistive-mml')
        .forEach(el => el.remove());
    return body.textContent;
  })();
  const raw = ['$$', '\\\\(', '\\\\['].filter(d => text.includes(d));

  const eqCut = [];
  for (const div of article.querySelectorAll('div.math')) {
    const mj = div.querySelector('mjx-container > mjx-math');
    if (!mj) continue;
    const label = (div.querySelector('.eqno') || {}).textContent || div.id || 'unnumbered';
    const r = mj.getBoundingClientRect();
    if (!reachable(mj, r)) { eqCut.push(`${label.replace('#', '').trim()}: cut off`); continue; }
    const no = div.querySelector(':scope > .eqno');
    if (!no) continue;
    const nr = no.getBoundingClientRect();
    if (!reachable(no, nr)) eqCut.push(`${label.replace('#', '').trim()}: number hidden`);
    else if (overlaps(nr, visiblePart(mj, r))) eqCut.push(`${label.replace('#', '').trim()}: number over the equation`);
  }

  const inlineClipped = [];
  for (const c of article.querySelectorAll('mjx-container:not([display="true"])')) {
    if (c.closest('div.math')) continue;
    const mj = c.querySelector('mjx-math') || c;
    if (!reachable(mj, mj.getBoundingClientRect()))
      inlineClipped.push((c.closest('.admonition') ? c.closest('.admonition').id || 'a box' : 'the text')
                         + ': ' + tex(c));
  }

  const tablesCut = Array.from(article.querySelectorAll('table'))
      .filter(t => !reachable(t, t.getBoundingClientRect()))
      .map(t => (t.querySelector('caption, th, td') || t).textContent.trim().slice(0, 40));

  const code = [], output = [];
  for (const pre of article.querySelectorAll('pre')) {
    if (pre.scrollWidth <= pre.clientWidth + 1) continue;
    (pre.closest('.cell_output') ? output : code).push(firstLine(pre));
  }

  const badAlt = [];
  const imgs = Array.from(article.querySelectorAll('img'));
  for (const img of imgs) {
    const alt = (img.getAttribute('alt') || '').trim();
    if (!alt || /[\\/\\\\]|\\.(png|jpe?g|svg|gif|webp)$/i.test(alt)) badAlt.push(firstLine(img));
  }
  const broken = Array.from(document.images).filter(img => !(img.complete && img.naturalWidth > 0))
      .map(img => img.getAttribute('src'));

  const searchFields = Array.from(document.querySelectorAll('.search-button-field'))
      .filter(el => el.offsetParent !== null && el.getBoundingClientRect().right > 0).length;
  return {math: math.length, untypeset, searchFields, raw, eqCut, inlineClipped, tablesCut, code, output, badAlt,
          images: document.images.length, broken, docWidth: document.documentElement.scrollWidth, vw,
          mathjax: typeof window.MathJax !== 'undefined' && !!window.MathJax.startup};
}
"""

# Whether an element is on screen: displayed, not hidden, with a size, inside the viewport.
SHOWN_JS = """
(sel) => {
  const el = document.querySelector(sel);
  if (!el) return false;
  const cs = getComputedStyle(el), r = el.getBoundingClientRect();
  return cs.display !== 'none' && cs.visibility !== 'hidden' && r.width > 20 && r.height > 20
         && r.right > 20 && r.left < document.documentElement.clientWidth - 20;
}
"""
PRIMARY, PRIMARY_MODAL = "#pst-primary-sidebar", "dialog#pst-primary-sidebar-modal"
SECONDARY, SECONDARY_MODAL = "#pst-secondary-sidebar", "dialog#pst-secondary-sidebar-modal"


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


def load_allow_list(path: Path) -> dict[str, dict[str, list[str]]]:
    """``{kind: {page: [first line, ...]}}`` from the allow-list file (kinds: ``ALLOW_KINDS``)."""
    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text()) or {}
    unknown = set(data) - set(ALLOW_KINDS)
    if unknown:
        raise SystemExit(f"{path}: only {sorted(ALLOW_KINDS)} can be allow-listed, not {sorted(unknown)}")
    return {kind: {page: [str(x).strip() for x in items or []] for page, items in (pages or {}).items()}
            for kind, pages in data.items()}


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


class QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a page left before it loaded
            super().handle_error(request, client_address)


def serve(directory: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    """Serve ``directory`` on 127.0.0.1 at a free port, in a daemon thread."""
    handler = functools.partial(QuietHandler, directory=str(directory))
    server = QuietServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def wait_for_math(page) -> str | None:
    """Wait until MathJax has typeset the page; the problem if it does not."""
    if not page.evaluate("() => typeof window.MathJax !== 'undefined'"):
        return None
    try:
        page.wait_for_function("() => window.MathJax.startup && window.MathJax.startup.promise", timeout=20_000)
        page.evaluate("() => window.MathJax.startup.promise")
    except PlaywrightTimeout:
        return "MathJax did not start within 20 s"
    return None


def click_outside(page, width: int, height: int, modal: str) -> None:
    """Click the backdrop beside an open drawer (how a reader dismisses it on a touch screen)."""
    box = page.locator(modal).bounding_box()
    on_the_left = box["x"] + box["width"] / 2 < width / 2
    x = (box["x"] + box["width"] + width) / 2 if on_the_left else box["x"] / 2
    page.mouse.click(x, height / 2)


def check_navigation(page, width: int, height: int, shots: Path | None) -> tuple[dict[str, str], list[str]]:
    """Open and close the chapter drawer and the in-page contents from their buttons, then follow
    a chapter link in the drawer. Returns ``{'drawer'|'toc'|'link': 'ok'|'FAIL'|'n/a'}`` and the
    problems found. Leaves the page on another chapter."""
    shown = functools.partial(page.evaluate, SHOWN_JS)
    result, problems = {}, []

    def becomes(selector: str, want: bool) -> bool:
        """Wait (up to 2 s, drawers slide in) until ``selector`` is shown, or hidden."""
        try:
            page.wait_for_function(f"([sel, want]) => ({SHOWN_JS})(sel) === want", arg=[selector, want], timeout=2_000)
            return True
        except PlaywrightTimeout:
            return False

    def visible_button(selector: str):
        buttons = [b for b in page.locator(selector).all() if b.is_visible()]
        return buttons[0] if buttons else None

    def fail(key: str, why: str) -> None:
        result[key] = "FAIL"
        problems.append(f"{key}: {why}")

    # The chapter drawer: a modal drawer on narrow screens, a sidebar that collapses on wide ones.
    button = visible_button(".primary-toggle")
    if button is None:
        fail("drawer", "no visible button for the chapter list")
    elif shown(PRIMARY):  # wide screen: the button hides the sidebar and shows it again
        button.click()
        hidden = becomes(PRIMARY, False)
        button.click()
        if hidden and becomes(PRIMARY, True):
            result["drawer"] = "ok"
        else:
            fail("drawer", "the sidebar's button does not hide and show it")
    else:
        button.click()
        if not becomes(PRIMARY_MODAL, True):
            fail("drawer", "the button does not open the chapter drawer")
        else:
            if shots:
                page.wait_for_timeout(400)  # the end of the slide-in
                page.screenshot(path=str(shots / f"drawer-open-{width}.png"))
            click_outside(page, width, height, PRIMARY_MODAL)
            if not becomes(PRIMARY_MODAL, False):
                fail("drawer", "the drawer does not close")
            else:
                result["drawer"] = "ok"

    # The in-page contents.
    if not page.locator("nav.page-toc a, .bd-toc-nav a").count():
        result["toc"] = "n/a"  # a page without sections has no in-page contents
    elif shown(SECONDARY) and page.locator(f"{SECONDARY} a").first.is_visible():
        result["toc"] = "ok"  # shown beside the text
    else:
        button = visible_button(".secondary-toggle")
        if button is None:
            fail("toc", "in-page contents neither shown nor reachable from a button")
        else:
            button.click()
            if not (becomes(SECONDARY_MODAL, True) and page.locator(f"{SECONDARY_MODAL} a").first.is_visible()):
                fail("toc", "the button does not open the in-page contents")
            else:
                if shots:
                    page.wait_for_timeout(400)
                    page.screenshot(path=str(shots / f"contents-open-{width}.png"))
                click_outside(page, width, height, SECONDARY_MODAL)
                result["toc"] = "ok" if becomes(SECONDARY_MODAL, False) else "FAIL"
                if result["toc"] == "FAIL":
                    problems.append("toc: the in-page contents does not close")

    # A chapter link in the drawer goes to its page.
    if result.get("drawer") != "ok":
        result["link"] = "FAIL"
        return result, problems
    # Open the drawer again, once it has finished closing (on a wide screen it is open).
    page.wait_for_function(f"() => !document.querySelector('{PRIMARY_MODAL}').open", timeout=5_000)
    page.wait_for_timeout(300)
    if not shown(PRIMARY):
        visible_button(".primary-toggle").click()
        if not becomes(PRIMARY_MODAL, True):
            fail("link", "the drawer does not open a second time")
            return result, problems
        page.wait_for_timeout(300)  # the end of the slide-in
    links = page.locator(f"{PRIMARY_MODAL if shown(PRIMARY_MODAL) else PRIMARY} a.reference.internal:not(.current)")
    link = next((a for a in links.all() if a.is_visible() and (a.get_attribute("href") or "#")[0] != "#"), None)
    if link is None:
        fail("link", "no chapter link visible in the drawer")
        return result, problems
    target = urljoin(page.url, link.get_attribute("href")).split("#")[0]
    link.click()
    try:
        page.wait_for_url(target + "*", wait_until="commit", timeout=10_000)
        result["link"] = "ok"
    except PlaywrightTimeout:
        fail("link", f"clicking a chapter in the drawer did not go to {target} (still at {page.url})")
    return result, problems


def check_page(context, base: str, rel: str, source: Path, width: int, shots: Path, drawer_shots: bool) -> dict:
    """Open one page at one width; return its counts and problems."""
    errors: list[str] = []
    page = context.new_page()
    page.on("console", lambda msg: msg.type == "error" and errors.append(f"console error: {msg.text}"))
    page.on("pageerror", lambda exc: errors.append(f"uncaught exception: {exc}"))
    page.on("response", lambda r: r.status >= 400 and errors.append(f"HTTP {r.status} for {r.url.removeprefix(base)}"))
    problems: list[str] = []
    response = page.goto(base + rel, wait_until="load")
    if response is None or response.status != 200:
        problems.append(f"HTTP status {None if response is None else response.status}")
    redirect = REFRESH.search(source.read_text(errors="replace"))
    if redirect:  # index.html only forwards to the root page: follow it
        page.wait_for_url(urljoin(base + rel, redirect.group(1)), wait_until="load")
    problem = wait_for_math(page)
    if problem:
        problems.append(problem)
    page.evaluate("() => Promise.all(Array.from(document.images).map(img => img.decode().catch(() => null)))")
    page.wait_for_timeout(100)
    report = page.evaluate(PAGE_REPORT_JS)
    if report["untypeset"]:
        problems.append(f"{report['untypeset']} of {report['math']} math elements not typeset by MathJax")
    if report["math"] and not report["mathjax"]:
        problems.append("the page has math but MathJax did not load")
    if report["raw"]:
        problems.append(f"raw TeX delimiters left in the text: {' '.join(report['raw'])}")
    problems += [f"image did not load: {src}" for src in report["broken"]]
    problems += [f"display equation {x}" for x in report["eqCut"]]
    problems += [f"inline formula clipped in {x}" for x in report["inlineClipped"]]
    problems += [f"table cut off: {x!r}" for x in report["tablesCut"]]
    if report["searchFields"] > 1:
        problems.append(f"{report['searchFields']} search boxes on screen")
    if report["docWidth"] > report["vw"]:
        problems.append(f"the page is {report['docWidth']} px wide in a {report['vw']} px viewport")
    page_key = urlparse(page.url).path.lstrip("/").removesuffix(".html")  # index forwards to the root page
    page.screenshot(path=str(shots / f"{rel.removesuffix('.html').replace('/', '_')}-{width}.png"), full_page=True)
    nav, nav_problems = ({"drawer": "n/a", "toc": "n/a", "link": "n/a"}, []) if redirect else check_navigation(
        page, width, VIEWPORTS[width], shots if drawer_shots else None)
    problems += nav_problems
    page.close()
    problems += errors
    return {"report": report, "nav": nav, "problems": problems, "errors": len(errors), "page_key": page_key}


def check_search(context, base: str, query: str = "jacobian sensitivity") -> list[str]:
    """Search the book: results must come with snippets, and the snippets must show formulas as
    plain symbols, not TeX source; no console errors."""
    errors: list[str] = []
    page = context.new_page()
    page.on("console", lambda msg: msg.type == "error" and errors.append(f"console error: {msg.text}"))
    page.on("pageerror", lambda exc: errors.append(f"uncaught exception: {exc}"))
    page.goto(base + "search.html?q=" + query.replace(" ", "+"), wait_until="load")
    try:
        page.wait_for_selector("p.context", timeout=20_000)
        page.wait_for_timeout(1_000)  # the rest of the snippets
    except PlaywrightTimeout:
        errors.append(f"no search result with a snippet for {query!r}")
    snippets = page.locator("p.context").all_inner_texts()
    page.close()
    tex = [t for t in snippets if re.search(r"\\[A-Za-z()\[]|\$\$", t)]
    return errors + [f"TeX source in a search snippet: {t[:80]!r}" for t in tex]


def tally_content(result: dict, width: int, allowed, used: dict[str, set]) -> dict[str, tuple[int, int]]:
    """Count the notebook-content items of one page view (code and outputs wider than the column
    at ``CODE_WIDTH``, figures without alt text): ``{kind: (found, allow-listed)}``. Items not in
    the allow-list become problems; the allow-listed ones are recorded in ``used``."""
    counts = {}
    for kind in ALLOW_KINDS:
        found = result["report"]["badAlt" if kind == "alt_text" else kind]
        if kind != "alt_text" and width != CODE_WIDTH:  # narrower screens scroll code sideways
            counts[kind] = (len(found), 0)
            continue
        ok = (allowed(kind) or {}).get(result["page_key"], [])
        listed = [x for x in found if x in ok]
        used[kind] |= {(result["page_key"], x) for x in listed}
        what = ALLOW_KINDS[kind].split(" (")[0]
        result["problems"] += [f"{what}: {x!r}" for x in found if x not in ok]
        counts[kind] = (len(found), len(listed))
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("html_dir", nargs="?", default=str(REPO / "_build" / "html"))
    parser.add_argument("--screenshots", help="default: screenshots/ next to HTML_DIR")
    parser.add_argument("--chromium", default=os.environ.get("CHROMIUM", "/usr/bin/chromium"))
    parser.add_argument("--toc", default=str(REPO / "_toc.yml"))
    parser.add_argument("--allow-list", default=str(Path(__file__).with_name("browser_allowlist.yml")))
    parser.add_argument("--widths", default=",".join(map(str, VIEWPORTS)))
    parser.add_argument("--pages", help="only the pages whose path contains one of these (comma-separated)")
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
    widths = [int(w) for w in args.widths.split(",")]
    allowed = load_allow_list(Path(args.allow_list))
    shots = Path(args.screenshots) if args.screenshots else html_dir.parent / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)

    pages = ["index.html"] + [p + ".html" for p in toc_pages(Path(args.toc))]
    if args.pages:
        pages = [p for p in pages if any(part in p for part in args.pages.split(","))]
    missing = [p for p in pages if not (html_dir / p).is_file()]
    server, base = serve(html_dir)
    blocked: list[str] = []

    def leaves_localhost(url: str) -> bool:
        return urlparse(url).hostname != "127.0.0.1"

    def block(route) -> None:
        blocked.append(route.request.url)
        route.abort()

    rows, failures, used = [], [], {kind: set() for kind in ALLOW_KINDS}
    first_chapter = next((p for p in pages if "01_" in p and p not in missing), None)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=args.chromium, headless=True, args=CHROMIUM_ARGS)
            for width in widths:
                context = browser.new_context(viewport={"width": width, "height": VIEWPORTS[width]})
                context.route(leaves_localhost, block)
                for rel in pages:
                    if rel in missing:
                        failures.append(f"{rel}: listed in _toc.yml but not built")
                        continue
                    before = len(blocked)
                    try:
                        result = check_page(context, base, rel, html_dir / rel, width, shots, rel == first_chapter)
                    except PlaywrightError as exc:
                        failures.append(f"{rel} at {width} px: the check itself failed: {exc}")
                        continue
                    page_key = result["page_key"]
                    counts = tally_content(result, width, allowed.get, used)
                    external = len(blocked) - before
                    if external:
                        result["problems"].append(f"{external} request(s) to other hosts")
                    rows.append((rel.removesuffix(".html"), width, result, counts, external))
                    failures += [f"{page_key} at {width} px: {p}" for p in result["problems"]]
                context.close()
            if CODE_WIDTH in widths and not args.pages:  # the search page, once
                context = browser.new_context(viewport={"width": CODE_WIDTH, "height": VIEWPORTS[CODE_WIDTH]})
                context.route(leaves_localhost, block)
                search_problems = check_search(context, base)
                print(f"search page: {len(search_problems)} problem(s)")
                failures += [f"search.html: {p}" for p in search_problems]
                context.close()
            browser.close()
    finally:
        server.shutdown()

    print_table(rows)
    stale = [(kind, page, x) for kind, pages_ in allowed.items() for page, items in pages_.items() for x in items
             if (page, x) not in used[kind]] if CODE_WIDTH in widths and not args.pages else []
    for kind, page, x in stale:
        print(f"note: allow-list entry no longer needed (delete it): {kind} / {page} / {x!r}")
    if blocked:
        print(f"{len(blocked)} request(s) to other hosts were blocked (the book must work offline):")
        for url in sorted(set(blocked))[:10]:
            print(f"     {url}")
    for failure in failures:
        print(f"FAIL {failure}")
    print(f"{len(rows)} page views checked at {widths} px, {len(failures)} problem(s); screenshots in {shots}")
    return 1 if failures else 0


def print_table(rows: list) -> None:
    """One line per page and width: navigation, then the count of each kind of problem.
    ``code``/``output``/``alt``: found (allow-listed)."""
    head = ("page", "width", "drawer", "toc", "link", "eq", "inl", "tab", "width_px", "code", "output", "alt",
            "err", "ext")
    fmt = "{:24s} {:>5} {:>6} {:>4} {:>4} {:>3} {:>3} {:>3} {:>8} {:>6} {:>6} {:>6} {:>3} {:>3}"
    print(fmt.format(*head))

    def allowed(n_listed: tuple[int, int]) -> str:
        n, listed = n_listed
        return f"{n}({listed})" if listed else str(n)

    for page, width, result, counts, external in rows:
        report, nav = result["report"], result["nav"]
        print(fmt.format(page, width, nav["drawer"], nav["toc"], nav["link"], len(report["eqCut"]),
                         len(report["inlineClipped"]), len(report["tablesCut"]), report["docWidth"],
                         allowed(counts["code"]), allowed(counts["output"]), allowed(counts["alt_text"]),
                         result["errors"], external))


if __name__ == "__main__":
    sys.exit(main())
