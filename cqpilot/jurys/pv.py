"""The PV de jury as a PDF (WeasyPrint): the content domain.md §1.5 lists."""

from django.template.loader import render_to_string
from django.utils import timezone

from .models import Jury, ProcesVerbal
from .services import composition_of, lignes, membres_of, regles_of


def pv_context(jury: Jury, pv: ProcesVerbal) -> dict:
    membres = membres_of(jury)
    return {
        "jury": jury,
        "pv": pv,
        "certification": jury.certification,
        "regles": regles_of(jury),
        "membres": membres,
        "presents": [m for m in membres if m.present],
        "absents": [m for m in membres if not m.present],
        "composition": composition_of(jury, membres),
        "lignes": lignes(jury, membres),
        "president": next((m for m in membres if m.role == "president"), None),
        "now": timezone.localtime(),
    }


def pv_pdf(jury: Jury, pv: ProcesVerbal, *, base_url: str = "") -> bytes:
    from weasyprint import HTML  # imported here: it loads Pango, which pages do not need

    html = render_to_string("jurys/pv_pdf.html", pv_context(jury, pv))
    return HTML(string=html, base_url=base_url).write_pdf()
