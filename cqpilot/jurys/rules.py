"""The jury's rules as plain functions: composition and majority (conflicts of interest:
cqpilot.intervenants.rules).

Each returns French explanations, so that the screens and the PV say exactly why.
"""

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from cqpilot.intervenants.models import College

from .models import JuryMembre, Majorite, ReglesJury, RoleJury, VoteChoice

VOTING_COLLEGES = (College.EMPLOYEURS, College.SALARIES)


def _plural(count: int, words: str) -> str:
    """« 1 membre présent », « 2 membres présents »."""
    return f"{count} " + " ".join(w + "s" if count > 1 else w for w in words.split())


@dataclass(frozen=True)
class Composition:
    problems: list[str]
    votants: int
    par_college: dict[str, int]
    externes: int
    presidence: JuryMembre | None = None  # who presides (and breaks a tie)

    @property
    def resume(self) -> str:
        """« 3 membres votants (2 employeurs, 1 salarié) »."""
        return (
            f"{_plural(self.votants, 'membre votant')} "
            f"({_plural(self.par_college[College.EMPLOYEURS], 'employeur')}, "
            f"{_plural(self.par_college[College.SALARIES], 'salarié')})"
        )


def electeurs(membres: Iterable[JuryMembre], recused: Collection[int] = ()) -> list[JuryMembre]:
    """The members who vote: present, with voix délibérative, not recused (member pks)."""
    return [m for m in membres if m.present and m.has_voix_deliberative and m.pk not in recused]


def check_composition(
    membres: Iterable[JuryMembre],
    regles: ReglesJury,
    organismes_candidats: set[int],
    *,
    recused: Collection[int] = (),
) -> Composition:
    """Whether the members present make a valid jury under the certification's rules.

    For one candidate's deliberation, `recused` holds the members recused for him: they neither
    vote nor count, and a recused president is replaced by the vice-president.
    `organismes_candidats`: the OFs of the candidates concerned, whose people are not external.
    Each member's intervenant must come with `organismes` prefetched.
    """
    membres = list(membres)
    votants = electeurs(membres, recused)
    par_college = {college: sum(m.college == college for m in votants) for college in College}
    externes = sum(
        not m.intervenant.interne_certificateur
        and not {o.pk for o in m.intervenant.organismes.all()} & organismes_candidats
        for m in votants
    )
    problems = []
    if len(votants) < regles.quorum:
        problems.append(
            f"Quorum non atteint : {_plural(len(votants), 'membre votant présent')}, "
            f"{regles.quorum} requis."
        )
    for college in VOTING_COLLEGES:
        if par_college[college] < regles.membres_min_par_college:
            problems.append(
                f"{College(college).label} : {_plural(par_college[college], 'membre présent')}, "
                f"{regles.membres_min_par_college} requis."
            )
    if regles.parite and par_college[College.EMPLOYEURS] != par_college[College.SALARIES]:
        problems.append(
            f"Parité non respectée : {_plural(par_college[College.EMPLOYEURS], 'employeur')} "
            f"et {_plural(par_college[College.SALARIES], 'salarié')} présents."
        )
    presidence = next((m for m in votants if m.role == RoleJury.PRESIDENT), None)
    president_recused = any(
        m.role == RoleJury.PRESIDENT and m.present and m.pk in recused for m in membres
    )
    if presidence is None and president_recused:
        presidence = next((m for m in votants if m.role == RoleJury.VICE_PRESIDENT), None)
        if presidence is None:
            problems.append("Président récusé, et aucun vice-président présent pour le suppléer.")
    elif presidence is None:
        problems.append("Aucun président présent.")
    if votants and externes * 100 < regles.part_externes_min * len(votants):
        problems.append(
            f"Membres externes : {externes} sur {len(votants)} "
            f"({round(externes * 100 / len(votants))} %), {regles.part_externes_min} % requis."
        )
    return Composition(problems, len(votants), par_college, externes, presidence)


@dataclass(frozen=True)
class Adoption:
    adopted: bool
    explanation: str


def adoption(
    votes: dict[int, str],
    electeurs: list[JuryMembre],
    regles: ReglesJury,
    *,
    presidence: JuryMembre | None = None,
) -> Adoption:
    """Whether the decision is adopted by `votes` (member pk → choice) of the `electeurs`: the
    voting members present and not recused for this candidate. `presidence`: who presides for
    this candidate, when not the president (recused)."""
    if not votes:
        return Adoption(False, "Vote non enregistré.")
    president = presidence or next((m for m in electeurs if m.role == RoleJury.PRESIDENT), None)
    qui = (
        "du président"
        if president is None or president.role == RoleJury.PRESIDENT
        else ("du vice-président, qui préside")
    )
    president_pour = (
        president is not None
        and regles.voix_preponderante_president
        and votes.get(president.pk) == VoteChoice.POUR
    )

    def majority(members: list[JuryMembre], *, expressed_only: bool) -> tuple[bool, str]:
        pour = sum(votes.get(m.pk) == VoteChoice.POUR for m in members)
        contre = sum(votes.get(m.pk) == VoteChoice.CONTRE for m in members)
        base = pour + contre if expressed_only else len(members)
        if 2 * pour > base:
            return True, f"{pour} pour, {contre} contre sur {base}"
        if 2 * pour == base and pour and president_pour and president in members:
            return True, f"{pour} pour, {contre} contre : voix prépondérante {qui}"
        return False, f"{pour} pour, {contre} contre sur {base}"

    if regles.majorite == Majorite.PAR_COLLEGE:
        details, adopted = [], True
        for college in VOTING_COLLEGES:
            members = [m for m in electeurs if m.college == college]
            ok, detail = majority(members, expressed_only=False)
            adopted &= ok
            details.append(f"{College(college).label} : {detail}")
        return Adoption(adopted, " ; ".join(details) + ".")
    ok, detail = majority(electeurs, expressed_only=regles.majorite == Majorite.SUFFRAGES_EXPRIMES)
    return Adoption(ok, f"{detail}.")
