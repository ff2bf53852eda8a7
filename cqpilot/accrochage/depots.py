"""Accrochage of the holders cqpilot issued documents to: which passages are due, the deposit
files (split to the CDC's limits, checked against the schema before anyone downloads them),
the processing reports, corrections and withdrawals. No HTTP here."""

import secrets
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path

from django.core.files import File
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from cqpilot.core.cells import printable
from cqpilot.core.french import accorde, compte
from cqpilot.core.models import Organisation, User
from cqpilot.delivrance.documents import verification_url
from cqpilot.delivrance.models import DocumentDelivre, DocumentKind, DocumentStatus
from cqpilot.dossiers.acquis import add_months, valid_until
from cqpilot.dossiers.models import BlocAcquis, Candidat, VoieAcces, VoieVae
from cqpilot.evaluations.models import Inscription

from . import lifecycle
from .flux import (
    MAX_BYTES,
    MAX_PASSAGES,
    CertificationRef,
    Entete,
    Passage,
    Titulaire,
    forbidden_characters,
    national_identifier,
    write_files,
)
from .lifecycle import Event
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
URL_PREUVE_MAX = 255  # the schema's maxLength
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


def _depositable(documents):
    """The documents whose holders are deposited: valid, of a registered certification (the
    others are not deposited), and no attestation of an RS one (it has no bloc)."""
    return (
        documents.filter(status=DocumentStatus.VALIDE)
        .exclude(certification__code_rncp_rs="")
        .exclude(kind=DocumentKind.ATTESTATION, certification__code_rncp_rs__startswith="RS")
    )


def _new_passages(document: DocumentDelivre) -> list[PassageAccrochage]:
    organisation = document.organisation
    deadline = add_months(document.date_delivrance, DEADLINE_MONTHS)
    blocs = document.blocs.all() if document.kind == DocumentKind.ATTESTATION else [None]
    return [
        PassageAccrochage(
            organisation=organisation,
            document=document,
            bloc=bloc,
            id_technique=f"cqpilot-{organisation.pk}-{document.numero}"
            + (f"-{bloc.code}" if bloc else ""),
            date_limite=deadline,
        )
        for bloc in blocs
    ]


def on_issued(sender, document: DocumentDelivre, **kwargs) -> None:
    """A document was issued (delivrance.services, in its transaction): its passages are due."""
    if _depositable(DocumentDelivre.objects.filter(pk=document.pk, passages__isnull=True)).exists():
        PassageAccrochage.objects.bulk_create(_new_passages(document))


def on_cancelled(sender, document: DocumentDelivre, **kwargs) -> None:
    """A document was cancelled (delivrance.services, in its transaction): its passages are
    withdrawn when the CDC holds them (or may), without object otherwise."""
    lifecycle.follow_cancellations(document.organisation, document=document)


def ensure_passages(organisation: Organisation) -> int:
    """The passages of documents issued or cancelled without them (before they were written on
    issuance and cancellation: the command `accrochage_passages`; documents made by the tests'
    factories), and what follows from a cancellation; a write, never called by a page that
    only shows them."""
    new = []
    for document in _depositable(
        DocumentDelivre.objects.filter(organisation=organisation, passages__isnull=True)
    ).prefetch_related("blocs"):
        new.extend(_new_passages(document))
    PassageAccrochage.objects.bulk_create(new)
    lifecycle.follow_cancellations(organisation)
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
        nir13=national_identifier(candidat.nir)[0] if version == SchemaVersion.V2026 else "",
    )


def _end_of_validity(item: PassageAccrochage) -> date | None:
    """A bloc acquired for a limited time ends its validity when later dossiers stop counting it,
    from the jury's decision (dossiers.acquis); a whole certification is for life."""
    if item.bloc is None:
        return None
    acquired = BlocAcquis(bloc=item.bloc, date_obtention=item.document.date_decision)
    return valid_until(acquired)


def verification_prefix() -> str:
    """delivrance's verification_url up to the code, reversed once per deposit: reversing it for
    each of 200,000 passages would take 5 s. A code is alphanumeric (new_code): nothing to quote."""
    return verification_url("0")[:-1]


def _proof(document: DocumentDelivre, prefix: str) -> str:
    # The public page that verifies the document; the CDC takes at most 255 characters, and a
    # longer address (an unusual PUBLIC_URL) is left out rather than failing the deposit.
    url = prefix + document.code
    return url if len(url) <= URL_PREUVE_MAX else ""


def passage_of(
    item: PassageAccrochage, version: str, sessions: dict, *, verification: str
) -> Passage:
    """The passage as the file says it; `verification` is verification_prefix()."""
    document = item.document
    dossier = document.dossier
    session = sessions.get(dossier.pk)
    voie = VoieAcces.cdc_value(dossier.voie_acces)
    return Passage(
        id_technique=item.id_technique,
        titulaire=_titulaire(dossier.candidat, version),
        url_preuve=_proof(document, verification),
        date_debut_validite=document.date_delivrance,
        date_fin_validite=_end_of_validity(item),
        date_debut_examen=session.date_debut if session else None,
        date_fin_examen=(session.date_fin or session.date_debut) if session else None,
        modalite_examen=DEROULEMENT.get(session.deroulement, "") if session else "",
        code_postal_centre=session.code_postal if session else "",
        modalite_acces=voie,
        # A VAE without congé VAE is what the CDC calls « classique »: the kind is always sent.
        voie_vae=(dossier.voie_vae or VoieVae.VAE_CLASSIQUE) if voie == VoieAcces.VAE else "",
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
    ensure_passages(organisation)  # a document cancelled since the page was shown is not sent
    passages = list(
        PassageAccrochage.objects.filter(
            pk__in=[p.pk for p in passages], organisation=organisation
        ).select_related(
            "document__dossier__candidat",
            "document__certification",
            "bloc__version__certification",
        )
    )
    if not passages:
        raise DepotRefus("Aucun passage sélectionné.")
    version = reglages.version_schema
    withdrawal = action == "SUPPRESSION"
    if withdrawal and version != SchemaVersion.V2026:
        raise DepotRefus(
            "Le retrait d'un passage (flux SUPPRESSION) n'existe que dans le schéma 2026 : "
            "changez la génération du schéma dans les réglages, ou demandez le retrait à la "
            "Caisse des Dépôts."
        )
    event = Event.RETRAIT if withdrawal else Event.DEPOT
    allowed = lifecycle.sources(event)
    if wrong := [p for p in passages if p.status not in allowed]:
        raise DepotRefus(
            f"{compte(len(wrong), 'passage')} "
            + accorde(len(wrong), "ne peut pas être ", "ne peuvent pas être ")
            + accorde(len(wrong), *(("retiré", "retirés") if withdrawal else ("déposé", "déposés")))
            + f", dont {wrong[0].document.dossier.candidat} (« {wrong[0].get_status_display()} »)."
            + ("" if withdrawal else " Un passage accepté ne se redépose qu'après « Corriger ».")
        )
    sessions = _sessions(passages)
    by_certification = defaultdict(list)
    for item in passages:
        certification = item.document.certification
        kind = "RNCP" if certification.is_rncp else "RS"
        code = item.bloc.code if item.bloc else certification.code_rncp_rs
        by_certification[CertificationRef(kind, code)].append(item)
    unwritable: dict[Candidat, dict[str, str]] = {}
    warnings: dict[str, str] = {}  # idTechnique → what the user should know of its passage
    verification = verification_prefix()

    def writable(items: list[PassageAccrochage]) -> Iterator[Passage]:
        for item in items:
            passage = passage_of(item, version, sessions, verification=verification)
            candidat = item.document.dossier.candidat
            if version == SchemaVersion.V2026 and (refusal := national_identifier(candidat.nir)[1]):
                warnings[item.id_technique] = f"{printable(str(candidat))} : {refusal}"
            if found := forbidden_characters(passage):
                unwritable.setdefault(item.document.dossier.candidat, {}).update(found)
            else:
                yield passage

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
                writable(items),
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
        if unwritable:
            raise DepotRefus(_unwritable_message(unwritable))
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
                avertissements=list(
                    dict.fromkeys(
                        warnings[p.id_technique] for p in included if p.id_technique in warnings
                    )
                ),
                by=by,
            )
            with open(path, "rb") as content:
                record.fichier.save(record.download_name, File(content), save=False)
            record.save()
            record.passages.set(included)
            files.append(record)
            lifecycle.apply(included, event, fichier=record)
    return files


# What each field of the file is called on the candidate's record, where it is corrected.
_CANDIDAT_FIELDS = {
    "titulaire.nom_naissance": "nom_naissance",
    "titulaire.nom_usage": "nom_usage",
    "titulaire.prenom1": "prenom1",
    "titulaire.prenom2": "prenom2",
    "titulaire.prenom3": "prenom3",
    "titulaire.code_insee_naissance": "code_insee_naissance",
    "titulaire.code_postal_naissance": "code_postal_naissance",
    "titulaire.libelle_commune_naissance": "commune_naissance",
    "titulaire.libelle_pays_naissance": "pays_naissance",
    "titulaire.nir13": "nir",
}
_OTHER_FIELDS = {"code_postal_centre": "code postal du centre de la session d'évaluation"}
_NAMED = 5  # holders named in the message; the others are counted


def _unwritable_message(unwritable: dict[Candidat, dict[str, str]]) -> str:
    """Forms accept a control character typed or pasted into a name; the CDC's XML cannot carry
    it. Each holder is named with the fields to retype, rather than a file failing half-way."""

    def label(name: str) -> str:
        if name in _CANDIDAT_FIELDS:
            return str(Candidat._meta.get_field(_CANDIDAT_FIELDS[name]).verbose_name)
        return _OTHER_FIELDS.get(name, name)

    holders = [
        f"{printable(str(candidat))} ("
        + " ; ".join(f"{label(name)} : U+{ord(c):04X}" for name, c in found.items())
        + ")"
        for candidat, found in unwritable.items()
    ]
    more = len(holders) - _NAMED
    return (
        "Aucun fichier produit : un caractère de contrôle invisible, que le format de la Caisse "
        "des Dépôts interdit, est dans la fiche de "
        + ", ".join(holders[:_NAMED])
        + (f" et de {compte(more, 'autre titulaire', 'autres titulaires')}" if more > 0 else "")
        + ". Retapez ces champs sur la fiche du candidat, puis produisez le fichier à nouveau."
    )


@transaction.atomic
def record_report(fichier: FichierAccrochage, rapport: Rapport) -> dict[str, int]:
    """Each passage of the file takes the CDC's verdict, through lifecycle.TRANSITIONS; returns
    the counts of verdicts applied, and of passages left as they were (a later file carries them,
    or the verdict does not apply: a report never downgrades what the CDC accepted). Raises
    RapportError for a report of another file."""
    rapport.check_answers(fichier.id_flux, file_name=fichier.download_name)
    accepted, rejected = (
        (Event.RETRAIT_ACCEPTE, Event.RETRAIT_REFUSE)
        if fichier.is_withdrawal
        else (Event.ACCEPTE, Event.REJETE)
    )
    verdicts: dict[str, tuple[str, str]] = {}  # idTechnique → event, message of the CDC
    if rapport.file_errors:  # the whole file was refused: none of its passages was read
        message = f"Fichier rejeté : {' ; '.join(rapport.file_errors)}"[:2000]
        verdicts.update(
            (i, (rejected, message))
            for i in fichier.passages.values_list("id_technique", flat=True)
        )
    verdicts.update((i, (accepted, "")) for i in rapport.accepted)
    verdicts.update((i, (rejected, m)) for i, m in rapport.rejected.items())
    by_event: dict[str, list[PassageAccrochage]] = defaultdict(list)
    counts = {"acceptes": 0, "rejetes": 0, "inchanges": 0}
    for passage in fichier.passages.all():
        if passage.id_technique not in verdicts:
            continue  # no answer yet: still awaiting
        if passage.last_file_id != fichier.pk:
            counts["inchanges"] += 1  # a later file carries it: its report decides
            continue
        by_event[verdicts[passage.id_technique][0]].append(passage)
    for event, passages in by_event.items():
        messages = {p.pk: verdicts[p.id_technique][1] for p in passages}
        left = lifecycle.apply(passages, event, messages=messages)
        counts["inchanges"] += len(left)
        counts["acceptes" if event == accepted else "rejetes"] += len(passages) - len(left)
    fichier.rapport = rapport.as_record()
    fichier.save(update_fields=["rapport"])
    return counts


def correct(item: PassageAccrochage) -> None:
    """An accepted passage whose data was corrected is deposited again, same idTechnique."""
    if lifecycle.apply([item], Event.CORRECTION):
        raise DepotRefus("Seul un passage accepté se corrige ; les autres se déposent.")


def overdue_filter(today) -> Q:
    return Q(status__in=[PassageStatus.A_DEPOSER, PassageStatus.REJETE], date_limite__lt=today)


def status_counts(passages) -> dict[str, int]:
    """How many passages of the queryset are in each status (every status, 0 included): the page
    and pilotage count with it, so that they agree."""
    found = dict(passages.order_by().values_list("status").annotate(total=Count("pk")))
    return {status: found.get(status, 0) for status in PassageStatus.values}
