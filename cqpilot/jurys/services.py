"""A jury session from preparation to the signed PV: every step refuses, in French, what the rules
do not allow. No HTTP here; the views call these functions."""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Prefetch
from django.utils import timezone

from cqpilot.core.models import User
from cqpilot.dossiers.acquis import carried_over_many
from cqpilot.dossiers.models import AcquisSource, BlocAcquis, Dossier, DossierState
from cqpilot.dossiers.workflow import record_jury_decision, transition
from cqpilot.evaluations.rules import Proposition
from cqpilot.evaluations.services import propositions
from cqpilot.referentiels.models import Bloc

from .models import (
    BlocResultat,
    Decision,
    DecisionBloc,
    Deliberation,
    Intervenant,
    Jury,
    JuryMembre,
    JuryStatus,
    ProcesVerbal,
    Recusation,
    ReglesJury,
    RoleJury,
    Vote,
    VoteChoice,
)
from .rules import Adoption, Composition, adoption, check_composition, conflict_reasons


class JuryRefus(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def regles_of(jury: Jury) -> ReglesJury:
    regles, _ = ReglesJury.objects.get_or_create(certification=jury.certification)
    return regles


def _lock(jury: Jury) -> None:
    """Serialise the steps that change a jury's status, and read its current state."""
    list(Jury.objects.select_for_update().filter(pk=jury.pk).values_list("pk"))
    jury.refresh_from_db()


def _require_status(jury: Jury, *statuses: str) -> None:
    if jury.status not in statuses:
        if jury.status == JuryStatus.SIGNE:
            raise JuryRefus(
                "Le PV est signé : le jury est verrouillé. Passez par une rectification."
            )
        raise JuryRefus(f"Impossible : le jury est « {jury.get_status_display().lower()} ».")


def membres_of(jury: Jury) -> list[JuryMembre]:
    return list(
        jury.membres.select_related("intervenant").prefetch_related(
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
    _require_status(jury, JuryStatus.PREPARATION)
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
    _require_status(membre.jury, JuryStatus.PREPARATION, JuryStatus.DELIBERATION)
    membre.present = present
    membre.save(update_fields=["present"])


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
    _require_status(jury, JuryStatus.PREPARATION)
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
    _require_status(jury, JuryStatus.PREPARATION)
    if not jury.deliberations.exists():
        raise JuryRefus("Ajoutez au moins un candidat avant d'ouvrir la délibération.")
    membres = membres_of(jury)
    recusations = []
    for deliberation in jury.deliberations.select_related(
        "dossier__candidat", "dossier__organisme"
    ):
        for membre in membres:
            if reasons := conflict_reasons(membre.intervenant, deliberation.dossier):
                motif = "; ".join(reasons)
                recusations.append(
                    Recusation(deliberation=deliberation, membre=membre, motif=motif[:300])
                )
    Recusation.objects.bulk_create(recusations)
    jury.status = JuryStatus.DELIBERATION
    jury.save(update_fields=["status"])
    return len(recusations)


def recuse(deliberation: Deliberation, membre: JuryMembre, motif: str) -> None:
    """A member abstains for a candidate (a link not declared beforehand)."""
    _require_status(deliberation.jury, JuryStatus.DELIBERATION)
    if not motif.strip():
        raise JuryRefus("Indiquez le motif de la récusation.")
    Recusation.objects.get_or_create(
        deliberation=deliberation, membre=membre, defaults={"motif": motif.strip()[:300]}
    )
    deliberation.votes.filter(membre=membre).delete()


# --- Deliberation ------------------------------------------------------------------------------


@dataclass
class Ligne:
    """One candidate on the deliberation screen."""

    deliberation: Deliberation
    blocs: list[Bloc]  # the blocs to decide on
    acquis: dict[int, object]  # bloc pk → acquis.Report of a bloc already held
    decisions: dict[int, DecisionBloc]
    electeurs: list[JuryMembre]
    recusations: list[Recusation]
    adoption: Adoption
    decision_suggeree: str
    has_votes: bool
    propositions: dict[int, Proposition | None]  # bloc pk → from the évaluations

    @property
    def resume_blocs(self) -> str:
        """« BC01 : acquis antérieurement · BC02 : validé · BC03 : à décider »."""
        parts = [f"{report.bloc.code} : acquis antérieurement" for report in self.acquis.values()]
        for bloc in self.blocs:
            decision = self.decisions.get(bloc.pk)
            proposition = self.propositions.get(bloc.pk)
            if decision:
                parts.append(f"{bloc.code} : {decision.get_resultat_display().lower()}")
            elif proposition:
                parts.append(f"{bloc.code} : proposé {proposition.label}")
            else:
                parts.append(f"{bloc.code} : pas de résultat d'évaluation")
        return " · ".join(parts)

    @property
    def blocs_decides(self) -> list[tuple[Bloc, DecisionBloc, str]]:
        """Each bloc to decide with its decision (blank while none is recorded) and the
        result the évaluations propose."""
        return [
            (
                bloc,
                self.decisions.get(bloc.pk) or DecisionBloc(),
                self.propositions.get(bloc.pk) or "",
            )
            for bloc in self.blocs
        ]


def scope_blocs(dossier: Dossier, version_blocs: list[Bloc]) -> list[Bloc]:
    vises = {b.pk for b in dossier.blocs_vises.all()}
    return [b for b in version_blocs if not vises or b.pk in vises]


def obtains_certification(
    held: set[int], version_blocs: list[Bloc], optionnels_requis: int
) -> bool:
    obligatoires = [b for b in version_blocs if not b.est_optionnel]
    optionnels = sum(1 for b in version_blocs if b.est_optionnel and b.pk in held)
    return all(b.pk in held for b in obligatoires) and optionnels >= optionnels_requis


def lignes(jury: Jury, membres: list[JuryMembre], *, only: int | None = None) -> list[Ligne]:
    """The deliberation screen's rows (or the row of deliberation `only`), in a constant number
    of queries."""
    selected = jury.deliberations.filter(pk=only) if only else jury.deliberations
    deliberations = list(
        selected.select_related("dossier__candidat", "dossier__organisme")
        .defer("dossier__candidat__nir")  # not shown; decrypting it per candidate costs
        .prefetch_related(
            "dossier__blocs_vises",
            Prefetch("blocs", queryset=DecisionBloc.objects.all()),
            Prefetch(
                "recusations", queryset=Recusation.objects.select_related("membre__intervenant")
            ),
        )
    )
    # Plain tuples: a 500-candidate jury has thousands of votes, model instances cost.
    votes_by_deliberation: dict[int, dict[int, str]] = {}
    votes = Vote.objects.filter(deliberation__jury=jury)
    if only:
        votes = votes.filter(deliberation=only)
    for deliberation_id, membre_id, choix in votes.values_list(
        "deliberation_id", "membre_id", "choix"
    ):
        votes_by_deliberation.setdefault(deliberation_id, {})[membre_id] = choix
    regles = regles_of(jury)
    optionnels_requis = jury.certification.blocs_optionnels_requis
    versions = {d.dossier.version_id for d in deliberations}
    blocs_by_version: dict[int, list[Bloc]] = {}
    for bloc in (
        Bloc.objects.filter(version__in=versions)
        .select_related("version")
        .order_by("ordre", "code")
    ):
        blocs_by_version.setdefault(bloc.version_id, []).append(bloc)
    held = carried_over_many([d.dossier for d in deliberations], blocs_by_version, on=jury.date)
    proposed = propositions([d.dossier for d in deliberations])
    votants = [m for m in membres if m.present and m.votes]
    rows = []
    for deliberation in deliberations:
        dossier = deliberation.dossier
        version_blocs = blocs_by_version.get(dossier.version_id, [])
        acquis = {report.bloc.pk: report for report in held.get(dossier.pk, [])}
        recusations = list(deliberation.recusations.all())
        recused = {r.membre_id for r in recusations}
        electeurs = [m for m in votants if m.pk not in recused]
        votes = votes_by_deliberation.get(deliberation.pk, {})
        decisions = {d.bloc_id: d for d in deliberation.blocs.all()}
        to_decide = [b for b in scope_blocs(dossier, version_blocs) if b.pk not in acquis]
        by_right = set(acquis) | {
            pk for pk, p in proposed.get(dossier.pk, {}).items() if p == Proposition.ACQUIS
        }
        suggestion = ""
        if obtains_certification(by_right, version_blocs, optionnels_requis):
            suggestion = Decision.TOTALE
        rows.append(
            Ligne(
                deliberation,
                to_decide,
                acquis,
                decisions,
                electeurs,
                recusations,
                adoption({k: v for k, v in votes.items() if k not in recused}, electeurs, regles),
                suggestion,
                bool(votes),
                proposed.get(dossier.pk, {}),
            )
        )
    return rows


@dataclass(frozen=True)
class BlocSaisie:
    resultat: str
    note_jury: Decimal | None = None
    justification: str = ""


def _check_decision(
    decision: str,
    blocs: dict[int, BlocSaisie],
    to_decide: list[Bloc],
    held_before: set[int],
    version_blocs: list[Bloc],
    optionnels_requis: int,
) -> list[str]:
    problems = []
    for bloc in to_decide:
        saisie = blocs.get(bloc.pk)
        if saisie is None or saisie.resultat not in BlocResultat.values:
            problems.append(f"{bloc.code} : indiquez si le bloc est validé.")
        elif saisie.note_jury is not None and not saisie.justification.strip():
            problems.append(f"{bloc.code} : justifiez la note modifiée par le jury.")
    if problems:
        return problems
    validated = {pk for pk, s in blocs.items() if s.resultat == BlocResultat.VALIDE}
    obtains = obtains_certification(held_before | validated, version_blocs, optionnels_requis)
    if decision == Decision.TOTALE and not obtains:
        missing = [
            b.code
            for b in version_blocs
            if not b.est_optionnel and b.pk not in held_before | validated
        ]
        problems.append(
            "Validation totale impossible : "
            + (
                f"bloc(s) {', '.join(missing)} non validé(s)."
                if missing
                else f"{optionnels_requis} bloc(s) optionnel(s) requis."
            )
        )
    elif decision == Decision.PARTIELLE and obtains:
        problems.append(
            "Tous les blocs requis sont acquis : la décision est une validation totale."
        )
    elif decision == Decision.PARTIELLE and not validated:
        problems.append("Validation partielle : aucun bloc n'est validé par ce jury.")
    elif decision == Decision.NON_VALIDE and validated:
        problems.append(
            "« Non validé » alors que des blocs sont validés : choisissez la validation partielle."
        )
    elif decision not in Decision.values:
        problems.append("Choisissez la décision.")
    return problems


@transaction.atomic
def save_decision(
    deliberation: Deliberation,
    *,
    revision: int,
    decision: str,
    blocs: dict[int, BlocSaisie],
    preconisations: str = "",
    motivation: str = "",
    unanimite: bool = False,
    by: User,
) -> Deliberation:
    """Record the jury's decision for one candidate, or raise JuryRefus saying why not.

    `revision` is the one the user's page showed: if someone saved this candidate since, the
    save is refused rather than silently overwriting theirs."""
    jury = deliberation.jury
    _require_status(jury, JuryStatus.DELIBERATION)
    membres = membres_of(jury)
    [ligne] = lignes(jury, membres, only=deliberation.pk)
    dossier = deliberation.dossier
    version_blocs = list(Bloc.objects.filter(version=dossier.version_id))
    problems = _check_decision(
        decision,
        {pk: s for pk, s in blocs.items() if pk in {b.pk for b in ligne.blocs}},
        ligne.blocs,
        set(ligne.acquis),
        version_blocs,
        jury.certification.blocs_optionnels_requis,
    )
    if problems:
        raise JuryRefus(" ".join(problems))
    previous = Deliberation.objects.filter(pk=deliberation.pk).values_list("decision", flat=True)
    decision_changed = previous.get() != decision
    updated = Deliberation.objects.filter(pk=deliberation.pk, revision=revision).update(
        revision=F("revision") + 1,
        decision=decision,
        preconisations=preconisations.strip(),
        motivation=motivation.strip(),
        decided_by=by,
        decided_at=timezone.now(),
    )
    if not updated:
        current = Deliberation.objects.select_related("decided_by").get(pk=deliberation.pk)
        who = f" par {current.decided_by}" if current.decided_by else ""
        when = f" à {timezone.localtime(current.decided_at):%H:%M}" if current.decided_at else ""
        raise JuryRefus(
            f"La décision de {dossier.candidat} a été modifiée{who}{when} depuis l'ouverture de "
            "votre page : rechargez-la pour voir la décision enregistrée, puis recommencez."
        )
    deliberation.blocs.all().delete()
    DecisionBloc.objects.bulk_create(
        DecisionBloc(
            deliberation=deliberation,
            bloc_id=bloc.pk,
            resultat=blocs[bloc.pk].resultat,
            note_jury=blocs[bloc.pk].note_jury,
            justification=blocs[bloc.pk].justification.strip(),
        )
        for bloc in ligne.blocs
    )
    if unanimite or decision_changed:
        # Votes were cast on the decision as it stood: a new decision needs a new vote.
        deliberation.votes.all().delete()
    if unanimite:
        Vote.objects.bulk_create(
            Vote(deliberation=deliberation, membre=m, choix=VoteChoice.POUR)
            for m in ligne.electeurs
        )
    deliberation.refresh_from_db()
    return deliberation


@transaction.atomic
def record_votes(deliberation: Deliberation, votes: dict[int, str]) -> None:
    """Each member's vote on the decision for this candidate (member pk → pour/contre/abstention)."""
    jury = deliberation.jury
    _require_status(jury, JuryStatus.DELIBERATION)
    membres = {m.pk: m for m in jury.membres.select_related("intervenant")}
    recused = {r.membre_id: r.motif for r in deliberation.recusations.all()}
    for membre_pk, choix in votes.items():
        membre = membres.get(membre_pk)
        if membre is None:
            raise JuryRefus("Ce membre ne siège pas dans ce jury.")
        if membre_pk in recused:
            raise JuryRefus(
                f"{membre.intervenant} est récusé(e) pour {deliberation.dossier.candidat} "
                f"({recused[membre_pk]}) : pas de vote possible."
            )
        if not membre.present:
            raise JuryRefus(f"{membre.intervenant} est absent(e) : pas de vote possible.")
        if not membre.votes:
            raise JuryRefus(f"{membre.intervenant} siège comme expert, sans voix délibérative.")
        if choix not in VoteChoice.values:
            raise JuryRefus(f"Vote inconnu pour {membre.intervenant}.")
    for membre_pk, choix in votes.items():
        Vote.objects.update_or_create(
            deliberation=deliberation, membre_id=membre_pk, defaults={"choix": choix}
        )


# --- Closing, PV, signature --------------------------------------------------------------------


@transaction.atomic
def close(jury: Jury, *, by: User, base_url: str = "") -> ProcesVerbal:
    """End the deliberation: refused while the jury is not validly composed or a decision is
    missing or not adopted; otherwise the PV (next version) is produced, to be signed."""
    _lock(jury)
    _require_status(jury, JuryStatus.DELIBERATION)
    membres = membres_of(jury)
    composition = composition_of(jury, membres)
    problems = list(composition.problems)
    for ligne in lignes(jury, membres):
        name = ligne.deliberation.dossier.candidat
        if not ligne.deliberation.decision:
            problems.append(f"{name} : décision non prise.")
        elif not ligne.adoption.adopted:
            problems.append(
                f"{name} : décision non adoptée ({ligne.adoption.explanation.rstrip('.')})."
            )
    if problems:
        raise JuryRefus("Le jury ne peut pas être clos. " + " ".join(problems))
    pv = ProcesVerbal(
        jury=jury, numero=jury.pvs.count() + 1, rectification=jury.rectification_en_cours
    )
    _write_pdf(pv, base_url)  # a draft, marked as such, for the jury to read before signing
    jury.status = JuryStatus.CLOS
    jury.rectification_en_cours = ""
    jury.save(update_fields=["status", "rectification_en_cours"])
    return pv


def reopen(jury: Jury) -> None:
    """Back to deliberation before signing (the unsigned PV is discarded)."""
    _require_status(jury, JuryStatus.CLOS)
    with transaction.atomic():
        pv = jury.pvs.filter(signed_at=None).last()
        if pv:
            rectification = pv.rectification
            pv.fichier.delete(save=False)
            pv.delete()
            jury.rectification_en_cours = rectification
        jury.status = JuryStatus.DELIBERATION
        jury.save(update_fields=["status", "rectification_en_cours"])


def _write_pdf(pv: ProcesVerbal, base_url: str) -> None:
    from .pv import pv_pdf

    content = pv_pdf(pv.jury, pv, base_url=base_url)
    if pv.fichier:
        pv.fichier.delete(save=False)
    pv.sha256 = hashlib.sha256(content).hexdigest()
    pv.fichier.save(f"pv-v{pv.numero}.pdf", ContentFile(content), save=False)
    pv.save()


@transaction.atomic
def sign(jury: Jury, *, by: User, base_url: str = "") -> ProcesVerbal:
    """The president signs the PV: the jury and its decisions are locked."""
    _lock(jury)
    _require_status(jury, JuryStatus.CLOS)
    president = jury.membres.filter(role=RoleJury.PRESIDENT).select_related("intervenant").first()
    if president is None or president.intervenant.user_id != by.pk:
        raise JuryRefus("Seul le président du jury, connecté avec son compte, peut signer le PV.")
    pv = jury.pvs.get(signed_at=None)
    pv.signed_by = by
    pv.signed_at = timezone.now()
    _write_pdf(pv, base_url)  # the signed PV, whose SHA-256 is the one kept
    jury.status = JuryStatus.SIGNE
    jury.save(update_fields=["status"])
    if not regles_of(jury).validation_cpne or jury.date_validation_cpne:
        apply_decisions(jury, by=by)
    return pv


@transaction.atomic
def validate_cpne(jury: Jury, on: date, *, by: User) -> None:
    _require_status(jury, JuryStatus.SIGNE)
    if not regles_of(jury).validation_cpne:
        raise JuryRefus("Cette certification ne prévoit pas de validation par la CPNE.")
    if on < jury.date:
        raise JuryRefus("La validation CPNE ne peut pas précéder le jury.")
    jury.date_validation_cpne = on
    jury.save(update_fields=["date_validation_cpne"])
    apply_decisions(jury, by=by)


@transaction.atomic
def rectify(jury: Jury, motif: str, *, by: User) -> None:
    """Reopen a signed jury for a recorded correction; closing it again produces a new PV
    version, and signing that one applies the corrected decisions."""
    _require_status(jury, JuryStatus.SIGNE)
    if not motif.strip():
        raise JuryRefus("Indiquez le motif de la rectification.")
    jury.status = JuryStatus.DELIBERATION
    jury.rectification_en_cours = motif.strip()
    jury.save(update_fields=["status", "rectification_en_cours"])


DOSSIER_STATE = {
    Decision.TOTALE: DossierState.CERTIFIE,
    Decision.PARTIELLE: DossierState.VALIDATION_PARTIELLE,
    Decision.NON_VALIDE: DossierState.NON_VALIDE,
}


def decision_date(jury: Jury) -> date:
    """The date the blocs are obtained: the CPNE's when it pronounces, else the jury's."""
    return jury.date_validation_cpne or jury.date


def apply_decisions(jury: Jury, *, by: User) -> None:
    """Dossiers take the jury's decisions; validated blocs become acquired (carried over by
    later dossiers). Idempotent, so that a rectified PV re-applies cleanly."""
    on = decision_date(jury)
    pv = jury.pvs.order_by("numero").last()
    motif = f"Décision du jury du {jury.date:%d/%m/%Y} (PV v{pv.numero})"
    for deliberation in jury.deliberations.select_related("dossier__candidat").prefetch_related(
        "blocs"
    ):
        dossier = deliberation.dossier
        record_jury_decision(dossier, DOSSIER_STATE[deliberation.decision], by=by, motif=motif)
        BlocAcquis.objects.filter(dossier=dossier, source=AcquisSource.JURY).delete()
        BlocAcquis.objects.bulk_create(
            BlocAcquis(
                candidat=dossier.candidat,
                bloc_id=decision.bloc_id,
                source=AcquisSource.JURY,
                date_obtention=on,
                dossier=dossier,
                created_by=by,
            )
            for decision in deliberation.blocs.all()
            if decision.resultat == BlocResultat.VALIDE
        )
