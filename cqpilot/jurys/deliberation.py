"""The deliberation: one row per candidate (blocs carried over, proposed results, votes), the
jury's decision per bloc and overall, votes and recusals. No HTTP here."""

from dataclasses import dataclass, replace
from decimal import Decimal

from django.db import transaction
from django.db.models import Prefetch, prefetch_related_objects
from django.utils import timezone

from cqpilot.core.french import accorde, compte
from cqpilot.core.models import User
from cqpilot.dossiers.acquis import carried_over_many
from cqpilot.dossiers.models import Dossier, VoieAcces
from cqpilot.evaluations.rules import Proposition
from cqpilot.evaluations.services import propositions
from cqpilot.referentiels.models import Bloc
from cqpilot.vae.jury import accompagnateurs, problemes_jury_vae, regles_vae

from .models import (
    BlocResultat,
    Decision,
    DecisionBloc,
    Deliberation,
    Jury,
    JuryMembre,
    JuryStatus,
    Recusation,
    Vote,
    VoteChoice,
)
from .resultats import Saisie, epreuves_saisies
from .rules import Adoption, Composition, adoption, check_composition, electeurs
from .services import membres_of, regles_of
from .workflow import JuryRefus, require_jury_day, require_status


def recuse(deliberation: Deliberation, membre: JuryMembre, motif: str) -> None:
    """A member abstains for a candidate (a link not declared beforehand)."""
    require_status(deliberation.jury, JuryStatus.DELIBERATION)
    if not motif.strip():
        raise JuryRefus("Indiquez le motif de la récusation.")
    Recusation.objects.get_or_create(
        deliberation=deliberation, membre=membre, defaults={"motif": motif.strip()[:300]}
    )
    deliberation.votes.filter(membre=membre).delete()


NO_EPREUVE = Saisie(0, 0)


@dataclass
class Ligne:
    """One candidate on the deliberation screen."""

    deliberation: Deliberation
    blocs: list[Bloc]  # the blocs to decide on
    acquis: dict[int, object]  # bloc pk → acquis.Report of a bloc already held
    decisions: dict[int, DecisionBloc]
    electeurs: list[JuryMembre]
    recusations: list[Recusation]
    composition: Composition  # of this candidate's deliberation, after the recusals
    adoption: Adoption
    decision_suggeree: str
    has_votes: bool
    propositions: dict[int, Proposition | None]  # bloc pk → from the évaluations
    saisies: dict[int, Saisie]  # bloc pk → its épreuves whose results are entered

    def saisie(self, bloc: Bloc) -> Saisie:
        return self.saisies.get(bloc.pk, NO_EPREUVE)

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
                parts.append(f"{bloc.code} : {self.saisie(bloc)}")
        return " · ".join(parts)

    @property
    def blocs_decides(self) -> list[tuple[Bloc, DecisionBloc, str, Saisie]]:
        """Each bloc to decide with its decision (blank while none is recorded), the result
        the évaluations propose and how many of its épreuves are entered."""
        return [
            (
                bloc,
                self.decisions.get(bloc.pk) or DecisionBloc(),
                self.propositions.get(bloc.pk) or "",
                self.saisie(bloc),
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
    # Every dossier of a jury is of its certification (services.dossiers_presentables).
    double = {jury.certification_id} if regles.double_evaluation else set()
    proposed = propositions([d.dossier for d in deliberations], double_evaluation=double)
    saisies = epreuves_saisies([d.dossier for d in deliberations], double_evaluation=double)
    # VAE candidates: the jury's composition under D6412-6 too (vae/jury.py), read only when
    # the jury has some, in a constant number of queries.
    vae = [d.dossier for d in deliberations if d.dossier.voie_acces == VoieAcces.VAE]
    vae_accompagnateurs = accompagnateurs(vae) if vae else {}
    if vae_accompagnateurs:
        prefetch_related_objects(membres, "intervenant__qualifie_pour")
        vae_regles = regles_vae(jury.certification)
    rows = []
    for deliberation in deliberations:
        dossier = deliberation.dossier
        version_blocs = blocs_by_version.get(dossier.version_id, [])
        acquis = {report.bloc.pk: report for report in held.get(dossier.pk, [])}
        recusations = sorted(
            deliberation.recusations.all(),
            key=lambda r: (r.membre.intervenant.nom, r.membre.intervenant.prenom, r.pk),
        )
        recused = {r.membre_id for r in recusations}
        voters = electeurs(membres, recused)
        composition = check_composition(
            membres, regles, {dossier.organisme_id} - {None}, recused=recused
        )
        if dossier.voie_acces == VoieAcces.VAE and dossier.pk in vae_accompagnateurs:
            sitting = [m for m in membres if m.present and m.pk not in recused]
            vae_problems = problemes_jury_vae(
                dossier, sitting, voters, vae_regles, vae_accompagnateurs[dossier.pk]
            )
            composition = replace(composition, problems=composition.problems + vae_problems)
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
                voters,
                recusations,
                composition,
                adoption(votes, voters, regles, presidence=composition.presidence),
                suggestion,
                bool(votes),
                proposed.get(dossier.pk, {}),
                saisies.get(dossier.pk, {}),
            )
        )
    return rows


def require_regular_composition(ligne: Ligne) -> None:
    """No decision nor vote for a candidate whose deliberation is not validly composed."""
    if problems := ligne.composition.problems:
        raise JuryRefus(
            f"Composition irrégulière pour {ligne.deliberation.dossier.candidat} : "
            f"{' '.join(problems)} Rétablissez-la avant de décider : présences, ou retrait d'un "
            "membre pour ce candidat (récusation)."
        )


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
                f"{accorde(len(missing), 'bloc')} {', '.join(missing)} "
                f"{accorde(len(missing), 'non validé', 'non validés')}."
                if missing
                else f"{compte(optionnels_requis, 'bloc optionnel', 'blocs optionnels')} "
                f"{accorde(optionnels_requis, 'requis')}."
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
    require_status(jury, JuryStatus.DELIBERATION)
    require_jury_day(jury, "Aucune décision ne peut être prise")
    membres = membres_of(jury)
    [ligne] = lignes(jury, membres, only=deliberation.pk)
    require_regular_composition(ligne)
    dossier = deliberation.dossier
    version_blocs = list(Bloc.objects.filter(version=dossier.version_id))
    # before the blocs' checks: without blocs, "all required blocs are held" is vacuously true
    refusal = decision == Decision.PARTIELLE and jury.certification.partial_validation_refusal()
    if refusal:
        raise JuryRefus(refusal)
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
    # Through the ORM, object by object, so that the journal records each change; the row
    # lock (an IMMEDIATE transaction on SQLite) makes the revision check safe.
    current = Deliberation.objects.select_for_update().get(pk=deliberation.pk)
    if current.revision != revision:
        who = f" par {current.decided_by}" if current.decided_by else ""
        when = f" à {timezone.localtime(current.decided_at):%H:%M}" if current.decided_at else ""
        raise JuryRefus(
            f"La décision de {dossier.candidat} a été modifiée{who}{when} depuis l'ouverture de "
            "votre page : rechargez-la pour voir la décision enregistrée, puis recommencez."
        )
    decision_changed = current.decision != decision
    current.revision += 1
    current.decision = decision
    current.preconisations = preconisations.strip()
    current.motivation = motivation.strip()
    current.decided_by = by
    current.decided_at = timezone.now()
    current.save()
    _save_bloc_decisions(current, ligne.blocs, blocs)
    if decision_changed or unanimite:
        # Votes were cast on the decision as it stood: a new decision needs a new vote.
        wanted = {m.pk: VoteChoice.POUR for m in ligne.electeurs} if unanimite else {}
        kept = set()
        for vote in current.votes.all():
            if not decision_changed and wanted.get(vote.membre_id) == vote.choix:
                kept.add(vote.membre_id)
            else:
                vote.delete()
        for membre_pk, choix in wanted.items():
            if membre_pk not in kept:
                Vote.objects.create(deliberation=current, membre_id=membre_pk, choix=choix)
    deliberation.refresh_from_db()
    return deliberation


def _save_bloc_decisions(
    deliberation: Deliberation, to_decide: list[Bloc], blocs: dict[int, BlocSaisie]
) -> None:
    """Each bloc's decision saved only when it changes, so the journal shows what changed."""
    existing = {d.bloc_id: d for d in DecisionBloc.objects.filter(deliberation=deliberation)}
    for bloc in to_decide:
        saisie = blocs[bloc.pk]
        values = {
            "resultat": saisie.resultat,
            "note_jury": saisie.note_jury,
            "justification": saisie.justification.strip(),
        }
        row = existing.pop(bloc.pk, None) or DecisionBloc(deliberation=deliberation, bloc=bloc)
        if row.pk is None or any(getattr(row, f) != v for f, v in values.items()):
            for field, value in values.items():
                setattr(row, field, value)
            row.save()
    for stale in existing.values():  # a bloc no longer to decide (acquired meanwhile)
        stale.delete()


@transaction.atomic
def record_votes(deliberation: Deliberation, votes: dict[int, str]) -> None:
    """Each member's vote on the decision for this candidate (member pk → pour/contre/abstention)."""
    jury = deliberation.jury
    require_status(jury, JuryStatus.DELIBERATION)
    require_jury_day(jury, "Aucun vote ne peut être enregistré")
    membres = {m.pk: m for m in membres_of(jury)}
    [ligne] = lignes(jury, list(membres.values()), only=deliberation.pk)
    recused = {r.membre_id: r.motif for r in ligne.recusations}
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
        if not membre.has_voix_deliberative:
            raise JuryRefus(f"{membre.intervenant} siège comme expert, sans voix délibérative.")
        if choix not in VoteChoice.values:
            raise JuryRefus(f"Vote inconnu pour {membre.intervenant}.")
    require_regular_composition(ligne)
    for membre_pk, choix in votes.items():
        Vote.objects.update_or_create(
            deliberation=deliberation, membre_id=membre_pk, defaults={"choix": choix}
        )
