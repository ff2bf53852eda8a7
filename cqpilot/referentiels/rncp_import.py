"""Import of France Compétences' RNCP / RS export into certifications and draft référentiels.

parse (rncp_parser) → decide each fiche (rncp_rules) → build rows per batch of fiches → bulk write.
One transaction for the whole file: a file with a faulty or refused fiche commits nothing unless
`keep_valid` was asked for. The command line imports at once or, with --verifier, only checks
(check_rncp_export); the import page checks first and imports on confirmation (rncp_preview).
"""

import re
from collections.abc import Callable, Iterable
from itertools import islice
from pathlib import Path
from typing import BinaryIO

from django.db import transaction
from django.db.models import Max

from cqpilot.core.bulk import insert_rows
from cqpilot.core.french import compte
from cqpilot.core.models import CERTIFICATEUR_KINDS, Organisation, User

from .models import (
    MAX_DETAILED_FICHES,
    Bloc,
    Certification,
    CertificationCode,
    CertificationStatus,
    CertificationType,
    CodeKind,
    Competence,
    CorrespondanceBloc,
    CorrespondanceKind,
    FicheAction,
    ImportStatus,
    ReferentielVersion,
    RncpImport,
    VersionStatus,
)
from .rncp_parser import (
    FicheError,
    FluxWarning,
    RncpFiche,
    RncpFormatError,
    iter_fiches,
    split_items,
)
from .rncp_rules import FichePlan, plan_fiches

BATCH_SIZE = 250
MAX_REPORTED_ERRORS = 500


class _Rollback(Exception):
    pass


def certification_type(fiche: RncpFiche) -> CertificationType:
    # Real CQP fiches often have no ABREGE: the intitulé is the reliable marker (docs/rncp.md §6).
    if re.match(r"^CQPI\b", fiche.intitule, re.IGNORECASE):
        return CertificationType.CQPI
    if (
        fiche.abrege.upper() == "CQP"
        or re.match(r"^CQP\b", fiche.intitule, re.IGNORECASE)
        or "certificat de qualification professionnelle" in fiche.intitule.lower()
    ):
        return CertificationType.CQP
    return CertificationType.AUTRE


def import_rncp_export(
    source: str | Path | BinaryIO,
    *,
    file_name: str = "",
    fiche: str = "",
    organisation: Organisation | None = None,
    by: User | None = None,
    keep_valid: bool = False,
    as_model: bool = False,
) -> RncpImport:
    """Create or update the certifications of the export and a draft référentiel for each.

    `fiche` restricts the import to one NUMERO_FICHE; `organisation` is who imports: it may create
    certifications and update those it already certifies, from fiches naming it (rncp_rules);
    without it, the platform imports the register as it is. `as_model` imports the fiches the
    organisation may not import as its own as models of its own instead of refusing them.
    `keep_valid` commits the valid fiches of a file that also holds faulty or refused ones.
    """
    report = new_report(source, file_name, fiche, organisation, by, keep_valid, as_model)
    import_into(report, source)
    report.save()
    return report


def check_rncp_export(
    source: str | Path | BinaryIO,
    *,
    file_name: str = "",
    fiche: str = "",
    organisation: Organisation | None = None,
    keep_valid: bool = False,
    as_model: bool = False,
) -> RncpImport:
    """What `import_rncp_export` would do with `source`, fiche by fiche; writes nothing (the
    report returned is not saved either)."""
    report = new_report(source, file_name, fiche, organisation, None, keep_valid, as_model)
    check_into(report, source)
    return report


def new_report(
    source, file_name: str, fiche: str, organisation, by, keep_valid: bool, as_model: bool
) -> RncpImport:
    if as_model and organisation is None:
        raise ValueError("A model belongs to an organisation.")
    return RncpImport(
        fichier=file_name or str(getattr(source, "name", source)),
        fiche=fiche.strip().upper(),
        organisation=organisation,
        by=by,
        importer_valides=keep_valid,
        comme_modele=as_model,
    )


def import_into(report: RncpImport, source: str | Path | BinaryIO) -> None:
    """Import `source` with the options and organisation of `report`, and fill it in (unsaved)."""
    sirets = dict(
        Organisation.objects.filter(kind__in=CERTIFICATEUR_KINDS)
        .exclude(siret="")
        .values_list("siret", "pk")
    )
    try:
        with transaction.atomic():
            _decide(report, source, lambda plans: _import_batch(plans, report, sirets))
            if _fails(report):
                raise _Rollback
    except RncpFormatError as error:
        report.errors.insert(0, str(error))
        report.status = ImportStatus.ECHOUE
    except _Rollback:
        report.status = ImportStatus.ECHOUE
    else:
        report.status = (
            ImportStatus.PARTIEL if report.errors or report.fiches_refusees else ImportStatus.REUSSI
        )
    _close(report)


def check_into(report: RncpImport, source: str | Path | BinaryIO) -> None:
    """Decide every fiche as import_into would, count and detail them in `report`; no write."""
    # No transaction: nothing is written, and SQLite would lock writers out meanwhile.
    try:
        _decide(report, source, lambda plans: _count(plans, report))
    except RncpFormatError as error:
        report.errors.insert(0, str(error))
        report.status = ImportStatus.ECHOUE
    else:
        report.status = ImportStatus.ECHOUE if _fails(report) else ImportStatus.APERCU
    _close(report)


def _decide(report: RncpImport, source, use: Callable[[list[FichePlan]], None]) -> None:
    """Read the fiches in batches, decide each (rncp_rules) and hand the decisions to `use`."""
    seen: set[str] = set()
    fiches = _selected_fiches(iter_fiches(source), report.fiche, report)
    while batch := list(islice(fiches, BATCH_SIZE)):
        plans = plan_fiches(
            batch, organisation=report.organisation, as_model=report.comme_modele, seen=seen
        )
        _record(plans, report)
        use(plans)
    if report.fiches_lues == 0 and not report.errors:
        report.errors.append(
            f"La fiche {report.fiche} ne figure pas dans ce fichier."
            if report.fiche
            else "Ce fichier ne contient aucune fiche."
        )
    if report.fiches_importees + report.fiches_refusees > len(report.detail):
        report.warnings.append(
            f"Seules les {MAX_DETAILED_FICHES} premières fiches sont détaillées ici."
        )


def _fails(report: RncpImport) -> bool:
    """Nothing is saved when a fiche is faulty or refused, unless the valid ones were asked
    for and there are some."""
    problems = report.errors or report.fiches_refusees
    return bool(problems) and (not report.importer_valides or report.fiches_importees == 0)


def _close(report: RncpImport) -> None:
    if report.status == ImportStatus.ECHOUE:
        report.certifications_creees = report.fiches_importees = report.blocs_importes = 0
    report.errors = report.errors[:MAX_REPORTED_ERRORS]
    report.warnings = report.warnings[:MAX_REPORTED_ERRORS]


def _count(plans: list[FichePlan], report: RncpImport) -> None:
    """What _import_batch would count, without writing."""
    for plan in plans:
        if plan.action != FicheAction.REFUS:
            report.fiches_importees += 1
            report.certifications_creees += plan.certification is None
            report.blocs_importes += len(plan.fiche.blocs)


def _selected_fiches(
    items: Iterable[RncpFiche | FicheError | FluxWarning], fiche: str, report: RncpImport
) -> Iterable[RncpFiche]:
    for item in items:
        if isinstance(item, FluxWarning):
            report.warnings.append(str(item))
            continue
        if fiche and item.numero != fiche:
            continue
        report.fiches_lues += 1
        if isinstance(item, FicheError):
            report.errors.append(str(item))
            continue
        report.warnings.extend(
            f"Ligne {item.line}, fiche {item.numero} : {w}" for w in item.warnings
        )
        if item.numero.startswith("RS") and item.blocs:
            # RS fiches have no blocs (docs/rncp.md §5.8): a référentiel holding some could not
            # be published.
            codes = ", ".join(bloc.code for bloc in item.blocs)
            report.warnings.append(
                f"Ligne {item.line}, fiche {item.numero} : une fiche du répertoire spécifique n'a "
                f"pas de blocs de compétences : {compte(len(item.blocs), 'bloc ignoré', 'blocs ignorés')} ({codes})."
            )
            item.blocs = []
        yield item


def _record(plans: list[FichePlan], report: RncpImport) -> None:
    """Count and detail what is decided for each fiche (the detail stops at a bound: the
    platform's import of the whole register has 30,000 fiches)."""
    for plan in plans:
        if plan.action == FicheAction.REFUS:
            report.fiches_refusees += 1
    room = MAX_DETAILED_FICHES - len(report.detail)
    report.detail.extend(plan.as_line() for plan in plans[: max(room, 0)])


def _certification_fields(fiche: RncpFiche, *, as_model: bool) -> dict:
    if as_model:  # not registered: no level, no registration dates, no VAE (docs/domaine.md §3.1)
        return {
            "intitule": f"Modèle — {fiche.intitule}"[:800],
            "type": certification_type(fiche),
            "niveau": "",
            "status": CertificationStatus.EN_PROJET,
            "date_decision": None,
            "date_fin_enregistrement": None,
            "vae_ouverte": False,
        }
    is_rncp = fiche.numero.startswith("RNCP")
    return {
        "intitule": fiche.intitule[:800],
        "type": certification_type(fiche),
        "niveau": fiche.niveau if is_rncp else "",
        "status": CertificationStatus.ACTIVE if fiche.actif else CertificationStatus.INACTIVE,
        "date_decision": fiche.date_decision,
        "date_fin_enregistrement": fiche.date_fin_enregistrement,
        # Only the RNCP opens VAE (docs/domaine.md §3.1), whatever the fiche says.
        "vae_ouverte": fiche.vae_ouverte and is_rncp,
    }


def _import_batch(plans: list[FichePlan], report: RncpImport, sirets: dict[str, int]) -> None:
    organisation = report.organisation
    plans = [plan for plan in plans if plan.action != FicheAction.REFUS]
    if not plans:
        return
    fiches = [plan.fiche for plan in plans]
    new, updated, certifications, models = [], [], {}, set()
    for plan in plans:
        as_model = plan.action == FicheAction.MODELE
        fields = _certification_fields(plan.fiche, as_model=as_model)
        certification = plan.certification
        if certification is None:
            certification = Certification(
                code_rncp_rs="" if as_model else plan.fiche.numero,
                fiche_modele=plan.fiche.numero if as_model else "",
                **fields,
            )
            new.append(certification)
        else:
            if as_model:  # the organisation may have put its model to use since
                fields["status"] = certification.status
            for name, value in fields.items():
                setattr(certification, name, value)
            updated.append(certification)
        certifications[plan.fiche.numero] = certification
        if as_model:
            models.add(plan.fiche.numero)
    Certification.objects.bulk_create(new)
    Certification.objects.bulk_update(
        updated, list(_certification_fields(fiches[0], as_model=False).keys())
    )
    report.certifications_creees += len(new)

    owners = []
    for fiche in fiches:
        certification = certifications[fiche.numero]
        if organisation is None:  # the platform: the certificateurs the register names
            organisations = {sirets[s] for s, _ in fiche.certificateurs if s in sirets}
        else:  # never anybody else: they would read the importer's dossiers
            organisations = {organisation.pk}
        owners.extend(
            Certification.certificateurs.through(
                certification_id=certification.pk, organisation_id=pk
            )
            for pk in organisations
        )
    Certification.certificateurs.through.objects.bulk_create(owners, ignore_conflicts=True)

    CertificationCode.objects.filter(certification__in=updated).delete()
    codes = {}
    for fiche in fiches:
        certification = certifications[fiche.numero]
        for kind, values in (
            (CodeKind.NSF, fiche.nsf),
            (CodeKind.ROME, fiche.rome),
            (CodeKind.FORMACODE, fiche.formacodes),
        ):
            for code, libelle in values:
                codes[(certification.pk, kind, code[:10])] = CertificationCode(
                    certification=certification, kind=kind, code=code[:10], libelle=libelle[:300]
                )
    CertificationCode.objects.bulk_create(codes.values())

    versions = _draft_versions(
        updated, new, models={certifications[numero].pk: numero for numero in models}
    )
    blocs, bloc_fiches = [], []
    for fiche in fiches:
        version = versions[certifications[fiche.numero].pk]
        for ordre, rncp_bloc in enumerate(fiche.blocs, start=1):
            blocs.append(
                Bloc(
                    version=version,
                    code=rncp_bloc.code[:30],
                    intitule=rncp_bloc.libelle[:800],
                    est_optionnel=rncp_bloc.facultatif,
                    competences_texte=rncp_bloc.competences_texte,
                    modalites_texte=rncp_bloc.modalites_texte,
                    ordre=ordre,
                )
            )
            bloc_fiches.append(fiche)
    Bloc.objects.bulk_create(blocs)
    report.blocs_importes += len(blocs)

    _insert_competences(blocs)

    correspondances = []
    blocs_by_key = {(bloc.version_id, bloc.code): bloc for bloc in blocs}
    for fiche in fiches:
        version = versions[certifications[fiche.numero].pk]
        for link in fiche.correspondances:
            for source_code in link.blocs_source:
                bloc = blocs_by_key.get((version.pk, source_code))
                if bloc is None:
                    report.warnings.append(
                        f"Ligne {fiche.line}, fiche {fiche.numero} : la correspondance part du bloc "
                        f"{source_code}, absent de la fiche : ignorée."
                    )
                    continue
                kind = (
                    CorrespondanceKind.TOTALE
                    if len(link.blocs_source) == len(link.blocs_cible) == 1
                    else CorrespondanceKind.PARTIELLE
                )
                for target_code in link.blocs_cible or [""]:
                    correspondances.append(
                        CorrespondanceBloc(
                            bloc=bloc,
                            fiche_cible=link.fiche_cible[:12],
                            code_bloc_cible=target_code[:30],
                            kind=kind,
                            commentaire="Correspondance déclarée sur la fiche France compétences.",
                        )
                    )
    CorrespondanceBloc.objects.bulk_create(correspondances)
    report.fiches_importees += len(fiches)


def _insert_competences(blocs: list[Bloc]) -> None:
    """One competence per line of each bloc's text, linked to its bloc.

    Written as multi-row INSERTs: these are ~17 rows and ~17 links per fiche, and Django's
    per-object cost in bulk_create made them half of the import time of a full export
    (benchmarks/rncp_import.py).
    """
    rows = [
        (bloc.version_id, f"{bloc.code}-C{ordre:02d}", intitule, ordre)
        for bloc in blocs
        for ordre, intitule in enumerate(split_items(bloc.competences_texte), start=1)
    ]
    if not rows:
        return
    insert_rows(Competence._meta.db_table, ["version_id", "code", "intitule", "ordre"], rows)
    ids = {
        (version_id, code): pk
        for pk, version_id, code in Competence.objects.filter(
            version__in={bloc.version_id for bloc in blocs}
        ).values_list("pk", "version_id", "code")
    }
    bloc_ids = {(bloc.version_id, bloc.code): bloc.pk for bloc in blocs}
    links = [
        (bloc_ids[(version_id, code.rsplit("-C", 1)[0])], ids[(version_id, code)])
        for version_id, code, _intitule, _ordre in rows
    ]
    insert_rows(Bloc.competences.through._meta.db_table, ["bloc_id", "competence_id"], links)


def _draft_versions(
    updated: list[Certification], new: list[Certification], *, models: dict[int, str]
) -> dict[int, ReferentielVersion]:
    """The draft version that receives each certification's import: its current draft, emptied,
    or a new one after its published versions. `models` gives the fiche of each certification
    imported as a model."""
    drafts = {
        v.certification_id: v
        for v in ReferentielVersion.objects.filter(
            certification__in=updated, status=VersionStatus.BROUILLON
        )
    }
    if drafts:
        # Emptied through the ORM so that each removal is audit-logged.
        Bloc.objects.filter(version__in=drafts.values()).delete()
        Competence.objects.filter(version__in=drafts.values()).delete()
        for version in drafts.values():
            version.activites.all().delete()
    last_numbers = dict(
        ReferentielVersion.objects.filter(certification__in=updated)
        .values("certification")
        .annotate(last=Max("numero"))
        .values_list("certification", "last")
    )
    created = [
        ReferentielVersion(
            certification=certification,
            numero=last_numbers.get(certification.pk, 0) + 1,
            source=f"Modèle d'après la fiche {models[certification.pk]}"
            if certification.pk in models
            else "Import RNCP / RS",
            description=(
                f"Version créée comme modèle d'après la fiche {models[certification.pk]} de "
                "France compétences, dont votre organisation n'est pas certificatrice."
            )
            if certification.pk in models
            else "Version créée par l'import de la fiche France compétences.",
        )
        for certification in [*updated, *new]
        if certification.pk not in drafts
    ]
    ReferentielVersion.objects.bulk_create(created)
    drafts.update({v.certification_id: v for v in created})
    return drafts
