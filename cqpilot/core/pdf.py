"""HTML to PDF for every document cqpilot prints (parchemins, PV, référentiels), alone in its
module so that worker processes can import it without Django."""

from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

_fonts = None


def html_to_pdf(html: str, base_url: str | None = None) -> bytes:
    """`base_url` resolves the document's relative links (images, styles)."""
    global _fonts
    from weasyprint import HTML  # imported here: it loads Pango, which pages do not need
    from weasyprint.text.fonts import FontConfiguration

    if _fonts is None:  # one font configuration per process: building it costs per document
        _fonts = FontConfiguration()
    return HTML(string=html, base_url=base_url).write_pdf(font_config=_fonts)


def render_all(
    pages: list[str], *, workers: int, min_parallel: int = 20, progress=None
) -> list[bytes]:
    """Render many documents, on every core for a large batch (WeasyPrint is single-threaded;
    measured in benchmarks/delivrance.py). `progress(n)` is called after each document."""
    if workers <= 1 or len(pages) < min_parallel:
        results = map(html_to_pdf, pages)
        return [_counted(pdf, n, progress) for n, pdf in enumerate(results, start=1)]
    # spawn, not fork: the caller may be a threaded web server.
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        results = pool.map(html_to_pdf, pages, chunksize=4)
        return [_counted(pdf, n, progress) for n, pdf in enumerate(results, start=1)]


def _counted(pdf: bytes, n: int, progress) -> bytes:
    if progress:
        progress(n)
    return pdf
