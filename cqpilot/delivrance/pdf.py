"""HTML to PDF, alone in its module so that worker processes can import it without Django."""

from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

_fonts = None


def html_to_pdf(html: str) -> bytes:
    global _fonts
    from weasyprint import HTML  # imported here: it loads Pango, which pages do not need
    from weasyprint.text.fonts import FontConfiguration

    if _fonts is None:  # one font configuration per process: building it costs per document
        _fonts = FontConfiguration()
    return HTML(string=html).write_pdf(font_config=_fonts)


def render_all(pages: list[str], *, workers: int, min_parallel: int = 20) -> list[bytes]:
    """Render many documents, on every core for a large batch (WeasyPrint is single-threaded;
    measured in benchmarks/delivrance.py)."""
    if workers <= 1 or len(pages) < min_parallel:
        return [html_to_pdf(page) for page in pages]
    # spawn, not fork: the caller may be a threaded web server.
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        return list(pool.map(html_to_pdf, pages, chunksize=8))
