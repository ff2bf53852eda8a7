"""A candidate's right of access (RGPD art. 15): one zip with everything the certifier holds
about him — a readable summary in French, the same data as JSON, his pièces and the documents
issued to him.

The NIR is written in full: it is his own data, and the download is journaled as a read.
"""

import json
import shutil
import tempfile
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import PurePath
from typing import BinaryIO

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, Q
from django.db.models.fields.files import FieldFile
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify

from cqpilot.accrochage.models import PassageAccrochage
from cqpilot.core.audit import ACTIONS, displayed_changes, log_read
from cqpilot.core.models import Organisation, User
from cqpilot.delivrance.models import DocumentDelivre
from cqpilot.dossiers.models import BlocAcquis, Candidat, Document, Dossier, Financement
from cqpilot.evaluations.models import DemandeAmenagement, Inscription, Resultat
from cqpilot.jurys.models import Deliberation, Recours
from cqpilot.pilotage.models import EnqueteInsertion
from cqpilot.vae.lettre import lettre_pdf
from cqpilot.vae.models import (
    AnalyseEcart,
    ComplementDemande,
    CongeVae,
    DemandeRecevabilite,
    DossierValidationVae,
    ExperienceVae,
    NotificationResultatVae,
)

# What the platform keeps for itself, not about the person.
INTERNAL = {"credential", "status_index", "revision", "sha256"}


def _value(value):
    if isinstance(value, datetime):
        return (
            timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, FieldFile):
        return value.name or ""
    return value


def fields(obj: Model) -> dict:
    """Every stored field of the row, by its French label, choices shown as their label."""
    data = {}
    for field in obj._meta.concrete_fields:
        if field.primary_key or field.name in INTERNAL:
            continue
        if field.is_relation:
            related = getattr(obj, field.name, None)
            data[str(field.verbose_name)] = str(related) if related is not None else None
            continue
        value = getattr(obj, field.attname)
        if field.choices and value:
            value = getattr(obj, f"get_{field.name}_display")()
        data[str(field.verbose_name)] = _value(value)
    return data


def candidate_data(candidat: Candidat, user: User) -> dict:
    """Everything the user's certifier holds about the candidate, as JSON-ready dicts."""
    dossiers = list(
        Dossier.objects.visible_to(user)
        .filter(candidat=candidat)
        .select_related("certification", "version", "organisme", "created_by")
        .prefetch_related(
            "blocs_vises", "transitions", "financements", "documents", "demandes_amenagement"
        )
        .order_by("date_inscription", "pk")
    )
    ids = [d.pk for d in dossiers]
    inscriptions = Inscription.objects.filter(dossier__in=ids).select_related("session")
    resultats = Resultat.objects.filter(dossier__in=ids).select_related(
        "epreuve__modalite__bloc", "evaluateur", "saisi_par"
    )
    deliberations = (
        Deliberation.objects.filter(dossier__in=ids)
        .select_related("jury", "decided_by")
        .prefetch_related("blocs__bloc")
    )
    recours = Recours.objects.filter(deliberation__dossier__in=ids).select_related(
        "deliberation", "pv", "filed_by", "decided_by"
    )
    issued = DocumentDelivre.objects.filter(dossier__in=ids).select_related(
        "organisation", "certification", "version", "deliberation", "annule_by", "created_by"
    )
    passages = PassageAccrochage.objects.filter(document__dossier__in=ids).select_related(
        "document", "bloc"
    )
    enquetes = EnqueteInsertion.objects.filter(document__dossier__in=ids).select_related(
        "document", "organisation"
    )

    def of(rows, dossier, attribute="dossier_id"):
        return [r for r in rows if getattr(r, attribute) == dossier.pk]

    inscriptions, resultats, deliberations = (
        list(inscriptions),
        list(resultats),
        list(deliberations),
    )
    issued, passages, enquetes = list(issued), list(passages), list(enquetes)
    vae = {d.dossier_id: d for d in _demandes_vae(ids)}
    recours = list(recours)
    depots = list(
        DossierValidationVae.objects.filter(dossier__in=ids).select_related(
            "document", "deposee_par"
        )
    )
    notifications = list(
        NotificationResultatVae.objects.filter(deliberation__dossier__in=ids).select_related(
            "deliberation", "par"
        )
    )
    conges = list(CongeVae.objects.filter(dossier__in=ids).select_related("saisi_par"))
    return {
        "candidat": fields(candidat),
        "dossiers": [
            {
                "numero": dossier.pk,
                **fields(dossier),
                "blocs visés": [b.code for b in dossier.blocs_vises.all()],
                "changements d'état": [fields(t) for t in dossier.transitions.all()],
                "financements": [fields(f) for f in dossier.financements.all()],
                "pièces": [
                    {**fields(p), "dans l'archive": _piece_name(p)} for p in dossier.documents.all()
                ],
                "demandes d'aménagement d'épreuves": [
                    {**fields(d), "dans l'archive": _justificatif_name(d)}
                    for d in dossier.demandes_amenagement.all()
                ],
                "inscriptions aux évaluations": [fields(i) for i in of(inscriptions, dossier)],
                "résultats": [
                    {"épreuve": str(r.epreuve), **fields(r)} for r in of(resultats, dossier)
                ],
                "décisions du jury": [
                    {**fields(d), "blocs": [fields(b) for b in d.blocs.all()]}
                    for d in of(deliberations, dossier)
                ],
                "recours contre les décisions du jury": [
                    fields(r) for r in recours if r.deliberation.dossier_id == dossier.pk
                ],
                **_demande_vae(vae.get(dossier.pk)),
                "dossier de validation VAE (livret 2)": [
                    {
                        **fields(d),
                        "dans l'archive": _piece_name(d.document) if d.document else "",
                    }
                    for d in of(depots, dossier)
                ],
                "congé VAE": [fields(c) for c in of(conges, dossier)],
                "notification du résultat VAE": [
                    fields(n) for n in notifications if n.deliberation.dossier_id == dossier.pk
                ],
                "documents délivrés": [fields(d) for d in of(issued, dossier)],
                "accrochage à la Caisse des Dépôts": [
                    fields(p) for p in passages if p.document.dossier_id == dossier.pk
                ],
                "enquêtes d'insertion": [
                    fields(e) for e in enquetes if e.document.dossier_id == dossier.pk
                ],
            }
            for dossier in dossiers
        ],
        "blocs acquis": [
            fields(a) for a in BlocAcquis.objects.filter(candidat=candidat).select_related("bloc")
        ],
        "journal": journal(candidat, dossiers, user.organisation),
    }


def _demandes_vae(dossiers: list[int]):
    return (
        DemandeRecevabilite.objects.filter(dossier__in=dossiers)
        .select_related("organisation", "deposee_par", "decidee_par", "dossier__candidat")
        .prefetch_related(
            "blocs", "experiences", "complements__par", "ecarts__bloc", "ecarts__competence"
        )
    )


def _demande_vae(demande: DemandeRecevabilite | None) -> dict:
    """The dossier's VAE demande de recevabilité, as groups of the dossier (the summary shows
    each list under its title); its notification letter is in the archive once decided."""
    if demande is None:
        return {}
    return {
        "demande de recevabilité VAE": [
            {
                **fields(demande),
                "blocs visés par la demande": ", ".join(b.code for b in demande.blocs.all())
                or "toute la certification",
                "dans l'archive": _lettre_name(demande) if demande.is_decided else "",
            }
        ],
        "expériences déclarées (VAE)": [fields(e) for e in demande.experiences.all()],
        "pièces demandées (VAE)": [fields(c) for c in demande.complements.all()],
        "analyse des écarts (VAE)": [
            {"bloc ou compétence": str(e.competence or e.bloc), **fields(e)}
            for e in demande.ecarts.all()
        ],
    }


def _lettre_name(demande: DemandeRecevabilite) -> str:
    return f"vae/lettre-recevabilite-{demande.pk}.pdf"


def journal(
    candidat: Candidat, dossiers: list[Dossier], organisation: Organisation | None
) -> list[dict]:
    """The journal's entries about the candidate and the exporter's dossiers (values masked as
    on screen); the author is named by his organisation.

    A candidate is shared between certifiers: on his own row, only what the exporter's staff or
    the OFs of its dossiers wrote or read is the exporter's to give; another certifier's entries
    are its own to answer for. An author outside those is never named."""
    ids = [d.pk for d in dossiers]
    authors = {organisation.pk} if organisation is not None else set()
    authors |= {d.organisme_id for d in dossiers if d.organisme_id}
    types = ContentType.objects.get_for_models(
        Candidat,
        Dossier,
        Document,
        Financement,
        Deliberation,
        DemandeRecevabilite,
        ExperienceVae,
        ComplementDemande,
        AnalyseEcart,
        DossierValidationVae,
        NotificationResultatVae,
        CongeVae,
        DemandeAmenagement,
        Recours,
    )
    # Entries without an actor on the shared row cannot be attributed: left out.
    condition = Q(
        content_type=types[Candidat], object_id=candidat.pk, actor__organisation__in=authors
    )
    condition |= Q(content_type=types[Dossier], object_id__in=ids)
    for model, rows in (
        (Document, Document.objects.filter(dossier__in=ids)),
        (Financement, Financement.objects.filter(dossier__in=ids)),
        (Deliberation, Deliberation.objects.filter(dossier__in=ids)),
        (DemandeRecevabilite, DemandeRecevabilite.objects.filter(dossier__in=ids)),
        (ExperienceVae, ExperienceVae.objects.filter(demande__dossier__in=ids)),
        (ComplementDemande, ComplementDemande.objects.filter(demande__dossier__in=ids)),
        (AnalyseEcart, AnalyseEcart.objects.filter(demande__dossier__in=ids)),
        (DossierValidationVae, DossierValidationVae.objects.filter(dossier__in=ids)),
        (CongeVae, CongeVae.objects.filter(dossier__in=ids)),
        (
            NotificationResultatVae,
            NotificationResultatVae.objects.filter(deliberation__dossier__in=ids),
        ),
        # who read his medical justificatif (the request's words masked as on screen)
        (DemandeAmenagement, DemandeAmenagement.objects.filter(dossier__in=ids)),
        (Recours, Recours.objects.filter(deliberation__dossier__in=ids)),
    ):
        condition |= Q(content_type=types[model], object_id__in=rows.values("pk"))
    entries = (
        LogEntry.objects.filter(condition)
        .select_related("content_type", "actor__organisation")
        .order_by("timestamp", "pk")
    )
    return [
        {
            "date": _value(entry.timestamp),
            "action": ACTIONS.get(entry.action, str(entry.action)),
            "objet": entry.object_repr,
            "par": _author(entry, authors),
            "modifications": displayed_changes(entry),
            "lecture": (entry.additional_data or {}).get("lecture", ""),
        }
        for entry in entries
    ]


def _author(entry: LogEntry, authors: set[int]) -> str:
    if entry.actor is None or entry.actor.organisation is None:
        return ""
    if entry.actor.organisation_id in authors:
        return str(entry.actor.organisation)
    return "un autre organisme"


def summary(data: dict) -> dict:
    """The data laid out for the readable summary: facts as (label, value) pairs, lists as
    titled groups of rows."""

    def facts(row: dict) -> list[tuple[str, str]]:
        return [
            (label, _readable(value))
            for label, value in row.items()
            if not isinstance(value, list) and value not in (None, "")
        ]

    def groups(row: dict) -> list[tuple[str, list]]:
        return [
            (label, [facts(item) if isinstance(item, dict) else [("", item)] for item in value])
            for label, value in row.items()
            if isinstance(value, list) and value
        ]

    return {
        "candidat": facts(data["candidat"]),
        "dossiers": [(facts(d), groups(d)) for d in data["dossiers"]],
        "blocs_acquis": [facts(a) for a in data["blocs acquis"]],
        "journal": data["journal"],
        "fichiers_absents": data.get("fichiers absents", []),
    }


def _readable(value) -> str:
    if value is True:
        return "oui"
    if value is False:
        return "non"
    if isinstance(value, dict):
        return "; ".join(f"{k} : {_readable(v)}" for k, v in value.items())
    return str(value)


def _piece_name(piece: Document) -> str:
    return f"pieces/{piece.pk}-{slugify(PurePath(piece.nom).stem) or 'piece'}{PurePath(piece.fichier.name).suffix}"


# Above this size the zip being written goes to a temporary file on disk: a candidate with many
# pièces weighs tens of MB, which would otherwise sit in the web worker's memory.
IN_MEMORY_MAX = 4 * 1024 * 1024


def export_zip(candidat: Candidat, *, by: User) -> tuple[BinaryIO, str]:
    """The zip, rewound, in a temporary file the caller streams and closes, and its file name;
    the export is written in the journal as a read."""
    data = candidate_data(candidat, by)
    # Left open on success: the response streams it, then closes (and so deletes) it.
    spool = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY_MAX)  # noqa: SIM115
    try:
        _write_archive(spool, candidat, data, by)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    log_read(
        candidat,
        by=by,
        lecture="export de ses données personnelles (droit d'accès), NIR compris",
    )
    name = f"donnees-candidat-{candidat.pk}-{timezone.localdate():%Y%m%d}.zip"
    return spool, name


def _justificatif_name(demande: DemandeAmenagement) -> str:
    return f"amenagements/{demande.pk}-justificatif{PurePath(demande.justificatif.name).suffix}"


def _write_archive(spool: BinaryIO, candidat: Candidat, data: dict, by: User) -> None:
    missing = []
    with zipfile.ZipFile(spool, "w", zipfile.ZIP_DEFLATED) as archive:
        for dossier in Dossier.objects.visible_to(by).filter(candidat=candidat):
            for piece in dossier.documents.all():
                missing += _add_file(archive, piece.fichier, _piece_name(piece))
            for demande in dossier.demandes_amenagement.all():
                missing += _add_file(archive, demande.justificatif, _justificatif_name(demande))
            for issued in DocumentDelivre.objects.filter(dossier=dossier):
                missing += _add_file(archive, issued.pdf, f"documents/{issued.numero}.pdf")
        # The letter is rendered from the decided demande, which never changes: not stored.
        for demande in _demandes_vae([d["numero"] for d in data["dossiers"]]):
            if demande.is_decided:
                archive.writestr(_lettre_name(demande), lettre_pdf(demande))
        data["fichiers absents"] = missing
        archive.writestr(
            "donnees.json", json.dumps(data, ensure_ascii=False, indent=2, default=str)
        )
        archive.writestr(
            "resume.html",
            render_to_string(
                "rgpd/export_resume.html",
                {"summary": summary(data), "organisation": by.organisation, "now": timezone.now()},
            ),
        )


def _add_file(archive: zipfile.ZipFile, file: FieldFile, name: str) -> list[str]:
    """Copies the stored file into the archive by chunks; its name when it cannot be read."""
    if not file:
        return []
    try:
        with file.open("rb") as handle, archive.open(name, "w") as entry:
            shutil.copyfileobj(handle, entry)
    except OSError:
        return [name]
    return []
