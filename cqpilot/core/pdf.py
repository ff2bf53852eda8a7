"""HTML to PDF for every document cqpilot prints (parchemins, attestations, PV, référentiels,
convocations), alone in its module so that worker processes can import it without Django.

A document loads nothing from outside: WeasyPrint's own fetcher would open any `file:` path
(`/proc/self/environ` carries the secret keys) and any address (the server's network), for
whoever writes a link, a stylesheet or an attachment into the HTML. Here every URL goes through
`fetch_resource`, which serves only two kinds, read from memory or from the project's static
folders, and refuses (and logs) everything else:

- `cqpilot:<name>`: a file handed over with the document (`Source.files`: the certifier's logo,
  its signature image, the QR code), read from storage by the caller;
- `cqpilot:static/<path>`: one of the project's static files.
"""

import logging
import mimetypes
import multiprocessing
import multiprocessing.connection
import os
import re
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cache, partial
from multiprocessing import get_context
from pathlib import Path
from urllib.parse import urlsplit

logger = logging.getLogger(__name__)

SCHEME = "cqpilot:"
STATIC = "static/"
_STATIC_PATH = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*(/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*")
_FILE_NAME = re.compile(r"[a-z0-9_-]{1,40}")
_REFUSED = "RessourceRefusee"  # the exception's name, recognised in WeasyPrint's own log

_fonts = None


@dataclass(frozen=True)
class Source:
    """A document to render: its HTML and the files it may load as `cqpilot:<name>`."""

    html: str
    files: Mapping[str, bytes] = field(default_factory=dict)


@dataclass(frozen=True)
class Rendered:
    pdf: bytes
    text: str | None = None  # the PDF's text layer, when asked for


class RessourceRefusee(Exception):
    pass


def describe(url: str) -> str:
    """A URL as it may be logged: no user, password, query or fragment, and short."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(adresse illisible)"
    if parts.scheme.lower() == "data":
        return "data:" + parts.path.split(",", 1)[0][:40]
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return (
        f"{parts.scheme}://{host}{parts.path}"[:120]
        if host
        else f"{parts.scheme}:{parts.path}"[:120]
    )


def fetch_resource(url: str, *, files: Mapping[str, bytes], static_roots: tuple[str, ...]):
    """(content, mime type) of an allowed URL; raises RessourceRefusee for any other."""
    if url.startswith(SCHEME):
        name = url.removeprefix(SCHEME)
        if name.startswith(STATIC):
            if path := _static_file(name.removeprefix(STATIC), static_roots):
                return path.read_bytes(), mimetypes.guess_type(path.name)[0]
        elif _FILE_NAME.fullmatch(name) and name in files:
            return files[name], _sniff(files[name])
    logger.warning("PDF : ressource refusée (%s)", describe(url))
    raise RessourceRefusee("ressource refusée")


def _static_file(relative: str, roots: tuple[str, ...]) -> Path | None:
    if not _STATIC_PATH.fullmatch(relative) or ".." in relative.split("/"):
        return None
    for root in roots:
        base = Path(root).resolve()
        candidate = (base / relative).resolve()  # a symbolic link must stay inside too
        if candidate.is_relative_to(base) and candidate.is_file():
            return candidate
    return None


def _sniff(content: bytes) -> str:
    if content.startswith(b"\x89PNG"):
        return "image/png"
    if content.startswith(b"\xff\xd8"):
        return "image/jpeg"
    return "application/octet-stream"


@cache
def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class GuardedFetcher(URLFetcher):
        """WeasyPrint's fetcher interface, answering from `fetch_resource` only."""

        def __init__(self, fetch: Callable) -> None:
            super().__init__(allowed_protocols=())  # nothing reaches urllib, even by mistake
            self._fetch = fetch

        def fetch(self, url, headers=None):
            content, mime = self._fetch(url)
            headers = {"Content-Type": mime} if mime else {}
            return URLFetcherResponse(url, content, headers)

    return GuardedFetcher


class _QuietRefusals(logging.Filter):
    """WeasyPrint logs each failed load with its full URL: a refusal is logged once, by us."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not any(_REFUSED in str(arg) for arg in record.args or ())


@cache
def _quiet_weasyprint() -> None:
    logging.getLogger("weasyprint").addFilter(_QuietRefusals())


@cache
def static_roots() -> tuple[str, ...]:
    """The folders of the project's static files (apps' `static/`, STATICFILES_DIRS and the
    collected STATIC_ROOT), read in the calling process: a worker process has no Django."""
    from django.conf import settings
    from django.contrib.staticfiles import finders

    roots = [
        storage.location
        for finder in finders.get_finders()
        for storage in getattr(finder, "storages", {}).values()
    ]
    if settings.STATIC_ROOT:
        roots.append(str(settings.STATIC_ROOT))
    return tuple(dict.fromkeys(str(root) for root in roots))


def layout(source: Source, roots: tuple[str, ...] | None = None):
    """The document laid out in pages (WeasyPrint's boxes): what `render` writes, and what a
    test reads to see where and how a text is drawn."""
    global _fonts
    from weasyprint import HTML  # imported here: it loads Pango, which pages do not need
    from weasyprint.text.fonts import FontConfiguration

    if _fonts is None:  # one font configuration per process: building it costs per document
        _fonts = FontConfiguration()
    _quiet_weasyprint()
    fetch = partial(
        fetch_resource,
        files=source.files,
        static_roots=static_roots() if roots is None else roots,
    )
    html = HTML(string=source.html, base_url=None, url_fetcher=_fetcher_class()(fetch))
    return html.render(font_config=_fonts)


def render(source: Source, roots: tuple[str, ...], *, with_text: bool = False) -> Rendered:
    pdf = layout(source, roots).write_pdf()
    return Rendered(pdf, pdf_text(pdf) if with_text else None)


def html_to_pdf(html: str, *, files: Mapping[str, bytes] | None = None) -> bytes:
    return render(Source(html, files or {}), static_roots()).pdf


def pdf_text(pdf: bytes) -> str:
    """The text a reader (or a search engine, or a screen reader) gets out of the PDF."""
    import io

    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def render_all(
    sources: list[Source],
    *,
    workers: int,
    min_parallel: int = 20,
    with_text: bool = False,
    progress=None,
) -> list[Rendered]:
    """Render many documents, on every core for a large batch (WeasyPrint is single-threaded;
    measured in benchmarks/delivrance.py), with their text layer if asked (read in the worker,
    in parallel too). `progress(n)` is called after each document."""
    one = partial(render, roots=static_roots(), with_text=with_text)
    if workers <= 1 or len(sources) < min_parallel:
        return [_counted(r, n, progress) for n, r in enumerate(map(one, sources), start=1)]
    # spawn, not fork: the caller may be a threaded web server.
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=get_context("spawn"), initializer=_end_with_parent
    ) as pool:
        results = pool.map(one, sources, chunksize=4)
        return [_counted(r, n, progress) for n, r in enumerate(results, start=1)]


def _end_with_parent() -> None:
    """Run in each rendering process as it starts: it ends when the process that started it
    dies. A background worker killed in the middle of a lot (OOM killer, `kill -9`) would
    otherwise leave its renderers waiting for ever for documents, holding their memory."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(1)

    threading.Thread(target=watch, name="cqpilot-parent-watch", daemon=True).start()


def _counted(rendered: Rendered, n: int, progress) -> Rendered:
    if progress:
        progress(n)
    return rendered
