"""Check a built documentation site for broken internal links.

``python scripts/check_site_links.py SITE_DIR`` reads every HTML page under ``SITE_DIR`` (the
output of ``mkdocs build``), follows every ``href`` and ``src`` that stays inside the site
(relative, or absolute from the site's root), and reports each link whose target file does not
exist or whose ``#fragment`` is no ``id`` (or ``name``) on the target page. External links
(``http:``, ``mailto:``, ...) are not fetched. Exit status 1 with one line per broken link
(page, link, reason), 0 when every link resolves.
"""

from __future__ import annotations

import sys
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit


class _Page(HTMLParser):
    """The links and the anchor ids of one HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name == "id" or (name == "name" and tag == "a"):
                self.ids.add(value)
            elif name in ("href", "src"):
                self.links.append(value)


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8", errors="replace"))
    return page


def broken_links(site: Path) -> list[str]:
    """One line ``page: link (reason)`` per broken internal link under ``site``, sorted."""
    site = site.resolve()
    pages: dict[Path, _Page] = {p: _parse(p) for p in sorted(site.rglob("*.html"))}
    problems: list[str] = []
    for page_path, page in pages.items():
        for link in page.links:
            reason = _check(site, page_path, link, pages)
            if reason:
                problems.append(f"{page_path.relative_to(site)}: {link} ({reason})")
    return sorted(set(problems))


def _check(site: Path, page: Path, link: str, pages: dict[Path, _Page]) -> str:
    parts = urlsplit(link)
    if parts.scheme or parts.netloc or link.startswith(("mailto:", "javascript:", "data:")):
        return ""
    relative = unquote(parts.path)
    if not relative:
        target = page
    elif relative.startswith("/"):
        target = site / PurePosixPath(relative).relative_to("/")
    else:
        target = page.parent / relative
    target = Path(target).resolve()
    if not target.is_relative_to(site):
        return "leaves the site"
    if target.is_dir():
        target = target / "index.html"
    if not target.exists():
        return "no such file"
    if parts.fragment and target.suffix == ".html":
        anchors = pages[target].ids if target in pages else _parse(target).ids
        if unquote(parts.fragment) not in anchors:
            return f"no anchor #{parts.fragment} on {target.relative_to(site)}"
    return ""


def main(argv: list[str]) -> int:
    """Check the site folder ``argv[0]``; print the broken links; 1 if any, 2 on bad usage."""
    if len(argv) != 1 or not Path(argv[0]).is_dir():
        print("usage: check_site_links.py SITE_DIR (a folder mkdocs built)", file=sys.stderr)
        return 2
    problems = broken_links(Path(argv[0]))
    for line in problems:
        print(line)
    count = len(list(Path(argv[0]).rglob("*.html")))
    print(f"{count} pages, {len(problems)} broken internal links", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
