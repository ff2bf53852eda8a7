"""Tokens are created and revoked on screen; the token is shown once and only its hash kept."""

import hashlib
import re

import pytest
from django.test import Client
from django.urls import reverse

from cqpilot.api.models import JetonApi
from cqpilot.core.tests.accounts import confirm_identity
from cqpilot.core.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_creating_a_token_asks_for_the_password_first(client):
    client.force_login(UserFactory())
    response = client.post(reverse("api_ui:jetons"), {"nom": "ERP"})
    assert response.status_code == 302 and response.url.startswith(reverse("reauthenticate"))
    assert not JetonApi.objects.exists()


def test_a_user_creates_a_token_uses_it_and_revokes_it(client):
    user = UserFactory()
    client.force_login(user)
    confirm_identity(client)

    page = client.post(reverse("api_ui:jetons"), {"nom": "ERP"}).content.decode()
    key = re.search(r'id="nouveau-jeton">(cqp_[\w-]+)<', page).group(1)
    jeton = JetonApi.objects.get()
    assert jeton.empreinte == hashlib.sha256(key.encode()).hexdigest()
    assert key not in client.get(reverse("api_ui:jetons")).content.decode()  # shown once

    app = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert app.get("/api/v1/moi").json()["utilisateur"] == user.username
    client.post(reverse("api_ui:revoquer", args=[jeton.pk]))
    assert app.get("/api/v1/moi").status_code == 401


def test_nobody_revokes_someone_else_s_token(client):
    owner, other = UserFactory(), UserFactory()
    client.force_login(owner)
    confirm_identity(client)
    client.post(reverse("api_ui:jetons"), {"nom": "ERP"})
    jeton = JetonApi.objects.get()

    client.force_login(other)
    assert client.post(reverse("api_ui:revoquer", args=[jeton.pk])).status_code == 404
    jeton.refresh_from_db()
    assert jeton.revoked_at is None
