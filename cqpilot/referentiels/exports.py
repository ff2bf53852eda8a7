"""The référentiel as a document: shared page context, PDF (WeasyPrint) and xlsx (openpyxl)."""

import io

from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils.text import slugify
from openpyxl import Workbook

from cqpilot.core.pdf import html_to_pdf
from cqpilot.core.spreadsheets import write_sheet

from .models import Activite, Bloc, Competence, ReferentielVersion


def version_context(version: ReferentielVersion) -> dict:
    """Everything a page or a document shows of one version, in a fixed number of queries."""
    competences = Competence.objects.prefetch_related("criteres").order_by("ordre", "code")
    activites = list(
        version.activites.prefetch_related(Prefetch("competences", queryset=competences))
    )
    loose_competences = list(competences.filter(version=version, activite__isnull=True))
    blocs = list(
        Bloc.objects.filter(version=version).prefetch_related(
            Prefetch("competences", queryset=Competence.objects.order_by("ordre", "code")),
            "modalites",
            "correspondances__bloc_cible__version__certification",
        )
    )
    certification = version.certification
    return {
        "version": version,
        "certification": certification,
        "certificateurs": list(certification.certificateurs.all()),
        "codes": list(certification.codes.all()),
        "activites": activites,
        "loose_competences": loose_competences,
        "blocs": blocs,
    }


def file_stem(version: ReferentielVersion) -> str:
    name = version.certification.code_rncp_rs or slugify(version.certification.intitule)[:60]
    return f"referentiel-{name}-v{version.numero}"


def version_pdf(version: ReferentielVersion, *, base_url: str = "") -> bytes:
    # base_url is no longer used: a PDF loads nothing from the server (core/pdf.py).
    html = render_to_string("referentiels/version_pdf.html", version_context(version))
    return html_to_pdf(html)


def version_xlsx(version: ReferentielVersion) -> io.BytesIO:
    context = version_context(version)
    certification = context["certification"]
    workbook = Workbook()
    workbook.remove(workbook.active)
    write_sheet(
        workbook,
        "Certification",
        ["Rubrique", "Valeur"],
        [
            ["Intitulé", certification.intitule],
            ["Type", certification.get_type_display()],
            ["Code RNCP / RS", certification.code_rncp_rs],
            ["Niveau", certification.get_niveau_display()],
            ["Certificateurs", ", ".join(str(o) for o in context["certificateurs"])],
            ["Codes", ", ".join(f"{c.kind} {c.code}" for c in context["codes"])],
            ["Version", version.numero],
            ["Statut de la version", version.get_status_display()],
            [
                "Publiée le",
                version.published_at.strftime("%d/%m/%Y") if version.published_at else "",
            ],
        ],
    )
    activites: list[Activite] = context["activites"]
    write_sheet(
        workbook,
        "Activités",
        ["Code", "Intitulé", "Description"],
        [[a.code, a.intitule, a.description] for a in activites],
    )
    competence_rows = []
    for activite in activites:
        for competence in activite.competences.all():
            competence_rows.append(_competence_row(competence, activite.code))
    for competence in context["loose_competences"]:
        competence_rows.append(_competence_row(competence, ""))
    write_sheet(
        workbook,
        "Compétences",
        ["Code", "Activité", "Intitulé", "Critères d'évaluation", "Indicateurs"],
        competence_rows,
    )
    blocs: list[Bloc] = context["blocs"]
    write_sheet(
        workbook,
        "Blocs",
        [
            "Code",
            "Intitulé",
            "Caractère",
            "Compétences",
            "Compétences (texte)",
            "Modalités (texte)",
        ],
        [
            [
                b.code,
                b.intitule,
                "Optionnel" if b.est_optionnel else "Obligatoire",
                ", ".join(c.code for c in b.competences.all()),
                b.competences_texte,
                b.modalites_texte,
            ]
            for b in blocs
        ],
    )
    write_sheet(
        workbook,
        "Modalités d'évaluation",
        [
            "Bloc",
            "Type",
            "Intitulé",
            "Durée (min)",
            "Notation",
            "Noté sur",
            "Seuil",
            "Coefficient",
            "Description",
        ],
        [
            [
                b.code,
                m.get_type_display(),
                m.intitule,
                m.duree_minutes,
                m.get_notation_display(),
                m.note_sur,
                float(m.seuil) if m.seuil is not None else None,
                float(m.coefficient),
                m.description,
            ]
            for b in blocs
            for m in b.modalites.all()
        ],
    )
    output = io.BytesIO()
    workbook.save(output)
    output.seek(0)
    return output


def _competence_row(competence: Competence, activite_code: str) -> list:
    criteres = list(competence.criteres.all())
    return [
        competence.code,
        activite_code,
        competence.intitule,
        "\n".join(c.intitule for c in criteres),
        "\n".join(c.indicateurs for c in criteres if c.indicateurs),
    ]
