"""The standalone tool: a spreadsheet of holders in, files the CDC accepts out, kept with their
reports per certifier so that a holder keeps his idTechnique and an accepted one is not sent
again. Reading and writing are in autonome/; here, what the page keeps in the database."""

import json
import tempfile
import zipfile
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import BinaryIO

from django.core.files import File
from django.db import transaction
from django.utils import timezone

from cqpilot.core.models import Organisation, User

from .autonome.columns import holders_template
from .autonome.generation import CdcIds, Generation, generate
from .autonome.history import ACCEPTE, DEPOSE, NO_HISTORY, REJETE, History, Known, identite
from .autonome.rows import identity_key
from .autonome.workbooks import rejected_workbook
from .flux import Passage, read_flux
from .models import DepotAutonome, FluxAutonome, PassageAutonome, PassageAutonomeStatus
from .rapport import Rapport, RapportError, parse_rapport

__all__ = ["holders_template"]
BATCH = 500  # ids in one query (SQLite takes 999 parameters, or 32,766 since 3.32)
WHOLE_FILE_REJECTED = "Fichier rejeté en entier"
PRIORITY = {ACCEPTE: 0, DEPOSE: 1, REJETE: 2}  # one identity deposited twice: the first wins


class DatabaseHistory(History):
    """The passages a certifier deposited with the tool, and what the CDC said of them."""

    keeps_records = True

    def __init__(self, organisation: Organisation) -> None:
        self.passages = PassageAutonome.objects.filter(organisation=organisation)
        self._rejected: dict[tuple[str, date], list[Known]] | None = None

    def lookup(self, ids: set[str], keys: set[str]) -> tuple[dict[str, Known], dict[str, Known]]:
        by_id, by_key = {}, {}
        for field, wanted, found in (("id_technique", ids, by_id), ("cle", keys, by_key)):
            wanted = sorted(wanted)
            for start in range(0, len(wanted), BATCH):
                rows = self.passages.filter(**{f"{field}__in": wanted[start : start + BATCH]})
                for passage in rows.only("id_technique", "cle", "status", "titulaire"):
                    value = getattr(passage, field)
                    known = _known(passage)
                    if value not in found or PRIORITY[known.status] < PRIORITY[found[value].status]:
                        found[value] = known
        return by_id, by_key

    def rejected(self, code: str, issued: date) -> list[Known]:
        if self._rejected is None:
            self._rejected = defaultdict(list)
            for passage in self.passages.filter(status=PassageAutonomeStatus.REJETE):
                self._rejected[(passage.code, passage.date_delivrance)].append(_known(passage))
        return self._rejected.get((code, issued), [])


def _known(passage: PassageAutonome) -> Known:
    return Known(
        id_technique=passage.id_technique,
        status=passage.status,
        titulaire=passage.titulaire,
        code=passage.code,
        date_delivrance=passage.date_delivrance,
        identite=passage.identite,
        message=passage.message_cdc,
    )


def create_depot(
    upload: BinaryIO,
    filename: str,
    *,
    by: User,
    ids: CdcIds,
    schema: str = "1.1.2",
    valid_rows_only: bool = False,
) -> tuple[DepotAutonome | None, Generation]:
    """Read the holders and keep what was made: the files (one FluxAutonome each), the rows in
    error (valid rows only), the passages in the certifier's history. None when nothing was
    made (errors, or every holder accepted already)."""
    organisation = by.organisation
    # A super-administrator has no certifier: his files are kept, with no history to consult.
    history = DatabaseHistory(organisation) if organisation is not None else NO_HISTORY
    with tempfile.TemporaryDirectory(prefix="cqpilot-accrochage-") as directory:
        result = generate(
            upload,
            filename,
            directory=Path(directory),
            ids=ids,
            schema=schema,
            valid_rows_only=valid_rows_only,
            history=history,
        )
        if not result.files and result.faulty_workbook is None:
            return None, result
        with transaction.atomic():
            depot = DepotAutonome.objects.create(
                organisation=organisation,
                by=by,
                source=filename[:255],
                version_schema=schema,
                lignes=result.rows,
                passages=result.passages if result.files else 0,
                exclus=[vars(excluded) for excluded in result.excluded],
                nombre_exclus=result.excluded_count,
                erreurs=[str(e) for e in result.errors],
                nombre_erreurs=result.error_count,
                avertissements=[str(w) for w in result.warnings],
                nombre_avertissements=result.warning_count,
                avec_nir=result.has_nir,
            )
            files = []
            for written in result.files:
                flux = FluxAutonome(
                    organisation=organisation,
                    by=by,
                    source=filename[:255],
                    id_flux=written.id_flux,
                    passages=written.passages,
                    certifications=written.certifications,
                )
                with written.path.open("rb") as content:
                    flux.fichier.save(f"{written.id_flux}.xml", File(content), save=True)
                files.append((flux, written))
            depot.fichiers.add(*(flux for flux, _written in files))
            if result.faulty_workbook is not None:
                with result.faulty_workbook.open("rb") as content:
                    depot.lignes_en_erreur.save("lignes-en-erreur.xlsx", File(content), save=True)
            if result.records is not None and files and organisation is not None:
                _remember(organisation, result.records, files)
    return depot, result


def _remember(organisation: Organisation, records: Path, files: list) -> None:
    """Each passage written, in the certifier's history, with the file that carries it."""
    carriers: dict[str, list[list]] = defaultdict(list)  # code → [file, passages left] in order
    for flux, written in files:
        for code, count in zip(written.certifications, written.counts, strict=True):
            carriers[code].append([flux, count])
    now = timezone.now()
    batch: list[PassageAutonome] = []
    with records.open(encoding="utf-8") as lines:
        for line in lines:
            id_technique, key, code, issued, titulaire, identity = json.loads(line)
            carrier = carriers[code][0]
            carrier[1] -= 1
            if not carrier[1]:
                carriers[code].pop(0)
            batch.append(
                PassageAutonome(
                    organisation=organisation,
                    id_technique=id_technique,
                    cle=key,
                    code=code,
                    date_delivrance=date.fromisoformat(issued),
                    titulaire=titulaire,
                    identite=identity,
                    status=PassageAutonomeStatus.DEPOSE,
                    message_cdc="",
                    flux=carrier[0],
                    updated_at=now,
                )
            )
            if len(batch) == BATCH:
                _upsert(batch)
                batch = []
    _upsert(batch)


def _upsert(batch: list[PassageAutonome]) -> None:
    if batch:
        PassageAutonome.objects.bulk_create(
            batch,
            update_conflicts=True,
            unique_fields=["organisation", "id_technique"],
            update_fields=[
                "cle",
                "code",
                "date_delivrance",
                "titulaire",
                "identite",
                "status",
                "message_cdc",
                "flux",
                "updated_at",
            ],
        )


# --- The CDC's answers ---------------------------------------------------------------------------


def record_rapport(flux: FluxAutonome, upload: BinaryIO) -> Rapport:
    """Attach the CDC's report to the file it answers, and tell the history what became of each
    passage. A report is never replaced: the next deposit is a new file, answered by its own."""
    rapport = parse_rapport(upload)
    rapport.check_answers(flux.id_flux)
    with transaction.atomic():
        locked = FluxAutonome.objects.select_for_update().get(pk=flux.pk)
        if locked.rapport is not None:
            raise RapportError(
                "Un accusé de traitement est déjà enregistré pour ce fichier (traitement n° "
                f"{locked.rapport.get('id_traitement') or '—'}) : il n'est jamais remplacé. "
                "Les titulaires redéposés le sont dans un nouveau fichier, qui a son propre accusé."
            )
        flux.rapport = rapport.as_record()
        flux.save(update_fields=["rapport"])
        if flux.organisation is not None:
            _ensure_history(flux)
            _update_statuses(flux, rapport)
    return rapport


def _ensure_history(flux: FluxAutonome) -> None:
    """A file made before the tool kept its history: its passages join it now."""
    passages = PassageAutonome.objects.filter(organisation=flux.organisation)
    if passages.filter(flux=flux).exists():
        return
    batch, now = [], timezone.now()
    with flux.fichier.open("rb") as stream:
        for ref, passage in read_flux(stream):
            values = _values_of(ref.code, passage)
            batch.append(
                PassageAutonome(
                    organisation=flux.organisation,
                    id_technique=passage.id_technique,
                    cle=identity_key(values),
                    code=ref.code,
                    date_delivrance=passage.date_debut_validite,
                    titulaire=_holder(passage),
                    identite=identite(values),
                    flux=flux,
                    updated_at=now,
                )
            )
    for start in range(0, len(batch), BATCH):  # a passage of a later file keeps its record
        PassageAutonome.objects.bulk_create(batch[start : start + BATCH], ignore_conflicts=True)


def _values_of(code: str, passage: Passage) -> dict:
    t = passage.titulaire
    return {
        "code": code,
        "nom_naissance": t.nom_naissance,
        "prenom1": t.prenom1,
        "sexe": t.sexe,
        "annee_naissance": t.annee_naissance,
        "mois_naissance": t.mois_naissance,
        "jour_naissance": t.jour_naissance,
        "code_insee_naissance": t.code_insee_naissance,
        "code_postal_naissance": t.code_postal_naissance,
        "date_debut_validite": passage.date_debut_validite,
    }


def _holder(passage: Passage) -> str:
    return f"{passage.titulaire.nom_naissance.upper()} {passage.titulaire.prenom1}".strip()[:200]


def _update_statuses(flux: FluxAutonome, rapport: Rapport) -> None:
    # Only the passages this file carried last: a later file's answer is not overwritten.
    carried = PassageAutonome.objects.filter(organisation=flux.organisation, flux=flux)
    now = timezone.now()
    if rapport.file_errors:
        carried.update(
            status=PassageAutonomeStatus.REJETE, message_cdc=WHOLE_FILE_REJECTED, updated_at=now
        )
        return
    for start in range(0, len(rapport.accepted), BATCH):
        carried.filter(id_technique__in=rapport.accepted[start : start + BATCH]).update(
            status=PassageAutonomeStatus.ACCEPTE, message_cdc="", updated_at=now
        )
    by_message: dict[str, list[str]] = defaultdict(list)
    for id_technique, message in rapport.rejected.items():
        by_message[message].append(id_technique)
    for message, ids in by_message.items():
        for start in range(0, len(ids), BATCH):
            carried.filter(id_technique__in=ids[start : start + BATCH]).update(
                status=PassageAutonomeStatus.REJETE, message_cdc=message[:2000], updated_at=now
            )


PassageStatus = tuple[str, str, str, str]  # idTechnique, holder, status, CDC message


def passage_statuses(flux: FluxAutonome) -> list[PassageStatus]:
    """Each passage of the file with what the CDC said of it."""
    if not flux.rapport:
        return []
    accepted, rejected = set(flux.rapport["accepted"]), flux.rapport["rejected"]
    whole_file_rejected = bool(flux.rapport["file_errors"])
    statuses = []
    with flux.fichier.open("rb") as stream:
        for _ref, passage in read_flux(stream):
            holder, id_technique = _holder(passage), passage.id_technique
            if id_technique in accepted:
                statuses.append((id_technique, holder, "Accepté", ""))
            elif id_technique in rejected:
                statuses.append((id_technique, holder, "Rejeté", rejected[id_technique]))
            elif whole_file_rejected:
                statuses.append((id_technique, holder, "Rejeté", WHOLE_FILE_REJECTED))
            else:
                statuses.append((id_technique, holder, "Sans réponse", ""))
    return statuses


def rejected_holders(flux: FluxAutonome):
    """The holders of the file the CDC rejected, in the template's columns with their
    « Identifiant technique »: corrected and uploaded again, each keeps its id."""
    rapport = flux.rapport or {}
    rejected, whole = rapport.get("rejected", {}), bool(rapport.get("file_errors"))
    rows = []
    with flux.fichier.open("rb") as stream:
        for ref, passage in read_flux(stream):
            message = rejected.get(passage.id_technique) or (WHOLE_FILE_REJECTED if whole else "")
            if message:
                rows.append((ref.code, passage, message))
    return rejected_workbook(rows)


def files_zip(depot: DepotAutonome):
    """The deposit's files in one zip, each named by its idFlux."""
    output = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 (the response closes it)
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        for flux in depot.fichiers.order_by("id_flux"):
            with (
                flux.fichier.open("rb") as source,
                archive.open(f"{flux.id_flux}.xml", "w") as target,
            ):
                while chunk := source.read(1024 * 1024):
                    target.write(chunk)
    output.seek(0)
    return output


def has_nir(flux: FluxAutonome) -> bool:
    """Whether the file names its holders by their NIR."""
    return any(depot.files_have_nir for depot in flux.depots.all())
