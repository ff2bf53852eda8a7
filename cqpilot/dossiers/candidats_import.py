"""Bulk import of candidates and their dossiers from an xlsx or csv file.

read (core.tabular) → map headers → clean each cell → validate each row (identity, eligibility)
→ write. Nothing is written while a row is faulty, unless the user asked for the valid rows only.
Rows already imported (same person, same certification, same enrolment date) are skipped, so
importing a file twice creates nothing the second time.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import BinaryIO

from django.db import connection, transaction
from django.db.models import Prefetch
from django.utils import timezone

from cqpilot.core.bulk import create_objects, insert_rows
from cqpilot.core.cells import (
    CellError,
    as_bool,
    as_date,
    as_integer,
    as_text,
    choice_reader,
    normalise_header,
)
from cqpilot.core.french import accorde
from cqpilot.core.models import Organisation, OrganisationKind, User
from cqpilot.core.tabular import Problem, TabularFileError, map_columns, read_table
from cqpilot.core.validators import normalise_nir
from cqpilot.referentiels.models import Bloc, Certification, ReferentielVersion, VersionStatus

from .access import grant_new_rows
from .eligibility import eligibility
from .forms import can_handle_nir
from .identity import identity_problems, normalise_name
from .import_columns import BY_HEADER, BY_KEY, COLUMNS
from .models import (
    Candidat,
    CandidatImport,
    Dossier,
    DossierState,
    DossierTransition,
    Habilitation,
    Initiative,
)

MAX_REPORTED_ERRORS = 1000


@dataclass
class CleanRow:
    line: int
    candidat: Candidat
    certification: Certification
    version: ReferentielVersion
    organisme: Organisation | None
    dossier: dict
    blocs: list[Bloc]

    @cached_property
    def identity(self) -> tuple:
        """Who the row is about, accents and case aside: computed once, used by every step."""
        c = self.candidat
        return _identity_key(
            c.nom_naissance, c.prenom1, c.annee_naissance, c.mois_naissance, c.jour_naissance
        )


@dataclass
class Outcome:
    rows: int = 0
    valid: list[CleanRow] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


CHOICE_READERS = {c.key: choice_reader(c.choices) for c in COLUMNS if c.choices}
TEXT_LIMITS = {
    "email": 254,
    "telephone": 20,
    "adresse": 500,
    "certification": 800,
    "blocs_vises": 500,
}
CANDIDAT_FIELDS = [
    "nom_naissance", "nom_usage", "prenom1", "prenom2", "prenom3", "sexe", "jour_naissance",
    "mois_naissance", "annee_naissance", "code_insee_naissance", "code_postal_naissance",
    "commune_naissance", "pays_naissance", "email", "telephone", "situation", "employeur_siret",
    "employeur_idcc",
]  # fmt: skip


def _clean_cell(key: str, value: object) -> object:
    if key in CHOICE_READERS:
        return CHOICE_READERS[key](value)
    if key == "jour_naissance":
        return as_integer(value, 1, 31)
    if key == "mois_naissance":
        return as_integer(value, 1, 12)
    if key == "annee_naissance":
        return as_integer(value, 1900, 2100)
    if key == "experience_mois":
        return as_integer(value, 0, 900)
    if key == "date_inscription":
        return as_date(value)
    if key == "cpf":
        return as_bool(value)
    text = as_text(value, TEXT_LIMITS.get(key, 60))
    return text.upper() if key in ("code_insee_naissance", "nir") else text


class _Context:
    """What every row is checked against, loaded once per file."""

    def __init__(self, user: User) -> None:
        self.user = user
        organisation = user.organisation
        self.is_organisme = organisation is not None and not organisation.is_certificateur
        self.may_give_nir = can_handle_nir(user)
        if self.is_organisme:
            certifications = Certification.objects.filter(
                habilitations__organisme=organisation
            ).distinct()
        else:
            certifications = Certification.objects.visible_to(user)
        published = ReferentielVersion.objects.filter(status=VersionStatus.PUBLIEE).order_by(
            "-numero"
        )
        self.certifications = {}
        for certification in certifications.prefetch_related(
            Prefetch("versions", queryset=published, to_attr="published")
        ):
            if certification.code_rncp_rs:
                self.certifications[certification.code_rncp_rs.upper()] = certification
            self.certifications[normalise_header(certification.intitule)] = certification
        versions = [c.published[0] for c in self.certifications.values() if c.published]
        self.blocs = {
            (b.version_id, b.code.upper()): b for b in Bloc.objects.filter(version__in=versions)
        }
        self.organismes = dict(
            Organisation.objects.filter(kind=OrganisationKind.ORGANISME_FORMATION)
            .exclude(siret="")
            .values_list("siret", "pk")
        )
        self.organisme_objects: dict[int, Organisation] = {}
        self.habilitations: dict[tuple[int, int], list[Habilitation]] = defaultdict(list)
        for habilitation in Habilitation.objects.filter(
            certification__in={c.pk for c in self.certifications.values()}
        ).prefetch_related("blocs"):
            key = (habilitation.organisme_id, habilitation.certification_id)
            self.habilitations[key].append(habilitation)

    def organisme(self, siret: str) -> Organisation | None:
        pk = self.organismes.get(siret)
        if pk is None:
            return None
        if pk not in self.organisme_objects:
            self.organisme_objects[pk] = Organisation.objects.get(pk=pk)
        return self.organisme_objects[pk]


def _identity_key(nom: str, prenom: str, annee: int, mois: int | None, jour: int | None) -> tuple:
    return (normalise_name(nom), normalise_name(prenom), annee, mois, jour)


def check_file(file: BinaryIO, filename: str, *, by: User) -> Outcome:
    """Read and validate every row; writes nothing."""
    outcome = Outcome()
    try:
        table = read_table(file, filename)
    except TabularFileError as error:
        outcome.errors.append(Problem(0, "", str(error)))
        return outcome
    mapped = map_columns(table.headers, COLUMNS, BY_HEADER)
    columns, missing = mapped.indexes, mapped.missing
    outcome.warnings.extend(Problem(1, h, "colonne inconnue, ignorée.") for h in mapped.unknown)
    outcome.errors.extend(Problem(1, h, "colonne présente deux fois.") for h in mapped.duplicated)
    if missing:
        outcome.errors.append(
            Problem(
                1,
                "",
                accorde(
                    len(missing),
                    "colonne obligatoire absente",
                    "colonnes obligatoires absentes",
                )
                + " : "
                + ", ".join(missing)
                + ". Partez du modèle à télécharger.",
            )
        )
    if outcome.errors:
        return outcome
    context = _Context(by)
    seen_in_file: dict[tuple, int] = {}
    for line, cells in table.rows:
        outcome.rows += 1
        row = _check_row(line, cells, columns, context, outcome)
        if row is None:
            continue
        key = (row.identity, row.certification.pk, row.dossier["date_inscription"])
        if key in seen_in_file:
            outcome.errors.append(
                Problem(
                    line,
                    "",
                    f"même personne, même certification et même date que la ligne {seen_in_file[key]}.",
                )
            )
            continue
        seen_in_file[key] = line
        outcome.valid.append(row)
    return outcome


def _check_row(line, cells, columns, context: _Context, outcome: Outcome) -> CleanRow | None:
    """Every fault of the row: a faulty or missing cell leaves out only the checks that need its
    value, so that one bad cell does not hide the row's other faults."""
    values, errors, failed = {}, [], set()
    for key, index in columns.items():
        raw = cells[index] if index < len(cells) else None
        try:
            values[key] = _clean_cell(key, raw)
        except CellError as error:
            errors.append(Problem(line, BY_KEY[key].header, str(error)))
            failed.add(key)
    for column in COLUMNS:
        if column.required and column.key in columns and values.get(column.key) in (None, ""):
            if column.key not in failed:
                errors.append(Problem(line, column.header, "obligatoire."))
            failed.add(column.key)
    candidat = Candidat(
        **{
            name: values[name]
            for name in CANDIDAT_FIELDS
            if name in values and values[name] is not None
        }
    )
    candidat.created_by_organisation = context.user.organisation
    if values.get("nir"):
        if not context.may_give_nir:
            errors.append(
                Problem(line, "NIR", "seul le certificateur collecte le NIR : videz cette colonne.")
            )
        else:
            candidat.nir = normalise_nir(values["nir"])
    birth = {"jour_naissance", "mois_naissance", "annee_naissance"}
    for problem in identity_problems(candidat):
        if problem.field in failed or (problem.field in birth and failed & birth):
            continue  # told already, from its cell
        column = BY_KEY[problem.field].header if problem.field in BY_KEY else ""
        (errors if problem.blocking else outcome.warnings).append(
            Problem(line, column, problem.message)
        )
    if "certification" in failed:
        outcome.errors.extend(errors)
        return None
    certification = context.certifications.get(
        values["certification"].upper()
    ) or context.certifications.get(normalise_header(values["certification"]))
    if certification is None:
        errors.append(
            Problem(
                line,
                "Certification",
                f"« {values['certification']} » : certification inconnue, ou pour laquelle vous n'êtes pas habilité.",
            )
        )
        outcome.errors.extend(errors)
        return None
    version = certification.published[0] if certification.published else None
    if context.is_organisme:
        organisme = context.user.organisation
    elif values.get("organisme_siret"):
        organisme = context.organisme(values["organisme_siret"])
        if organisme is None:
            errors.append(
                Problem(
                    line,
                    "SIRET de l'organisme de formation",
                    f"aucun organisme de formation n'a le SIRET {values['organisme_siret']}.",
                )
            )
    else:
        organisme = None
    blocs = []
    for code in filter(
        None,
        (c.strip().upper() for c in values.get("blocs_vises", "").replace(";", ",").split(",")),
    ):
        bloc = context.blocs.get((version.pk if version else None, code))
        if bloc is None:
            errors.append(
                Problem(
                    line,
                    "Blocs visés",
                    f"le bloc {code} n'existe pas dans le référentiel en vigueur.",
                )
            )
        else:
            blocs.append(bloc)
    if failed & {"voie_acces", "voie_vae", "date_inscription", "experience_mois", "cpf"}:
        outcome.errors.extend(errors)  # eligibility needs them all
        return None
    dossier = {
        "voie_acces": values["voie_acces"],
        "voie_vae": values.get("voie_vae", ""),
        "initiative": values.get("initiative")
        or (Initiative.OF if context.is_organisme else Initiative.CERTIFIE),
        "date_inscription": values["date_inscription"],
        "experience_mois": values.get("experience_mois"),
        "cpf": values.get("cpf", False),
    }
    result = eligibility(
        certification=certification,
        version=version,
        organisme=organisme,
        blocs_vises=blocs,
        voie_acces=dossier["voie_acces"],
        voie_vae=dossier["voie_vae"],
        date_inscription=dossier["date_inscription"],
        experience_mois=dossier["experience_mois"],
        cpf=dossier["cpf"],
        habilitations=context.habilitations[(organisme.pk, certification.pk)]
        if organisme
        else None,
    )
    for refus in result.refus:
        column = BY_KEY.get(refus.field).header if refus.field in BY_KEY else ""
        errors.append(Problem(line, column, refus.message))
    for avertissement in result.avertissements:
        column = BY_KEY.get(avertissement.field).header if avertissement.field in BY_KEY else ""
        outcome.warnings.append(Problem(line, column, avertissement.message))
    if errors:
        outcome.errors.extend(errors)
        return None
    return CleanRow(line, candidat, certification, version, organisme, dossier, blocs)


def import_candidats(
    file: BinaryIO, filename: str, *, by: User, valid_rows_only: bool = False, dry_run: bool = False
) -> CandidatImport:
    outcome = check_file(file, filename, by=by)
    record = CandidatImport(
        fichier=filename[:300],
        by=by,
        organisation=by.organisation,
        lignes=outcome.rows,
        lignes_valides=len(outcome.valid),
        errors=[str(e) for e in outcome.errors[:MAX_REPORTED_ERRORS]],
        warnings=[str(w) for w in outcome.warnings[:MAX_REPORTED_ERRORS]],
        error_count=len(outcome.errors),
    )
    if dry_run or not outcome.valid or (outcome.errors and not valid_rows_only):
        record.committed = False
    else:
        with transaction.atomic():
            _write(outcome.valid, record, by, filename)
        record.committed = True
    record.save()
    return record


def _write(rows: list[CleanRow], record: CandidatImport, by: User, filename: str) -> None:
    known = {
        _identity_key(*values): pk
        for pk, *values in Candidat.objects.visible_to(by).values_list(
            "pk", "nom_naissance", "prenom1", "annee_naissance", "mois_naissance", "jour_naissance"
        )
    }
    new_candidats = {}
    for row in rows:
        if row.identity not in known and row.identity not in new_candidats:
            new_candidats[row.identity] = row.candidat
    create_objects(Candidat, list(new_candidats.values()))
    ids = {**known, **{key: c.pk for key, c in new_candidats.items()}}
    existing = set(
        Dossier.objects.filter(
            certification__in={row.certification.pk for row in rows}
        ).values_list("candidat_id", "certification_id", "date_inscription")
    )
    now = timezone.now()
    dossiers, blocs = [], []
    for row in rows:
        candidat_id = ids[row.identity]
        if (candidat_id, row.certification.pk, row.dossier["date_inscription"]) in existing:
            record.lignes_deja_importees += 1
            continue
        dossier = Dossier(
            candidat_id=candidat_id,
            certification=row.certification,
            version=row.version,
            organisme=row.organisme,
            state=DossierState.INSCRIT,
            state_changed_at=now,
            created_by=by,
            **row.dossier,
        )
        dossiers.append(dossier)
        blocs.append(row.blocs)
    create_objects(Dossier, dossiers)
    at = connection.ops.adapt_datetimefield_value(now)
    motif = f"Import du fichier {filename}"[:1000]
    insert_rows(
        DossierTransition._meta.db_table,
        ["dossier_id", "from_state", "to_state", "by_id", "at", "motif"],
        [
            (d.pk, DossierState.BROUILLON.value, DossierState.INSCRIT.value, by.pk, at, motif)
            for d in dossiers
        ],
    )
    insert_rows(
        Dossier.blocs_vises.through._meta.db_table,
        ["dossier_id", "bloc_id"],
        [(d.pk, b.pk) for d, bs in zip(dossiers, blocs, strict=True) for b in bs],
    )
    # Bulk writes send no signal: grant the access the new rows imply.
    grant_new_rows(new_candidats.values(), dossiers)
    record.candidats_crees = len(new_candidats)
    record.dossiers_crees = len(dossiers)
