"""The app shell's weight: gzipped (level 9) size of the JS and CSS a phone loads, against the
100 KB budget (docs/benchmarks.md).

Two figures. **Per role** — the budget's measure: what a signed-in phone of each role loads, i.e.
the page's stylesheets, `app.js` and everything it imports statically, plus the role's module
(`pwa/roles/<role>.js`, loaded with `import()` once the user is known) and its static imports,
plus the worker. A role never loads another role's screens. **Everything precached** — every JS and
CSS file the service worker keeps for offline use (all roles' screens together), for reference.

The decoder (everything under /vendor/zxing-wasm/) is left out of both: it is precached so scanning
works offline, but a page only loads it when the camera opens. The lists come from the server's own
precache list (server/web/precache.py) and the modules' import statements, so a new module is
counted the day it is added.

    .venv/bin/python bench/shell_budget.py [--budget-kb 100]

Exit status 1 when the total is over the budget. 1 KB = 1,000 bytes here (the stricter reading).
"""

from __future__ import annotations

import argparse
import gzip
import posixpath
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from server.web import precache  # noqa: E402

DECODER = ("/vendor/zxing-wasm/",)


def shell_files() -> list[tuple[str, bytes]]:
    """(url, bytes) of every JS/CSS file of the shell, the worker script included."""
    listing = precache.build()
    pwa = precache.pwa_dir()
    files = [
        (entry.url, precache.file_for(entry.url, pwa).read_bytes())
        for entry in listing.entries
        if entry.url.endswith((".js", ".mjs", ".css")) and not entry.url.startswith(DECODER)
    ]
    files.append(("/sw.js", listing.script))
    return files


_STATIC_IMPORT = re.compile(
    r"""(?:^|;|\n)\s*(?:import|export)\s[^'"`;]*?from\s*["']([^"']+)["']|(?:^|\n)\s*import\s*["']([^"']+)["']"""
)
_STYLESHEET = re.compile(r'<link rel="stylesheet" href="([^"]+)"')
_MODULE = re.compile(r'<script type="module" src="([^"]+)"')


def _resolve(base_url: str, spec: str) -> str:
    if spec.startswith("/"):
        return spec
    return posixpath.normpath(posixpath.join(posixpath.dirname(base_url), spec))


def _closure(entries: list[str], sources: dict[str, bytes]) -> set[str]:
    """`entries` and every module they import statically (dynamic `import()` is lazy: not followed)."""
    seen: set[str] = set()
    todo = list(entries)
    while todo:
        url = todo.pop()
        if url in seen or url not in sources:
            continue
        seen.add(url)
        if url.endswith(".js"):
            for match in _STATIC_IMPORT.finditer(sources[url].decode()):
                todo.append(_resolve(url, match.group(1) or match.group(2)))
    return seen


def per_role(files: list[tuple[str, bytes]]) -> dict[str, set[str]]:
    """role → the URLs its phone loads (page styles, app.js's static graph, its role module's graph, the worker)."""
    sources = dict(files)
    shell = (precache.TEMPLATES / "shell.html").read_text()
    page = _STYLESHEET.findall(shell) + _MODULE.findall(shell) + ["/sw.js"]
    common = _closure(page, sources)
    roles = re.findall(r'import\("\./([a-z]+)\.js"\)', sources["/static/roles/index.js"].decode())
    return {role: common | _closure([f"/static/roles/{role}.js"], sources) for role in dict.fromkeys(roles)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--budget-kb", type=float, default=100.0)
    args = parser.parse_args()
    budget = args.budget_kb * 1000

    rows = [(url, len(data), len(gzip.compress(data, compresslevel=9, mtime=0))) for url, data in shell_files()]
    rows.sort(key=lambda row: -row[2])
    width = max(len(url) for url, _, _ in rows)
    print(f"{'file':<{width}}  {'raw':>9}  {'gzip -9':>9}")
    for url, raw, packed in rows:
        print(f"{url:<{width}}  {raw:>9,}  {packed:>9,}")
    total_raw = sum(raw for _, raw, _ in rows)
    total = sum(packed for _, _, packed in rows)
    print(f"{'everything precached (' + str(len(rows)) + ' files)':<{width}}  {total_raw:>9,}  {total:>9,}")
    sizes = {url: packed for url, _, packed in rows}
    worst = 0
    print()
    print(f"{'what a phone loads, by role':<32}  {'files':>5}  {'gzip -9':>9}")
    for role, urls in per_role(shell_files()).items():
        loaded = sum(sizes[url] for url in urls)
        worst = max(worst, loaded)
        print(f"{role:<32}  {len(urls):>5}  {loaded:>9,}")
    verdict = "within" if worst <= budget else "OVER"
    print(
        f"budget: the heaviest role loads {worst / 1000:.1f} KB of {budget / 1000:.0f} KB gzipped "
        f"({100 * worst / budget:.0f} %) — {verdict} budget"
    )
    return 0 if worst <= budget else 1


if __name__ == "__main__":
    sys.exit(main())
