"""A document rendered to PDF loads nothing but cqpilot's own files: its static files and the
images handed over with the document. No local file, no address, whatever its HTML says."""

import http.server
import io
import logging
import threading
from pathlib import Path

import pytest
import segno
from pypdf import PdfReader

from cqpilot.core import pdf as core_pdf

REPOSITORY = Path(__file__).resolve().parents[3]
# A file holding secrets (the test settings carry a key): what an attacker would attach.
SECRET_FILE = REPOSITORY / "cqpilot" / "settings_tests.py"


def png() -> bytes:
    buffer = io.BytesIO()
    segno.make("logo").save(buffer, kind="png", scale=4)
    return buffer.getvalue()


def attachments(pdf: bytes) -> dict:
    return PdfReader(io.BytesIO(pdf)).attachments


def images(pdf: bytes) -> int:
    return sum(len(page.images) for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture
def listener():
    """A server on this machine recording what it is asked for: the renderer must ask nothing."""
    requested = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            requested.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", requested
    server.shutdown()
    server.server_close()


def test_a_document_cannot_attach_or_show_a_local_file():
    html = (
        f'<link rel="attachment" href="{SECRET_FILE.as_uri()}">'
        f'<a rel="attachment" href="{SECRET_FILE.as_uri()}">pièce</a>'
        f'<img src="{SECRET_FILE.as_uri()}"><iframe src="{SECRET_FILE.as_uri()}"></iframe>'
        f'<object data="{SECRET_FILE.as_uri()}"></object><p>Texte</p>'
    )

    pdf = core_pdf.html_to_pdf(html)

    assert attachments(pdf) == {}
    assert "cqpilot-tests-only" not in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


def test_a_document_cannot_make_the_server_request_an_address(listener):
    url, requested = listener
    html = (
        f"<style>@import url({url}/import.css); @font-face {{ font-family: x; src: url({url}/police.woff) }}"
        f" p {{ background: url({url}/fond.png); font-family: x }}</style>"
        f'<link rel="stylesheet" href="{url}/lien.css"><link rel="attachment" href="{url}/piece">'
        f'<img src="{url}/image.png"><svg><image href="{url}/svg.png"/></svg><p>Texte</p>'
    )

    core_pdf.html_to_pdf(html)

    assert requested == []


def test_a_relative_link_is_not_resolved_against_the_server(listener):
    url, requested = listener

    core_pdf.html_to_pdf(
        f'<base href="{url}/"><img src="image.png"><link rel="stylesheet" href="a.css">'
    )

    assert requested == []


def test_a_refused_address_is_logged_without_its_secrets(caplog):
    with caplog.at_level(logging.WARNING, logger="cqpilot.core.pdf"):
        core_pdf.html_to_pdf('<img src="https://compte:motdepasse@exemple.fr/x.png?jeton=abc123">')

    assert "refusée" in caplog.text
    assert "exemple.fr" in caplog.text
    assert "motdepasse" not in caplog.text and "abc123" not in caplog.text


def test_the_projects_static_files_and_the_documents_own_images_are_served(caplog):
    html = (
        '<link rel="stylesheet" href="cqpilot:static/core/cqpilot.css">'
        '<img src="cqpilot:logo"><img src="cqpilot:signature">'
    )

    with caplog.at_level(logging.WARNING):
        pdf = core_pdf.html_to_pdf(html, files={"logo": png(), "signature": png()})

    assert images(pdf) == 2
    failures = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert "refusée" not in caplog.text and failures == []


def test_a_static_path_cannot_climb_out_of_the_static_folders(caplog):
    with caplog.at_level(logging.WARNING, logger="cqpilot.core.pdf"):
        pdf = core_pdf.html_to_pdf(
            '<link rel="attachment" href="cqpilot:static/../../../cqpilot/settings_tests.py">'
            '<link rel="attachment" href="cqpilot:static/%2e%2e/%2e%2e/settings_tests.py">'
            '<link rel="attachment" href="cqpilot:static//etc/hostname">'
        )

    assert attachments(pdf) == {}
    assert caplog.text.count("refusée") == 3


def test_an_image_not_handed_over_with_the_document_is_refused():
    pdf = core_pdf.html_to_pdf('<img src="cqpilot:signature">', files={"logo": png()})

    assert images(pdf) == 0


def test_worker_processes_apply_the_same_rules(listener):
    url, requested = listener
    sources = [
        core_pdf.Source(
            f'<img src="cqpilot:logo"><img src="{url}/x.png"><p>Document {n}</p>', {"logo": png()}
        )
        for n in range(2)
    ]

    rendered = core_pdf.render_all(sources, workers=2, min_parallel=2, with_text=True)

    assert [r.text.strip() for r in rendered] == ["Document 0", "Document 1"]
    assert [images(r.pdf) for r in rendered] == [1, 1]
    assert requested == []


def test_only_core_pdf_calls_weasyprint():
    """One door to HTML→PDF, the one with the guarded fetcher."""
    callers = [
        path.relative_to(REPOSITORY).as_posix()
        for path in (REPOSITORY / "cqpilot").rglob("*.py")
        if "tests" not in path.parts
        and "import weasyprint" in path.read_text().replace("from weasyprint", "import weasyprint")
    ]

    assert callers == ["cqpilot/core/pdf.py"]
