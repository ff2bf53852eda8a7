"""A jury's status moves only along its table of transitions, each kept with who made it."""

import pytest
from django.urls import reverse

from cqpilot.core.models import Role
from cqpilot.core.tests.factories import UserFactory
from cqpilot.jurys.deliberation import BlocSaisie, save_decision
from cqpilot.jurys.models import JuryStatus
from cqpilot.jurys.pv import close, rectify, reopen, sign
from cqpilot.jurys.services import JuryRefus, open_deliberation
from cqpilot.jurys.workflow import transition

from .factories import scenario

pytestmark = pytest.mark.django_db
S = JuryStatus


def decided():
    s = scenario(1)
    open_deliberation(s.jury, by=s.gestionnaire)
    save_decision(
        s.jury.deliberations.get(),
        revision=0,
        decision="totale",
        blocs={b.pk: BlocSaisie("valide") for b in s.blocs},
        unanimite=True,
        by=s.gestionnaire,
    )
    return s


def test_each_status_change_is_kept_with_who_made_it_and_why():
    s = decided()
    close(s.jury, by=s.gestionnaire)
    reopen(s.jury, by=s.gestionnaire)
    close(s.jury, by=s.gestionnaire)
    sign(s.jury, by=s.president)
    rectify(s.jury, "Erreur de saisie", by=s.gestionnaire)

    history = [(t.from_status, t.to_status, t.by, t.motif) for t in s.jury.transitions.all()]

    g, p = s.gestionnaire, s.president
    assert history == [
        (S.PREPARATION, S.DELIBERATION, g, ""),
        (S.DELIBERATION, S.CLOS, g, ""),
        (S.CLOS, S.DELIBERATION, g, ""),
        (S.DELIBERATION, S.CLOS, g, ""),
        (S.CLOS, S.SIGNE, p, ""),
        (S.SIGNE, S.DELIBERATION, g, "Erreur de saisie"),
    ]


def test_a_move_outside_the_table_is_refused():
    s = scenario(1)

    with pytest.raises(JuryRefus) as refusal:
        transition(s.jury, S.SIGNE, by=s.gestionnaire)

    assert refusal.value.message == (
        "Impossible : un jury « en préparation » ne passe pas à « PV signé »."
    )
    s.jury.refresh_from_db()
    assert s.jury.status == S.PREPARATION and not s.jury.transitions.exists()


def test_only_a_manager_of_the_jurys_certifier_opens_closes_or_rectifies_it():
    s = scenario(1)
    stranger = UserFactory(roles=[Role.GESTIONNAIRE])

    for user in (s.president, stranger):
        with pytest.raises(JuryRefus, match="réservé aux gestionnaires du certificateur"):
            open_deliberation(s.jury, by=user)
    s.jury.refresh_from_db()
    assert s.jury.status == S.PREPARATION


def test_a_rectification_needs_its_reason():
    s = decided()
    close(s.jury, by=s.gestionnaire)
    sign(s.jury, by=s.president)

    with pytest.raises(JuryRefus, match="Indiquez le motif de la rectification"):
        rectify(s.jury, "  ", by=s.gestionnaire)


def test_the_jury_page_shows_its_history(client):
    s = decided()
    close(s.jury, by=s.gestionnaire)
    client.force_login(s.gestionnaire)

    page = client.get(reverse("jurys:jury_detail", args=[s.jury.pk]))

    assert "Ouverture de la délibération" in page.text
    assert "Clôture du jury, PV produit" in page.text
