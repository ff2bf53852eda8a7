"""The parchemin and the attestation de blocs as PDF: the certifier's layout around the
mentions cqpilot prints itself, a QR code to the public verification page."""

import base64
from datetime import date

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from cqpilot.dossiers.models import Candidat
from cqpilot.referentiels.models import Bloc, Certification

from .mentions import mentions
from .models import DocumentKind, ModeleParchemin


def verification_url(code: str) -> str:
    return settings.PUBLIC_URL + reverse("delivrance:verifier", args=[code])


def qr_data_uri(url: str) -> str:
    # PNG rather than SVG: WeasyPrint draws an SVG QR code path by path, ten times slower.
    return segno.make(url, error="m").png_data_uri(scale=8, border=2)


def _image_uri(field) -> str:
    if not field:
        return ""
    with field.open("rb") as image:
        content = image.read()
    kind = "png" if content[:4] == b"\x89PNG" else "jpeg"
    return f"data:image/{kind};base64," + base64.b64encode(content).decode()


def safe_css(css: str) -> str:
    """The certifier's CSS stays inside its <style> element."""
    return css.replace("</", "")


def document_html(
    *,
    kind: str,
    certification: Certification,
    candidat: Candidat,
    modele: ModeleParchemin,
    blocs: list[Bloc],
    numero: str,
    code: str,
    on: date,
    lieu: str,
) -> str:
    url = verification_url(code)
    return render_to_string(
        "delivrance/document_pdf.html",
        {
            "kind": kind,
            "is_attestation": kind == DocumentKind.ATTESTATION,
            "mentions": mentions(certification, candidat, modele, on, lieu),
            "modele": modele,
            "css": safe_css(modele.css),
            "logo": _image_uri(modele.logo),
            "signature": _image_uri(modele.signature),
            "blocs": blocs,
            "numero": numero,
            "code": code,
            "url": url,
            "qr": qr_data_uri(url),
        },
    )
