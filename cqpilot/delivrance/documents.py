"""The parchemin and the attestation de blocs: the certifier's layout around the mentions
cqpilot prints itself, a QR code to the public verification page.

The same page is laid out twice: as a PDF (`document_source`: images loaded from the files handed
over with it, `cqpilot:logo`…, see core/pdf.py) and as the layout's preview in the browser
(`document_preview`: the same images as data: URIs)."""

import base64
import io

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe

from cqpilot.core.pdf import SCHEME, Source
from cqpilot.referentiels.models import Bloc

from .layout_css import clean_layout_css
from .mentions import Mentions
from .models import DocumentKind, ModeleParchemin


def verification_url(code: str) -> str:
    return settings.PUBLIC_URL + reverse("delivrance:verifier", args=[code])


def qr_png(url: str) -> bytes:
    # PNG rather than SVG: WeasyPrint draws an SVG QR code path by path, ten times slower.
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=8, border=2)
    return buffer.getvalue()


def _read(field) -> bytes | None:
    if not field:
        return None
    with field.open("rb") as image:
        return image.read()


def _files(modele: ModeleParchemin, url: str) -> dict[str, bytes]:
    """The images of the document: the certifier's, read from storage, and the QR code."""
    files = {"qr": qr_png(url), "logo": _read(modele.logo), "signature": _read(modele.signature)}
    return {name: content for name, content in files.items() if content}


def _html(
    *,
    kind: str,
    mentions: Mentions,
    modele: ModeleParchemin,
    blocs: list[Bloc],
    numero: str,
    code: str,
    images: dict[str, str],
) -> str:
    return render_to_string(
        "delivrance/document_pdf.html",
        {
            "kind": kind,
            "is_attestation": kind == DocumentKind.ATTESTATION,
            "mentions": mentions,
            "modele": modele,
            # Rebuilt from allow-lists, without "<": it cannot leave its <style> element.
            "css": mark_safe(clean_layout_css(modele.css).css),
            "images": images,
            "blocs": blocs,
            "numero": numero,
            "code": code,
            "url": verification_url(code),
        },
    )


def document_source(
    *,
    kind: str,
    mentions: Mentions,
    modele: ModeleParchemin,
    blocs: list[Bloc],
    numero: str,
    code: str,
) -> Source:
    """The document to render as PDF, with the images it may load."""
    files = _files(modele, verification_url(code))
    images = {name: SCHEME + name for name in files}
    html = _html(
        kind=kind, mentions=mentions, modele=modele, blocs=blocs, numero=numero, code=code,
        images=images,
    )  # fmt: skip
    return Source(html, files)


def document_preview(
    *,
    kind: str,
    mentions: Mentions,
    modele: ModeleParchemin,
    blocs: list[Bloc],
    numero: str,
    code: str,
) -> str:
    """The same page for the browser (a sandboxed frame), its images inline."""
    files = _files(modele, verification_url(code))
    images = {name: _data_uri(content) for name, content in files.items()}
    return _html(
        kind=kind, mentions=mentions, modele=modele, blocs=blocs, numero=numero, code=code,
        images=images,
    )  # fmt: skip


def _data_uri(content: bytes) -> str:
    kind = "png" if content[:4] == b"\x89PNG" else "jpeg"
    return f"data:image/{kind};base64," + base64.b64encode(content).decode()
