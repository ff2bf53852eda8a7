"""The recevabilité notification letter (PDF), rendered from the decided demande, which never
changes: the same letter each time it is asked for (WeasyPrint, core/pdf.py)."""

from django.template.loader import render_to_string

from cqpilot.core.pdf import html_to_pdf

from .models import DemandeRecevabilite


def lettre_context(demande: DemandeRecevabilite) -> dict:
    dossier = demande.dossier
    return {
        "demande": demande,
        "dossier": dossier,
        "candidat": dossier.candidat,
        "certification": dossier.certification,
        "blocs": list(demande.blocs.order_by("ordre", "code")),
        "ecarts": list(demande.ecarts.select_related("bloc", "competence")),
    }


def lettre_pdf(demande: DemandeRecevabilite) -> bytes:
    return html_to_pdf(render_to_string("vae/lettre_pdf.html", lettre_context(demande)))
