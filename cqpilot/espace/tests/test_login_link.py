"""A candidate signs in by a one-time link e-mailed on request: valid once and for a few
minutes, only for candidates' accounts, the same answer whatever the address, throttled like
password resets, and journaled."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from auditlog.models import LogEntry
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from cqpilot.core.models import Role, RoleGrant, User
from cqpilot.core.tests.factories import UserFactory
from cqpilot.dossiers.tests.factories import (
    CandidatFactory,
    habilitated_dossier,
)
from cqpilot.espace.login_link import JOURNAL, LienInvalide, make_token, use_token
from cqpilot.espace.services import invite_candidat

pytestmark = pytest.mark.django_db
BASE = "https://cqpilot.exemple.fr/"
ASK = "/espace/connexion/lien/"


@pytest.fixture
def dossier():
    return habilitated_dossier(
        candidat=CandidatFactory(prenom1="Léa", nom_naissance="Durand", email="lea@exemple.fr"),
    )


@pytest.fixture
def of_user(dossier):
    return UserFactory(
        organisation=dossier.organisme, roles=[Role.ORGANISME_FORMATION], email="of@exemple.fr"
    )


@pytest.fixture
def compte(dossier, of_user) -> User:
    """Invited, the password never chosen: the link is how she signs in."""
    return invite_candidat(dossier.candidat, email="lea@exemple.fr", by=of_user, base_url=BASE)


def ask(client, address: str, capture):
    mail.outbox.clear()
    with capture(execute=True):
        return client.post(ASK, {"email": address})


def link_in(message) -> str:
    [url] = re.findall(r"https?://\S+/espace/connexion/lien/\S+/", message.body)
    return urlsplit(url).path


def test_the_login_page_offers_the_link(client):
    page = client.get(reverse("login")).content.decode()
    assert f'href="{ASK}"' in page
    assert "Recevoir un lien de connexion" in page


def test_the_invitation_mail_names_the_link_page(
    dossier, of_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite_candidat(dossier.candidat, email="lea@exemple.fr", by=of_user, base_url=BASE)
    [invitation] = mail.outbox
    assert f"https://cqpilot.exemple.fr{ASK}" in invitation.body
    assert "sans mot de passe" in invitation.body


def test_a_candidate_signs_in_once_with_the_emailed_link(
    client, compte, django_capture_on_commit_callbacks
):
    response = ask(client, "Lea@Exemple.fr", django_capture_on_commit_callbacks)
    assert response.status_code == 302
    assert response["Location"] == "/espace/connexion/lien/envoye/"
    [message] = mail.outbox
    assert message.to == ["lea@exemple.fr"]
    assert "valable 15 minutes" in message.body
    path = link_in(message)

    # opening the link (or a mail scanner's preview) does not spend it: a button does
    for _ in range(2):
        page = client.get(path)
        assert page.status_code == 200
        assert "Me connecter" in page.content.decode()
    assert "_auth_user_id" not in client.session

    signed_in = client.post(path)
    assert signed_in.status_code == 302
    assert signed_in["Location"] == "/espace/"
    assert client.get("/espace/").status_code == 200
    journal = LogEntry.objects.get_for_object(compte).get(action=LogEntry.Action.ACCESS)
    assert journal.actor == compte
    assert journal.additional_data == {"lecture": JOURNAL}

    client.logout()
    spent = client.post(path)
    assert spent.status_code == 410
    assert "plus valable" in spent.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get(path).status_code == 410


def test_using_a_link_spends_the_older_ones_too(compte):
    older = make_token(compte)
    compte.last_login = timezone.now() - timedelta(days=3)
    compte.save(update_fields=["last_login"])
    newer = make_token(compte)
    use_token(newer)
    for token in (older, newer):
        with pytest.raises(LienInvalide):
            use_token(token)


def test_the_link_expires_after_the_setting(client, compte, settings):
    settings.CANDIDAT_LOGIN_LINK_MINUTES = 15
    token = make_token(compte)
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert client.post(f"{ASK}{token}/").status_code == 410
    with time_machine.travel(timezone.now() + timedelta(minutes=14)):
        assert client.post(f"{ASK}{token}/").status_code == 302


def test_a_forged_or_altered_token_is_refused(client, compte):
    token = make_token(compte)
    other = UserFactory()
    forged = token.replace(f"{compte.pk}.", f"{other.pk}.", 1)
    for bad in (forged, token[:-2] + "xx", "nimportequoi", f"{compte.pk}.abc:xyz:123"):
        assert client.post(f"{ASK}{bad}/").status_code == 410
    assert "_auth_user_id" not in client.session


def test_staff_accounts_get_no_link_and_the_answer_is_the_same(
    client, of_user, django_capture_on_commit_callbacks
):
    """A staff account signs in with its password and its second factor: its mailbox gets no
    link, and the page answers exactly as for an unknown address."""
    staff = ask(client, "of@exemple.fr", django_capture_on_commit_callbacks)
    assert mail.outbox == []
    unknown = ask(client, "personne@exemple.fr", django_capture_on_commit_callbacks)
    assert mail.outbox == []
    assert (staff.status_code, staff["Location"]) == (unknown.status_code, unknown["Location"])
    with pytest.raises(LienInvalide):
        use_token(make_token(of_user))  # even a link signed for it


def test_a_staff_account_linked_to_a_candidate_gets_no_link(compte, of_user):
    """A candidate's account given an organisation, the admin site or a role is staff from
    then on."""
    compte.organisation = of_user.organisation
    compte.save()
    with pytest.raises(LienInvalide):
        use_token(make_token(compte))
    compte.organisation = None
    compte.is_staff = True
    compte.save()
    with pytest.raises(LienInvalide):
        use_token(make_token(compte))
    compte.is_staff = False
    compte.save()
    compte.roles.set([RoleGrant.objects.get_or_create(code=Role.GESTIONNAIRE)[0]])
    with pytest.raises(LienInvalide):
        use_token(make_token(User.objects.get(pk=compte.pk)))


def test_a_disabled_account_gets_no_link(client, compte, django_capture_on_commit_callbacks):
    token = make_token(compte)
    compte.is_active = False
    compte.save()
    ask(client, "lea@exemple.fr", django_capture_on_commit_callbacks)
    assert mail.outbox == []
    assert client.post(f"{ASK}{token}/").status_code == 410


def test_a_candidate_with_a_second_factor_still_gives_its_code(client, compte):
    TOTPDevice.objects.create(user=compte, name="Téléphone", confirmed=True)
    client.post(f"{ASK}{make_token(compte)}/")
    assert client.get("/espace/")["Location"].startswith(reverse("mfa_verify"))


def test_requests_are_throttled_per_address_whether_or_not_it_has_an_account(
    client, compte, settings, django_capture_on_commit_callbacks
):
    settings.CANDIDAT_LOGIN_LINK_RATE_PER_ADDRESS = "2/h"
    for address in ("lea@exemple.fr", "personne@exemple.fr"):
        for _ in range(2):
            assert ask(client, address, django_capture_on_commit_callbacks).status_code == 302
        refused = ask(client, address, django_capture_on_commit_callbacks)
        assert refused.status_code == 429
        assert mail.outbox == []
        assert "Trop de demandes de lien" in refused.content.decode()
        assert int(refused["Retry-After"]) > 0


def test_requests_are_throttled_per_requester(client, settings, django_capture_on_commit_callbacks):
    settings.CANDIDAT_LOGIN_LINK_RATE_PER_IP = "3/h"
    for n in range(3):
        ask(client, f"inconnu{n}@exemple.fr", django_capture_on_commit_callbacks)
    assert ask(client, "autre@exemple.fr", django_capture_on_commit_callbacks).status_code == 429


def test_a_bad_address_is_answered_in_french(client):
    response = client.post(ASK, {"email": "pas une adresse"})
    assert response.status_code == 200
    assert "Saisissez une adresse" in response.content.decode()
