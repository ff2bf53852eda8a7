"""Attacks on the espace candidat: its one-time login link replayed after what should spend
it, forged into a login CSRF, or read for who has an account; the recours form fed what its
textarea would never send."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core import mail
from django.test import Client
from django.urls import reverse

from cqpilot.core.models import Role, RoleGrant
from cqpilot.core.tests.factories import UserFactory
from cqpilot.delivrance.tests.factories import signed_jury
from cqpilot.dossiers.tests.factories import (
    CandidatFactory,
    habilitated_dossier,
)
from cqpilot.espace.login_link import make_token
from cqpilot.espace.services import invite_candidat
from cqpilot.jurys.models import Recours

pytestmark = pytest.mark.django_db
BASE = "https://cqpilot.exemple.fr/"
ASK = "/espace/connexion/lien/"
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def dossier():
    return habilitated_dossier(
        candidat=CandidatFactory(prenom1="Léa", nom_naissance="Durand", email="lea@exemple.fr"),
    )


@pytest.fixture
def compte(dossier):
    of_user = UserFactory(organisation=dossier.organisme, roles=[Role.ORGANISME_FORMATION])
    return invite_candidat(dossier.candidat, email="lea@exemple.fr", by=of_user, base_url=BASE)


def link(user) -> str:
    return reverse("espace:lien_connexion_utiliser", args=[make_token(user)])


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def change_password(user):
    user.set_password("un-autre-mot-de-passe-2026")
    user.save()


def change_address(user):
    user.email = "nouvelle@exemple.fr"
    user.save()


def deactivate(user):
    user.is_active = False
    user.save()


def give_a_role(user):
    user.roles.add(RoleGrant.objects.get_or_create(code=Role.GESTIONNAIRE)[0])


@pytest.mark.parametrize("change", [change_password, change_address, deactivate, give_a_role])
def test_a_link_stops_working_once_the_account_changed(client, compte, change):
    path = link(compte)
    change(compte)
    assert client.get(path).status_code == 410
    assert client.post(path).status_code == 410
    assert not signed_in(client)


def test_a_link_used_then_logged_out_does_not_sign_in_again(client, compte):
    path = link(compte)
    assert client.post(path).status_code == 302
    client.logout()
    assert client.post(path).status_code == 410
    assert not signed_in(client)


def test_another_site_cannot_sign_a_visitor_into_the_attackers_espace(compte):
    """Login CSRF: the attacker's own link, posted from another site, would put the victim in
    the attacker's espace, where what the victim deposits lands."""
    browser = Client(enforce_csrf_checks=True)
    assert browser.post(link(compte)).status_code == 403
    assert not signed_in(browser)


def test_the_answer_is_the_same_with_or_without_an_account(
    client, compte, django_capture_on_commit_callbacks
):
    staff = UserFactory(email="staff@exemple.fr", roles=[Role.GESTIONNAIRE])
    answers = []
    for address in ("lea@exemple.fr", "personne@exemple.fr", staff.email):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(ASK, {"email": address})
        answers.append((response.status_code, response["Location"]))
    assert len(set(answers)) == 1
    assert [message.to for message in mail.outbox] == [["lea@exemple.fr"]]
    assert client.get(answers[0][1]).status_code == 200


def test_a_link_forged_for_another_account_is_refused(client, compte):
    other = UserFactory(organisation=None, roles=[], email="autre@exemple.fr")
    other_candidate = CandidatFactory(compte=other)
    token = make_token(compte)
    value, _, signature = token.rpartition(":")
    forged = f"{other.pk}{value[len(str(compte.pk)) :]}:{signature}"
    assert other_candidate.compte == other
    response = client.post(reverse("espace:lien_connexion_utiliser", args=[forged]))
    assert response.status_code == 410
    assert not signed_in(client)


@pytest.fixture
def holder():
    """Nguyen, not validated by a PV signed on 31 December 2026, has his account."""
    with time_machine.travel(datetime(2026, 12, 31, 10, tzinfo=PARIS), tick=False):
        s = signed_jury()
    deliberation = s.jury.deliberations.get(dossier__candidat__nom_naissance="Nguyen")
    candidat = deliberation.dossier.candidat
    candidat.compte = UserFactory(organisation=None, roles=[], email="nguyen@exemple.fr")
    candidat.save(update_fields=["compte"])
    return deliberation


def file_recours(client, deliberation, motifs: str) -> str:
    with time_machine.travel(datetime(2027, 1, 5, 10, tzinfo=PARIS), tick=False):
        client.force_login(deliberation.dossier.candidat.compte)
        response = client.post(
            reverse("espace:recours_deposer", args=[deliberation.pk]), {"motifs": motifs}
        )
    assert response.status_code == 302
    [message] = get_messages(response.wsgi_request)
    return str(message)


def test_a_nul_character_in_the_motifs_is_refused_in_french_not_a_server_error(client, holder):
    """PostgreSQL refuses a NUL in a text column (a server error there, a stored NUL on
    SQLite): the motifs, read without a Django form field, are checked before."""
    message = file_recours(client, holder, "La grille\x00 n'a pas été suivie.\nBC02.")
    assert message == (
        "Les motifs contiennent un caractère de contrôle invisible (U+0000) : retirez-le "
        "(retapez le texte) et envoyez à nouveau."
    )
    assert not Recours.objects.exists()


def test_too_long_motifs_are_refused_with_the_limit_written_in_french(client, holder):
    message = file_recours(client, holder, "x" * 10_001)
    assert message == "Les motifs du recours tiennent en 10\u202f000 caractères au plus."
    assert not Recours.objects.exists()


def test_the_link_points_to_the_public_address_whatever_host_the_requester_names(
    client, compte, settings, django_capture_on_commit_callbacks
):
    """Host header poisoning: an anonymous requester chooses the Host of his request, and the
    link goes to the victim's mailbox; it must lead to cqpilot, never to a host he names (any
    other name ALLOWED_HOSTS lets through: an alias, a wildcard)."""
    settings.ALLOWED_HOSTS = ["cqpilot.exemple.fr", ".exemple.fr"]
    settings.PUBLIC_URL = "https://cqpilot.exemple.fr"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(ASK, {"email": "lea@exemple.fr"}, HTTP_HOST="piege.exemple.fr")
    [message] = mail.outbox
    assert "piege" not in message.body
    assert "https://cqpilot.exemple.fr/espace/connexion/lien/" in message.body
