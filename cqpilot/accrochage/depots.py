"""Accrochage of the holders cqpilot issued documents to: which passages are due, the deposit
files (split to the CDC's limits, checked against the schema before anyone downloads them),
the processing reports, corrections and withdrawals. No HTTP here."""

import secrets
import tempfile
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from django.core.files import File
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cqpilot.core.models import Organisation, User
from cqpilot.delivrance.models import DocumentDelivre, DocumentKind, DocumentStatus
from cqpilot.dossiers.acquis import add_months
from cqpilot.dossiers.models import VoieAcces
from cqpilot.evaluations.models import Inscription

from .flux import (
    MAX_BYTES,
    MAX_PASSAGES,
    CertificationRef,
    Entete,
    Passage,
    Titulaire,
    write_files,
)
from .models import (
    FichierAccrochage,
    PassageAccrochage,
    PassageStatus,
    ReglagesAccrochage,
    SchemaVersion,
)
from .rapport import Rapport
from .schema import schema_errors

DEADLINE_MONTHS = 3  # R6113-17-2: within 3 months of the date of issue
DEROULEMENT = {"presentiel": "EN_PRESENTIEL", "distance": "A_DISTANCE", "mixte": "MIXTE"}


def depositing_organisation(user: User) -> Organisation | None:
    """The certifier whose deposits the user manages (its managers); None for anyone else,
    the super-administrator included (he has the standalone tool)."""
    if not user.is_certificateur_manager:
        return None
    return user.organisation


class DepotRefus(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def ensure_passages(organisation: Organisation) -> int:
    """Passages for the documents issued since the last visit (registered certifications only:
    the others are not deposited; no bloc of an RS one, which has none), and withdrawals for the
    documents cancelled since."""
    new = []
    for document in (
        DocumentDelivre.objects.filter(
            organisation=organisation, status=DocumentStatus.VALIDE, passages__isnull=True
        )
        .exclude(certification__code_rncp_rs="")
        .exclude(kind=DocumentKind.ATTESTATION, certification__code_rncp_rs__startswith="RS")
        .prefetch_related("blocs")
    ):
        deadline = add_months(document.date_delivrance, DEADLINE_MONTHS)
        blocs = document.blocs.all() if document.kind == DocumentKind.ATTESTATION else [None]
        new.extend(
            PassageAccrochage(
                organisation=organisation,
                document=document,
                bloc=bloc,
                id_technique=f"cqpilot-{organisation.pk}-{document.numero}"
                + (f"-{bloc.code}" if bloc else ""),
                date_limite=deadline,
            )
            for bloc in blocs
        )
    PassageAccrochage.objects.bulk_create(new)
    cancelled = PassageAccrochage.objects.filter(
        organisation=organisation, document__status=DocumentStatus.ANNULE
    )
    # Nothing at the CDC yet: nothing to withdraw.
    cancelled.filter(status__in=[PassageStatus.A_DEPOSER, PassageStatus.REJETE]).update(
        status=PassageStatus.RETIRE
    )
    cancelled.filter(status__in=[PassageStatus.DEPOSE, PassageStatus.ACCEPTE]).update(
        status=PassageStatus.A_RETIRER
    )
    return len(new)


def due(organisation: Organisation):
    return PassageAccrochage.objects.filter(
        organisation=organisation, status=PassageStatus.A_DEPOSER
    )


def _titulaire(candidat, version: str) -> Titulaire:
    insee = candidat.code_insee_naissance
    abroad = insee.startswith("99")
    return Titulaire(
        nom_naissance=candidat.nom_naissance,
        nom_usage=candidat.nom_usage,
        prenom1=candidat.prenom1,
        prenom2=candidat.prenom2,
        prenom3=candidat.prenom3,
        sexe=candidat.sexe,
        annee_naissance=candidat.annee_naissance,
        mois_naissance=candidat.mois_naissance,
        jour_naissance=candidat.jour_naissance,
        code_insee_naissance=insee,
        code_postal_naissance="" if insee else candidat.code_postal_naissance,
        libelle_commune_naissance="" if abroad else candidat.commune_naissance,
        code_pays_naissance=insee[2:] if abroad else "",
        libelle_pays_naissance=candidat.pays_naissance if abroad else "",
        # Since the decree of 30/12/2024 the NIR is sent when known: 13 characters, no key.
        nir13=candidat.nir[:13] if version == SchemaVersion.V2026 and candidat.nir else "",
    )


def passage_of(item: PassageAccrochage, version: str, sessions: dict) -> Passage:
    document = item.document
    dossier = document.dossier
    session = sessions.get(dossier.pk)
    voie = VoieAcces.cdc_value(dossier.voie_acces)
    return Passage(
        id_technique=item.id_technique,
        titulaire=_titulaire(dossier.candidat, version),
        date_debut_validite=document.date_delivrance,
        date_debut_examen=session.date_debut if session else None,
        date_fin_examen=(session.date_fin or session.date_debut) if session else None,
        modalite_examen=DEROULEMENT.get(session.deroulement, "") if session else "",
        code_postal_centre=session.code_postal if session else "",
        modalite_acces=voie,
        voie_vae=dossier.voie_vae if voie == VoieAcces.VAE else "",
        initiative=dossier.initiative,
        date_inscription=dossier.date_inscription,
    )


def _sessions(passages: list[PassageAccrochage]) -> dict:
    """The latest evaluation session of each dossier, in one query."""
    latest = {}
    for inscription in (
        Inscription.objects.filter(dossier__in=[p.document.dossier_id for p in passages])
        .select_related("session")
        .order_by("session__date_debut")
    ):
        latest[inscription.dossier_id] = inscription.session
    return latest


@transaction.atomic
def build_files(
    organisation: Organisation,
    passages: Iterable[PassageAccrochage],
    *,
    by: User,
    action: str = "CREATION",
    max_passages: int = MAX_PASSAGES,
    max_bytes: int = MAX_BYTES,
) -> list[FichierAccrochage]:
    """The deposit files for these passages, each valid against the schema of the certifier's
    generation; refused, in French, rather than producing a file the CDC would reject."""
    reglages = ReglagesAccrochage.objects.filter(organisation=organisation).first()
    if reglages is None:
        raise DepotRefus("Renseignez d'abord vos identifiants de la Caisse des Dépôts (réglages).")
    passages = list(
        PassageAccrochage.objects.filter(
            pk__in=[p.pk for p in passages], organisation=organisation
        ).select_related("document__dossier__candidat", "document__certification", "bloc")
    )
    if not passages:
        raise DepotRefus("Aucun passage sélectionné.")
    version = reglages.version_schema
    if action == "SUPPRESSION":
        if version != SchemaVersion.V2026:
            raise DepotRefus(
                "Le retrait d'un passage (flux SUPPRESSION) n'existe que dans le schéma 2026 : "
                "changez la génération du schéma dans les réglages, ou demandez le retrait à la "
                "Caisse des Dépôts."
            )
        wrong = [
            p
            for p in passages
            if p.status
            not in (PassageStatus.A_RETIRER, PassageStatus.DEPOSE, PassageStatus.ACCEPTE)
        ]
    else:
        wrong = [
            p for p in passages if p.status not in (PassageStatus.A_DEPOSER, PassageStatus.REJETE)
        ]
    if wrong:
        raise DepotRefus(
            f"{len(wrong)} passage(s) ne peuvent pas être "
            + ("retirés" if action == "SUPPRESSION" else "déposés")
            + f", dont {wrong[0].document.dossier.candidat} (« {wrong[0].get_status_display()} »)."
            + (
                ""
                if action == "SUPPRESSION"
                else " Un passage accepté ne se redépose qu'après « Corriger »."
            )
        )
    sessions = _sessions(passages)
    by_certification = defaultdict(list)
    for item in passages:
        certification = item.document.certification
        kind = "RNCP" if certification.is_rncp else "RS"
        code = item.bloc.code if item.bloc else certification.code_rncp_rs
        by_certification[CertificationRef(kind, code)].append(item)
    now = timezone.now()
    entete = Entete(
        id_flux=f"CQPILOT-{organisation.pk}-{now:%Y%m%d%H%M%S}-{secrets.token_hex(3)}",
        horodatage=timezone.localtime(now),
        id_client_emetteur=reglages.id_client_deposant or reglages.id_client,
        id_client_certificateur=reglages.id_client,
        id_contrat=reglages.id_contrat,
        certifications=[
            (
                CertificationRef(
                    ref.type,
                    ref.code,
                    "TIERS_CONFIANCE" if reglages.id_client_deposant else "CERTIFICATEUR",
                ),
                (passage_of(item, version, sessions) for item in items),
            )
            for ref, items in by_certification.items()
        ],
        action=action if version == SchemaVersion.V2026 else "",
    )
    ordered = [item for items in by_certification.values() for item in items]
    with tempfile.TemporaryDirectory() as tmp:
        paths: list[Path] = []
        handles = []

        def open_file(number: int):
            paths.append(Path(tmp) / f"{entete.id_flux}-{number}.xml")
            handles.append(open(paths[-1], "wb", buffering=1 << 20))  # noqa: SIM115 - closed below
            return handles[-1]

        try:
            written = write_files(entete, open_file, max_passages=max_passages, max_bytes=max_bytes)
        finally:
            for handle in handles:
                handle.close()
        files, start = [], 0
        for path, result in zip(paths, written, strict=True):
            if errors := schema_errors(path, version):
                raise DepotRefus("Fichier non conforme, rien n'a été produit : " + errors[0])
            included = ordered[start : start + result.passages]
            start += result.passages
            record = FichierAccrochage(
                organisation=organisation,
                id_flux=result.id_flux,
                action=action,
                version_schema=version,
                nombre=result.passages,
                taille=result.size,
                by=by,
            )
            with open(path, "rb") as content:
                record.fichier.save(f"{result.id_flux}.xml", File(content), save=False)
            record.save()
            record.passages.set(included)
            files.append(record)
            status = PassageStatus.RETIRE if action == "SUPPRESSION" else PassageStatus.DEPOSE
            PassageAccrochage.objects.filter(pk__in=[p.pk for p in included]).update(
                status=status, last_file=record, message_cdc=""
            )
    return files


@transaction.atomic
def record_report(fichier: FichierAccrochage, rapport: Rapport) -> dict[str, int]:
    """Each passage of the file takes the CDC's verdict; returns the counts. Raises
    RapportError for a report of another file."""
    rapport.check_answers(fichier.id_flux)
    passages = {p.id_technique: p for p in fichier.passages.all()}
    counts = {"acceptes": 0, "rejetes": 0}
    if rapport.file_errors:  # the whole file was refused: every passage is to deposit again
        message = " ; ".join(rapport.file_errors)[:2000]
        PassageAccrochage.objects.filter(pk__in=[p.pk for p in passages.values()]).update(
            status=PassageStatus.REJETE, message_cdc=f"Fichier rejeté : {message}"
        )
        counts["rejetes"] = len(passages)
    for id_technique in rapport.accepted:
        if item := passages.get(id_technique):
            item.status, item.message_cdc, item.correction = PassageStatus.ACCEPTE, "", False
            item.save(update_fields=["status", "message_cdc", "correction", "updated_at"])
            counts["acceptes"] += 1
    for id_technique, message in rapport.rejected.items():
        if item := passages.get(id_technique):
            item.status, item.message_cdc = PassageStatus.REJETE, message
            item.save(update_fields=["status", "message_cdc", "updated_at"])
            counts["rejetes"] += 1
    fichier.rapport = rapport.as_record()
    fichier.save(update_fields=["rapport"])
    return counts


def correct(item: PassageAccrochage) -> None:
    """An accepted passage whose data was corrected is deposited again, same idTechnique."""
    if item.status != PassageStatus.ACCEPTE:
        raise DepotRefus("Seul un passage accepté se corrige ; les autres se déposent.")
    item.status, item.correction = PassageStatus.A_DEPOSER, True
    item.save(update_fields=["status", "correction", "updated_at"])


def overdue_filter(today) -> Q:
    return Q(status__in=[PassageStatus.A_DEPOSER, PassageStatus.REJETE], date_limite__lt=today)
