"""A jury session's preparation: members, candidates, composition, opening the deliberation.
Every step refuses, in French, what the rules do not allow. No HTTP here; the views call these
functions. The deliberation is in deliberation.py, closing and the PV in pv.py."""

from collections.abc import Iterable

from django.db import transaction

from cqpilot.core.models import User
from cqpilot.dossiers.models import Dossier, DossierState
from cqpilot.dossiers.workflow import transition
from cqpilot.intervenants.models import Intervenant
from cqpilot.intervenants.rules import conflict_reasons

from . import workflow
from .models import (
    Deliberation,
    Jury,
    JuryMembre,
    JuryStatus,
    Recusation,
    ReglesJury,
    RoleJury,
)
from .rules import Composition, check_composition
from .workflow import JuryRefus, check_transition, lock, require_status


def regles_of(jury: Jury) -> ReglesJury:
    regles, _ = ReglesJury.objects.get_or_create(certification=jury.certification)
    return regles


def membres_of(jury: Jury) -> list[JuryMembre]:
    return list(
        jury.membres.select_related("intervenant__user").prefetch_related(
            "intervenant__organismes", "intervenant__candidats_suivis"
        )
    )


def composition_of(jury: Jury, membres: list[JuryMembre] | None = None) -> Composition:
    organismes = set(
        jury.deliberations.exclude(dossier__organisme=None).values_list(
            "dossier__organisme", flat=True
        )
    )
    return check_composition(
        membres if membres is not None else membres_of(jury), regles_of(jury), organismes
    )


# --- Preparation -------------------------------------------------------------------------------


def add_membre(jury: Jury, intervenant: Intervenant, role: str, *, college: str = "") -> JuryMembre:
    require_status(jury, JuryStatus.PREPARATION)
    if intervenant.organisation_id != jury.organisation_id:
        raise JuryRefus("Cet intervenant n'appartient pas au certificateur du jury.")
    if jury.membres.filter(intervenant=intervenant).exists():
        raise JuryRefus(f"{intervenant} est déjà membre de ce jury.")
    if role == RoleJury.PRESIDENT and jury.membres.filter(role=RoleJury.PRESIDENT).exists():
        raise JuryRefus("Ce jury a déjà un président.")
    return JuryMembre.objects.create(
        jury=jury, intervenant=intervenant, role=role, college=college or intervenant.college
    )


def set_presence(membre: JuryMembre, present: bool) -> None:
    require_status(membre.jury, JuryStatus.PREPARATION, JuryStatus.DELIBERATION)
    membre.present = present
    membre.save(update_fields=["present"])


@transaction.atomic
def set_secretaire(membre: JuryMembre) -> None:
    """`membre` becomes the jury's secrétaire de séance, in place of the previous one."""
    jury = membre.jury
    require_status(jury, JuryStatus.PREPARATION, JuryStatus.DELIBERATION)
    if membre.role == RoleJury.PRESIDENT:
        raise JuryRefus(
            "Le président ne peut pas être aussi secrétaire de séance : ce sont deux signatures."
        )
    for previous in jury.membres.filter(secretaire=True).exclude(pk=membre.pk):
        previous.secretaire = False
        previous.save(update_fields=["secretaire"])
    membre.secretaire = True
    membre.save(update_fields=["secretaire"])


def dossiers_presentables(jury: Jury):
    """Dossiers this jury may take: its certification's, evaluated, not yet on an open jury."""
    return (
        Dossier.objects.filter(
            certification=jury.certification,
            state__in=[DossierState.EN_EVALUATION, DossierState.PRESENTE_JURY],
        )
        .exclude(deliberations__jury__status__in=[JuryStatus.PREPARATION, JuryStatus.DELIBERATION])
        .select_related("candidat")
    )


@transaction.atomic
def add_dossiers(jury: Jury, dossiers: Iterable[Dossier], *, by: User) -> int:
    require_status(jury, JuryStatus.PREPARATION)
    allowed = set(dossiers_presentables(jury).values_list("pk", flat=True))
    added = 0
    for dossier in dossiers:
        if dossier.pk not in allowed:
            raise JuryRefus(
                f"Le dossier de {dossier.candidat} ne peut pas être présenté à ce jury."
            )
        if dossier.state == DossierState.EN_EVALUATION:
            transition(dossier, DossierState.PRESENTE_JURY, by=by)
        Deliberation.objects.create(jury=jury, dossier=dossier)
        added += 1
    return added


@transaction.atomic
def open_deliberation(jury: Jury, *, by: User) -> int:
    """Start deliberating: members with a declared conflict are recused for the candidates
    concerned (recorded, so the PV says so). Returns the number of recusals."""
    lock(jury)
    check_transition(jury, JuryStatus.DELIBERATION, by=by)
    if not jury.deliberations.exists():
        raise JuryRefus("Ajoutez au moins un candidat avant d'ouvrir la délibération.")
    membres = membres_of(jury)
    recusations = 0
    for deliberation in jury.deliberations.select_related(
        "dossier__candidat", "dossier__organisme"
    ):
        for membre in membres:
            if reasons := conflict_reasons(membre.intervenant, deliberation.dossier):
                # One by one, through the ORM: the journal records each recusal.
                Recusation.objects.create(
                    deliberation=deliberation, membre=membre, motif="; ".join(reasons)[:300]
                )
                recusations += 1
    workflow.transition(jury, JuryStatus.DELIBERATION, by=by)
    return recusations
