"""Composition and majority: one test per rule of the branch settings."""

import pytest

from cqpilot.core.tests.factories import OrganisationFactory
from cqpilot.dossiers.tests.factories import OrganismeFactory
from cqpilot.intervenants.models import College
from cqpilot.intervenants.tests.factories import IntervenantFactory
from cqpilot.jurys.models import JuryMembre, Majorite, ReglesJury, RoleJury
from cqpilot.jurys.rules import adoption, check_composition

pytestmark = pytest.mark.django_db


def membre(college=College.EMPLOYEURS, role=RoleJury.MEMBRE, present=True, pk=None, **person):
    intervenant = IntervenantFactory(college=college, **person)
    return JuryMembre(pk=pk, intervenant=intervenant, college=college, role=role, present=present)


def regles(**settings) -> ReglesJury:
    return ReglesJury(**settings)


def paritaire(employeurs=1, salaries=1, **person):
    members = [membre(College.EMPLOYEURS, RoleJury.PRESIDENT, **person)]
    members += [membre(College.EMPLOYEURS, **person) for _ in range(employeurs - 1)]
    members += [membre(College.SALARIES, **person) for _ in range(salaries)]
    return members


def test_a_paritaire_jury_with_a_president_is_valid_by_default():
    assert check_composition(paritaire(), regles(), set()).problems == []


def test_quorum_counts_only_voting_members_present():
    members = [*paritaire(), membre(College.AUCUN, RoleJury.EXPERT)]
    members[1].present = False

    problems = check_composition(members, regles(parite=False, membres_min_par_college=0), set())

    assert problems.problems == ["Quorum non atteint : 1 membre votant présent, 2 requis."]


def test_a_missing_college_is_reported():
    members = [membre(College.EMPLOYEURS, RoleJury.PRESIDENT), membre(College.EMPLOYEURS)]

    problems = check_composition(members, regles(parite=False), set()).problems

    assert problems == ["Collège salariés : 0 membre présent, 1 requis."]


def test_minimum_per_college_is_a_setting():
    problems = check_composition(paritaire(2, 2), regles(membres_min_par_college=3), set())

    assert problems.problems == [
        "Collège employeurs : 2 membres présents, 3 requis.",
        "Collège salariés : 2 membres présents, 3 requis.",
    ]


def test_parity_between_colleges_when_required():
    members = paritaire(employeurs=2, salaries=1)

    assert check_composition(members, regles(), set()).problems == [
        "Parité non respectée : 2 employeurs et 1 salarié présents."
    ]
    assert check_composition(members, regles(parite=False), set()).problems == []


def test_a_jury_needs_its_president_present():
    members = paritaire()
    members[0].present = False
    members.append(membre(College.EMPLOYEURS))

    assert "Aucun président présent." in check_composition(members, regles(), set()).problems


def test_members_of_the_certifier_or_of_the_candidates_ofs_are_not_external():
    of = OrganismeFactory()
    members = paritaire(2, 2)
    members[0].intervenant.interne_certificateur = True
    members[1].intervenant.organismes.set([of])

    problems = check_composition(members, regles(part_externes_min=60), {of.pk}).problems

    assert problems == ["Membres externes : 2 sur 4 (50 %), 60 % requis."]
    assert check_composition(members, regles(part_externes_min=50), {of.pk}).problems == []
    # An OF that presents no candidate to this jury does not make its people internal.
    assert check_composition(members, regles(part_externes_min=75), set()).problems == []


def electeurs(n_employeurs=2, n_salaries=2):
    organisation = OrganisationFactory()
    members, pk = [], 1
    for college, count in ((College.EMPLOYEURS, n_employeurs), (College.SALARIES, n_salaries)):
        for _ in range(count):
            role = RoleJury.PRESIDENT if pk == 1 else RoleJury.MEMBRE
            members.append(membre(college, role, pk=pk, organisation=organisation))
            pk += 1
    return members


def test_absolute_majority_of_members_present():
    voters = electeurs()  # 4 voters

    assert adoption({1: "pour", 2: "pour", 3: "pour", 4: "abstention"}, voters, regles()).adopted
    assert not adoption({1: "pour", 2: "abstention", 3: "abstention"}, voters, regles()).adopted


def test_the_president_breaks_a_tie_only_when_the_setting_says_so():
    voters = electeurs()
    tie = {1: "pour", 2: "pour", 3: "contre", 4: "contre"}

    with_casting = adoption(tie, voters, regles())
    assert with_casting.adopted
    assert with_casting.explanation == "2 pour, 2 contre : voix prépondérante du président."
    assert not adoption(tie, voters, regles(voix_preponderante_president=False)).adopted
    assert not adoption({1: "contre", 2: "contre", 3: "pour", 4: "pour"}, voters, regles()).adopted


def test_majority_of_votes_cast_ignores_abstentions():
    voters = electeurs()
    votes = {1: "pour", 2: "abstention", 3: "abstention", 4: "abstention"}

    assert adoption(votes, voters, regles(majorite=Majorite.SUFFRAGES_EXPRIMES)).adopted
    assert not adoption(votes, voters, regles()).adopted


def test_double_majority_needs_each_college():
    voters = electeurs()
    votes = {1: "pour", 2: "pour", 3: "pour", 4: "contre"}

    result = adoption(
        votes, voters, regles(majorite=Majorite.PAR_COLLEGE, voix_preponderante_president=False)
    )

    assert not result.adopted
    assert result.explanation == (
        "Collège employeurs : 2 pour, 0 contre sur 2 ; Collège salariés : 1 pour, 1 contre sur 2."
    )


def test_no_vote_recorded_means_not_adopted():
    assert adoption({}, electeurs(), regles()).explanation == "Vote non enregistré."


def test_for_a_candidate_whose_president_is_recused_the_vice_president_presides():
    members = paritaire(2, 2)
    for pk, member in enumerate(members, start=1):
        member.pk = pk
    members[3].role = RoleJury.VICE_PRESIDENT  # a salarié
    recused = {1, 3}  # the president, and a salarié for parity

    composition = check_composition(members, regles(), set(), recused=recused)

    assert composition.problems == []
    assert composition.presidence == members[3]
    members[3].role = RoleJury.MEMBRE
    assert check_composition(members, regles(), set(), recused=recused).problems == [
        "Président récusé, et aucun vice-président présent pour le suppléer."
    ]


def test_the_vice_president_presiding_breaks_a_tie():
    voters = electeurs()
    voters[2].role = RoleJury.VICE_PRESIDENT
    tie = {2: "pour", 3: "pour", 4: "contre", 5: "contre"}
    voters.append(membre(College.EMPLOYEURS, pk=5))

    result = adoption(tie, voters[1:], regles(), presidence=voters[2])

    assert result.explanation == (
        "2 pour, 2 contre : voix prépondérante du vice-président, qui préside."
    )
