"""Check a built site in headless Chromium: every page loads without a failed request for one of
its own files (404s of images, stylesheets, scripts; requests to other hosts are blocked, so the
check runs offline), every image has loaded, every link inside the site points at a
page and anchor that exist, no page is wider than the window at common widths, nothing is cut off
at the content's right edge, and code blocks fit a desktop-wide window without scrolling.

    mkdocs build --strict -d site && python docs/check_site.py site

Chromium is found as `$CHROMIUM`, `chromium`, `chromium-browser` or `google-chrome` on the PATH
(Debian: `apt-get install -y chromium`); Playwright drives it. Exits 1 listing every problem.
"""

import argparse
import functools
import http.server
import os
import shutil
import sys
import threading
from pathlib import Path
from urllib.parse import urldefrag

from playwright.sync_api import sync_playwright

WIDTHS = (1280, 1024, 390)  # a laptop, a small window, a phone
DESKTOP = 1024  # from this width on, code blocks fit without scrolling (on a phone they scroll)
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]


def find_chromium() -> str:
    for candidate in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if candidate and (path := shutil.which(candidate)):
            return path
    sys.exit("no Chromium found: install it (Debian: apt-get install -y chromium) or set CHROMIUM")


def serve(site: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}/"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def pages(site: Path) -> list[str]:
    """Every page of the site as a URL path ("", "getting-started/", ...), 404.html apart."""
    found = []
    for html in sorted(site.rglob("index.html")):
        rel = html.parent.relative_to(site).as_posix()
        found.append("" if rel == "." else rel + "/")
    return found


# For each image: loaded or not. For each link: its resolved URL. The ids (anchors) on the page.
# The document's width, and every table, code block or image that reaches past the right edge of
# the content without a scrolling box around it (so part of it is cut off or overflows).
PROBE = """() => {
  const images = [...document.images].map(img => ({src: img.currentSrc || img.src,
                                                  ok: img.complete && img.naturalWidth > 0}));
  const links = [...document.querySelectorAll('a[href]')].map(a => a.href);
  const ids = [...document.querySelectorAll('[id]')].map(e => e.id);
  const clipped = [];
  const content = document.querySelector('.md-content');
  const edge = content.getBoundingClientRect().right;
  for (const el of content.querySelectorAll('table, pre, img')) {
    let scrolls = false;
    for (let box = el; box && box !== content; box = box.parentElement) {
      const overflow = getComputedStyle(box).overflowX;
      if (overflow === 'auto' || overflow === 'scroll') { scrolls = true; break; }
    }
    if (!scrolls && el.getBoundingClientRect().right > edge + 1) {
      const what = (el.textContent || el.src).trim().slice(0, 60);
      clipped.push(el.tagName.toLowerCase() + ': ' + what);
    }
  }
  // Code that needs a horizontal scroll bar even on a desktop-wide window.
  const scrolled = [...content.querySelectorAll('pre')]
    .filter(pre => pre.scrollWidth > pre.clientWidth + 1 ||
                   [...pre.querySelectorAll('code')].some(c => c.scrollWidth > c.clientWidth + 1))
    .map(pre => pre.textContent.trim().slice(0, 60));
  return {images, links, ids, clipped, scrolled,
          scrollWidth: document.documentElement.scrollWidth,
          clientWidth: document.documentElement.clientWidth};
}"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path, help="the folder mkdocs built")
    args = parser.parse_args()
    site = args.site.resolve()
    server, base = serve(site)
    problems: list[str] = []
    ids_of: dict[str, set[str]] = {}
    links_of: dict[str, list[str]] = {}
    urls = pages(site)
    if not urls:
        sys.exit(f"no page (index.html) under {site}: build the site first")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_FLAGS)
            for width in WIDTHS:
                page = browser.new_page(viewport={"width": width, "height": 900})
                # Offline and deterministic: only the site's own files are fetched.
                page.route("**/*", lambda route: route.continue_()
                           if route.request.url.startswith(base) else route.abort())
                failed: list[str] = []
                page.on("response", lambda r, failed=failed: r.status >= 400
                        and failed.append(f"{r.status} {r.url}"))
                page.on("requestfailed", lambda r, failed=failed: r.url.startswith(base)
                        and failed.append(f"failed {r.url} ({r.failure})"))
                for url in urls:
                    failed.clear()
                    response = page.goto(base + url, wait_until="load")
                    if response is None or response.status >= 400:
                        problems.append(f"/{url}: HTTP {response.status if response else '?'}")
                        continue
                    page.wait_for_load_state("networkidle")
                    found = page.evaluate(PROBE)
                    problems += [f"/{url}: {f}" for f in failed]
                    problems += [f"/{url}: image did not load: {i['src']}"
                                 for i in found["images"] if not i["ok"]]
                    if found["scrollWidth"] > found["clientWidth"]:
                        problems.append(f"/{url} at {width}px: page is {found['scrollWidth']}px "
                                        f"wide, wider than the window")
                    problems += [f"/{url} at {width}px: cut off at the right edge: {c}"
                                 for c in found["clipped"]]
                    if width >= DESKTOP:
                        problems += [f"/{url} at {width}px: code needs a horizontal scroll: {c}"
                                     for c in found["scrolled"]]
                    ids_of[url] = set(found["ids"])
                    links_of[url] = found["links"]
                page.close()
            browser.close()
    finally:
        server.shutdown()

    known = set(urls)
    for url, links in links_of.items():
        for link in links:
            target, fragment = urldefrag(link)
            if not target.startswith(base):
                continue  # another host: not this check's business (and blocked above)
            path = target[len(base):]
            if path.endswith("index.html"):
                path = path[: -len("index.html")]
            if path not in known:
                if not (site / path).is_file():
                    problems.append(f"/{url}: broken link: {link}")
                continue
            if fragment and fragment not in ids_of.get(path, set()):
                problems.append(f"/{url}: no anchor #{fragment} on /{path}")

    for problem in dict.fromkeys(problems):
        print(problem)
    status = "FAILED" if problems else "ok"
    print(f"checked {len(urls)} pages at widths {', '.join(map(str, WIDTHS))} px in "
          f"headless Chromium: {len(set(problems))} problems, {status}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
