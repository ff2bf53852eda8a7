"""The daily purge of one certifier's personal data past its retention periods, and its dry run.

`plan()` reads what is due (retention.py), `purge()` applies it in one transaction and records
the run with its counts only. Running it twice the same day purges nothing the second time:
what was purged is no longer due.
"""

from dataclasses import dataclass
from datetime import date

from auditlog.context import disable_auditlog
from django.db import transaction

from cqpilot.core.models import CERTIFICATEUR_KINDS, Organisation, User
from cqpilot.dossiers.models import Candidat, CandidatImport, Document, Dossier
from cqpilot.pilotage.models import EnqueteInsertion

from . import retention
from .anonymisation import anonymise, delete_pieces
from .models import Motif, PurgeRun, RetentionPolicy

CATEGORIES = {
    "candidats": "candidats anonymisés (dossiers sans suite)",
    "pieces": "pièces justificatives supprimées",
    "nir": "NIR effacés (accrochage accepté)",
    "enquetes": "réponses aux enquêtes d'insertion anonymisées",
    "rapports_import": "rapports d'import vidés (valeurs des lignes citées)",
}


@dataclass
class Plan:
    """What is due at one certifier: ids and dossier references, never a name."""

    organisation: Organisation
    candidats: list[int]
    dossiers_des_candidats: list[int]
    pieces: list[int]
    dossiers_des_pieces: list[int]
    nir: list[int]
    enquetes: list[int]
    rapports_import: list[int]

    @property
    def counts(self) -> dict[str, int]:
        return {
            "candidats": len(self.candidats),
            "pieces": len(self.pieces),
            "nir": len(self.nir),
            "enquetes": len(self.enquetes),
            "rapports_import": len(self.rapports_import),
        }

    @property
    def is_empty(self) -> bool:
        return not any(self.counts.values())


def plan(organisation: Organisation, today: date, policy: RetentionPolicy | None = None) -> Plan:
    """What the purge would do today, with the saved periods or with `policy`'s (unsaved: the
    settings page shows what a change would purge); writes nothing."""
    if policy is None:
        policy = retention.policy_for(organisation, create=False)
    candidats = [c.pk for c in retention.due_candidats(policy, today)]
    pieces = list(retention.due_pieces(policy, today).values_list("pk", "dossier"))
    return Plan(
        organisation=organisation,
        candidats=candidats,
        dossiers_des_candidats=list(
            Dossier.objects.filter(candidat__in=candidats)
            .order_by("pk")
            .values_list("pk", flat=True)
        ),
        pieces=[pk for pk, _ in pieces],
        dossiers_des_pieces=sorted({dossier for _, dossier in pieces}),
        nir=list(retention.due_nir(policy, today).values_list("pk", flat=True)),
        enquetes=list(retention.due_enquetes(policy, today).values_list("pk", flat=True)),
        rapports_import=list(
            retention.due_import_reports(policy, today).values_list("pk", flat=True)
        ),
    )


@transaction.atomic
def purge(organisation: Organisation, today: date, *, by: User | None = None) -> PurgeRun:
    """Anonymises, deletes and clears what is due today at the certifier; the run is journaled
    with its counts."""
    retention.policy_for(organisation)  # the certifier's periods are saved on its first purge
    due = plan(organisation, today)
    for candidat in Candidat.objects.filter(pk__in=due.candidats).order_by("pk"):
        anonymise(candidat, organisation=organisation, motif=Motif.PURGE, by=by)
    pieces = delete_pieces(Document.objects.filter(pk__in=due.pieces))
    with disable_auditlog():
        # The NIR is blank, never any character of it (EncryptedCharField stores "" as is).
        nir = Candidat.objects.filter(pk__in=due.nir).update(nir="")
        enquetes = EnqueteInsertion.objects.filter(pk__in=due.enquetes).update(
            email="", commentaire=""
        )
        # The counts stay: how many rows were refused, without what they said.
        rapports = CandidatImport.objects.filter(pk__in=due.rapports_import).update(
            errors=[], warnings=[]
        )
    counts = {
        **due.counts,
        "pieces": pieces,
        "nir": nir,
        "enquetes": enquetes,
        "rapports_import": rapports,
    }
    return PurgeRun.objects.create(organisation=organisation, by=by, counts=counts)


def scrub_import_reports(today: date) -> int:
    """Empties the reports of the OFs' imports past the default period; returns how many."""
    with disable_auditlog():
        return CandidatImport.objects.filter(
            pk__in=list(retention.due_other_import_reports(today).values_list("pk", flat=True))
        ).update(errors=[], warnings=[])


def certifiers() -> list[Organisation]:
    """Every certifier, in name order: each has its own periods."""
    return list(Organisation.objects.filter(kind__in=CERTIFICATEUR_KINDS).order_by("nom", "pk"))
