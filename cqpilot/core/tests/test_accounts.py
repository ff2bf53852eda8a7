import pytest
from auditlog.models import LogEntry
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from cqpilot.core.models import Role, User
from cqpilot.settings import env_bool

from .factories import (
    OrganisationFactory,
    OrganismeFormationFactory,
    UserFactory,
    administrateur,
    gestionnaire,
)

pytestmark = pytest.mark.django_db


def test_login_page_is_in_french(client):
    response = client.get(reverse("login"))
    assert "Connexion" in response.text
    assert "Mot de passe oublié" in response.text


def test_login_with_the_right_password_reaches_the_home_page(client):
    UserFactory(username="camille")
    response = client.post(
        reverse("login"), {"username": "camille", "password": "motdepasse-solide-2026"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("home")
    assert "Bonjour Camille" in response.text


def test_wrong_password_shows_a_french_error(client):
    UserFactory(username="camille")
    response = client.post(reverse("login"), {"username": "camille", "password": "faux"})
    assert "Identifiant ou mot de passe incorrect" in response.text


def test_five_failed_logins_lock_the_account_even_with_the_right_password(client):
    UserFactory(username="camille")
    for _ in range(5):
        client.post(reverse("login"), {"username": "camille", "password": "faux"})
    response = client.post(
        reverse("login"), {"username": "camille", "password": "motdepasse-solide-2026"}
    )
    assert response.status_code == 429
    assert "temporairement bloquée" in response.text


def test_password_reset_sends_a_french_email_after_the_answer(
    client, django_capture_on_commit_callbacks
):
    UserFactory(email="camille@exemple.fr")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("password_reset"), {"email": "camille@exemple.fr"})
        assert mail.outbox == []  # the request does not wait for the mail server
    assert len(mail.outbox) == 1
    assert "nouveau mot de passe" in mail.outbox[0].body


def test_pages_require_login(client):
    response = client.get(reverse("referentiels:certification_list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_administrateur_creates_a_user_in_his_own_organisation(client):
    admin = administrateur()
    client.force_login(admin)
    response = client.post(
        reverse("user_create"),
        {
            "username": "nouveau",
            "first_name": "Léa",
            "last_name": "Durand",
            "email": "lea@exemple.fr",
            "is_active": "on",
            "roles": [Role.GESTIONNAIRE],
            "password": "un-mot-de-passe-robuste-42",
        },
    )
    assert response.status_code == 302
    created = User.objects.get(username="nouveau")
    assert created.organisation == admin.organisation
    assert created.has_role(Role.GESTIONNAIRE)
    assert created.check_password("un-mot-de-passe-robuste-42")


def test_a_certificateur_user_cannot_get_the_organisme_de_formation_role(client):
    client.force_login(administrateur())
    response = client.post(
        reverse("user_create"),
        {
            "username": "x",
            "email": "x@exemple.fr",
            "roles": [Role.ORGANISME_FORMATION],
            "password": "un-mot-de-passe-robuste-42",
        },
    )
    assert "réservé aux OF" in response.text
    assert not User.objects.filter(username="x").exists()


def test_administrateur_never_sees_users_of_another_organisation(client):
    client.force_login(administrateur())
    stranger = UserFactory(organisation=OrganisationFactory())
    assert stranger.last_name not in client.get(reverse("user_list")).text
    assert client.get(reverse("user_edit", args=[stranger.pk])).status_code == 404


def test_gestionnaire_cannot_manage_users(client):
    client.force_login(gestionnaire())
    assert client.get(reverse("user_list")).status_code == 403


def test_user_list_runs_a_constant_number_of_queries(client, django_assert_num_queries):
    admin = administrateur()
    client.force_login(admin)
    for _ in range(3):
        UserFactory(organisation=admin.organisation, roles=[Role.EVALUATEUR])
    # session, user, its organisation, its roles, count, page of ids, page of users, their roles
    with django_assert_num_queries(8):
        client.get(reverse("user_list"))
    for _ in range(5):
        UserFactory(organisation=admin.organisation, roles=[Role.MEMBRE_JURY])
    with django_assert_num_queries(8):
        client.get(reverse("user_list"))


def test_organisme_de_formation_home_page_shows_no_certifier_data(client):
    client.force_login(
        UserFactory(organisation=OrganismeFormationFactory(), roles=["organisme_formation"])
    )
    response = client.get(reverse("home"))
    assert "Vos certifications" not in response.text


def edit_user(client, user: User, **changes) -> None:
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        **changes,
    }
    client.post(reverse("user_edit", args=[user.pk]), data)


def test_every_change_is_recorded_with_its_author(client):
    admin = administrateur()
    client.force_login(admin)
    edited = UserFactory(organisation=admin.organisation, roles=[Role.EVALUATEUR])
    edit_user(client, edited, first_name="Nouveau prénom", roles=[Role.EVALUATEUR])
    entry = LogEntry.objects.get_for_object(edited).filter(actor=admin).latest("timestamp")
    assert entry.changes_dict["first_name"] == ["Camille", "Nouveau prénom"]
    journal = client.get(reverse("audit_log")).text
    assert "Camille → Nouveau prénom" in journal


def test_role_changes_appear_in_the_journal(client):
    admin = administrateur()
    client.force_login(admin)
    edited = UserFactory(organisation=admin.organisation, roles=[Role.EVALUATEUR])
    edit_user(client, edited, roles=[Role.EVALUATEUR, Role.MEMBRE_JURY])
    assert "ajout : Membre de jury" in client.get(reverse("audit_log")).text


@pytest.mark.parametrize("raw", ["peut-être", "2"])
def test_a_misspelt_boolean_setting_fails_loudly(monkeypatch, raw):
    monkeypatch.setenv("DEBUG_TEST", raw)
    with pytest.raises(ImproperlyConfigured):
        env_bool("DEBUG_TEST", False)
