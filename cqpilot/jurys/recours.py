"""Recours: a candidate's appeal against the decision of a signed PV (docs/domaine.md §1.6).

The deadline is a setting of each certification (`Certification.delai_recours_mois`, 2 months by
default, 0 when the branch's jury is sovereign). It runs from the signature of the PV version
that carries the decision, counted on calendar dates in the certifier's time zone: a PV signed
on 31 December with 2 months gives until the last day of February (a month without that day
ends on its last one), the last day included. A rectified PV is a new decision: its signature
opens a new deadline, and it may be contested again.

The candidate files from their espace, one open recours per deliberation; the certifier's
managers decide it once (nouvelle délibération, décision maintenue, irrecevable) with a
motivation, and a decided recours never changes. A « nouvelle délibération » is carried out by
the jury's existing rectification of the PV (pv.rectify), opened from the jury's page. Each
filing and decision is written with its journal entry (auditlog) in one transaction; the
e-mails leave after the commit. No HTTP here.
"""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from cqpilot.core.cells import CONTROL_CHARACTERS
from cqpilot.core.mail import send_after_commit
from cqpilot.core.models import Role, User
from cqpilot.core.uploads import thousands
from cqpilot.dossiers.acquis import add_months
from cqpilot.referentiels.models import Certification

from .models import (
    Decision,
    Deliberation,
    JuryStatus,
    ProcesVerbal,
    Recours,
    RecoursIssue,
    RecoursStatus,
)
from .workflow import JuryRefus, today

MOTIFS_MAX = 10_000  # characters: a letter, not a file


@dataclass(frozen=True)
class EtatRecours:
    """What a candidate may do about one decision, and what became of their recours."""

    pv: ProcesVerbal | None  # the signed PV carrying the decision (None: not signed)
    date_limite: date | None  # the last day to file (None: no recours for this certification)
    recours: Recours | None  # the latest recours on this deliberation
    refusal: str  # why a new recours is not possible now; empty when it is

    @property
    def may_file(self) -> bool:
        return not self.refusal


def pv_signe(deliberation: Deliberation) -> ProcesVerbal | None:
    """The signed PV version that first carried the deliberation's current decision, while the
    jury is signed: a rectification re-deciding one candidate is a new decision for them only,
    and reopens no one else's deadline."""
    if deliberation.jury.status != JuryStatus.SIGNE:
        return None
    # .all(): a jury has a few PV versions, and the espace prefetches them for all its dossiers
    signed = sorted(
        (pv for pv in deliberation.jury.pvs.all() if pv.signed_at is not None),
        key=lambda pv: pv.numero,
    )
    if deliberation.decided_at is not None:
        carrying = [pv for pv in signed if pv.signed_at >= deliberation.decided_at]
        if carrying:
            return carrying[0]
    return signed[-1] if signed else None


def date_limite(pv: ProcesVerbal, months: int) -> date | None:
    """The last day to file against `pv`: its signature's date (Paris) plus `months` calendar
    months, clamped to the month's end; None when the certification allows no recours."""
    if not months:
        return None
    return add_months(timezone.localdate(pv.signed_at), months)


def etat_recours(
    deliberation: Deliberation,
    *,
    on: date | None = None,
    certification: Certification | None = None,
) -> EtatRecours:
    """`certification`: the dossier's, when the caller has it at hand (saves queries)."""
    on = on or today()
    pv = pv_signe(deliberation)
    recours = max(deliberation.recours.all(), key=lambda r: (r.filed_at, r.pk), default=None)
    if pv is None:
        return EtatRecours(None, None, recours, "Le PV du jury n'est pas signé.")
    if deliberation.decision == Decision.TOTALE:
        # nothing adverse to contest: no deadline is shown, no form offered (an earlier recours,
        # which led to this decision, still shows)
        return EtatRecours(
            pv, None, recours, "Le jury a validé toute la certification : rien n'est à contester."
        )
    months = (certification or deliberation.dossier.certification).delai_recours_mois
    limite = date_limite(pv, months)
    if limite is None:
        refusal = (
            "Les décisions du jury de cette certification ne sont pas susceptibles de recours."
        )
    elif recours is not None and recours.status == RecoursStatus.DEPOSE:
        refusal = "Votre recours est en cours d'instruction."
    elif recours is not None and recours.pv_id == pv.pk:
        refusal = "Vous avez déjà formé un recours contre cette décision ; il a été décidé."
    elif on > limite:
        refusal = (
            f"Le délai de recours a expiré le {limite:%d/%m/%Y} ({months} mois après la "
            f"signature du procès-verbal, le {timezone.localdate(pv.signed_at):%d/%m/%Y})."
        )
    else:
        refusal = ""
    return EtatRecours(pv, limite, recours, refusal)


def _gestionnaires_emails(deliberation: Deliberation) -> list[str]:
    managers = User.objects.filter(
        is_active=True,
        organisation=deliberation.jury.organisation_id,
        roles__code__in=[Role.GESTIONNAIRE, Role.ADMINISTRATEUR],
    ).exclude(email="")
    return sorted(set(managers.values_list("email", flat=True)))


@transaction.atomic
def deposer(deliberation: Deliberation, motifs: str, *, by: User) -> Recours:
    """The candidate files a recours against the decision of the signed PV; the certifier's
    gestionnaires are told by e-mail (after commit). JuryRefus says why it is refused."""
    deliberation = (
        Deliberation.objects.select_for_update()
        .select_related("jury", "dossier__candidat", "dossier__certification")
        .get(pk=deliberation.pk)
    )  # one filing at a time per deliberation
    if deliberation.dossier.candidat.compte_id != by.pk:
        raise JuryRefus("Seul le candidat forme un recours, depuis son espace.")
    etat = etat_recours(deliberation)
    if etat.refusal:
        raise JuryRefus(etat.refusal)
    motifs = motifs.strip()
    if not motifs:
        raise JuryRefus("Exposez les motifs de votre recours.")
    if len(motifs) > MOTIFS_MAX:
        raise JuryRefus(
            f"Les motifs du recours tiennent en {thousands(MOTIFS_MAX)} caractères au plus."
        )
    # read from the espace's form without a Django field: PostgreSQL refuses a NUL in a text
    # column (a server error), and the other control characters are invisible on screen
    if found := CONTROL_CHARACTERS.search(motifs):
        raise JuryRefus(
            f"Les motifs contiennent un caractère de contrôle invisible (U+{ord(found[0]):04X}) : "
            "retirez-le (retapez le texte) et envoyez à nouveau."
        )
    recours = Recours.objects.create(
        deliberation=deliberation, pv=etat.pv, motifs=motifs, filed_by=by
    )
    candidat, jury = deliberation.dossier.candidat, deliberation.jury
    if to := _gestionnaires_emails(deliberation):
        url = settings.PUBLIC_URL + reverse("jurys:recours_detail", args=[recours.pk])
        send_after_commit(
            subject=f"Recours de {candidat} contre la décision du jury",
            body=(
                "Bonjour,\n\n"
                f"{candidat} forme un recours contre la décision du jury du "
                f"{jury.date:%d/%m/%Y} (certification « {jury.certification.intitule} »).\n\n"
                f"Lisez ses motifs et enregistrez l'issue du recours dans cqpilot :\n\n{url}\n"
            ),
            to=to,
        )
    return recours


@transaction.atomic
def decider(recours: Recours, issue: str, motivation: str, *, by: User) -> Recours:
    """The certifier's managers record the outcome, once, with its motivation; the candidate
    is told by e-mail (after commit). A « nouvelle délibération » is then carried out by the
    rectification of the jury's PV."""
    recours = (
        Recours.objects.select_for_update()
        .select_related("deliberation__jury__certification", "deliberation__dossier__candidat")
        .get(pk=recours.pk)
    )
    jury = recours.deliberation.jury
    if not (
        by.is_superuser
        or (by.is_certificateur_manager and by.organisation_id == jury.organisation_id)
    ):
        raise JuryRefus("Réservé aux gestionnaires du certificateur du jury.")
    if recours.is_decided:
        raise JuryRefus(
            f"Ce recours a été décidé le {timezone.localtime(recours.decided_at):%d/%m/%Y} : "
            "sa décision ne change plus."
        )
    if issue not in RecoursIssue.values:
        raise JuryRefus("Choisissez l'issue du recours.")
    motivation = motivation.strip()
    if not motivation:
        raise JuryRefus("Motivez l'issue du recours : le candidat la lira.")
    recours.status = RecoursStatus.DECIDE
    recours.issue = issue
    recours.motivation = motivation
    recours.decided_at = timezone.now()
    recours.decided_by = by
    recours.save()
    candidat = recours.deliberation.dossier.candidat
    email = (recours.filed_by.email or candidat.email or "").strip()
    if email:
        send_after_commit(
            subject="Votre recours contre la décision du jury",
            body=(
                f"Bonjour {candidat.prenom1},\n\n"
                f"Le certificateur a examiné votre recours du "
                f"{timezone.localtime(recours.filed_at):%d/%m/%Y} contre la décision du jury du "
                f"{jury.date:%d/%m/%Y} (certification « {jury.certification.intitule} »).\n\n"
                f"Issue : {recours.get_issue_display()}.\n\n{motivation}\n\n"
                f"Retrouvez-la dans votre espace candidat :\n\n"
                f"{settings.PUBLIC_URL}{reverse('espace:accueil')}\n"
            ),
            to=[email],
        )
    return recours
