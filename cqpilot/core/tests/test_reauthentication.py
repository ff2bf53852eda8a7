"""The sensitive actions ask for the password again (the code, with an application), unless it
was given in the last REAUTHENTICATION_TIMEOUT seconds."""

from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
import time_machine
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from cqpilot.accrochage.depots import build_files, ensure_passages
from cqpilot.accrochage.models import PassageAccrochage, ReglagesAccrochage, SchemaVersion
from cqpilot.delivrance.models import DocumentDelivre, DocumentStatus, LotDelivrance
from cqpilot.delivrance.services import a_delivrer, issue, issue_all
from cqpilot.delivrance.tests.factories import signed_jury
from cqpilot.jurys.deliberation import BlocSaisie, save_decision
from cqpilot.jurys.models import Decision, JuryStatus
from cqpilot.jurys.pv import close
from cqpilot.jurys.services import open_deliberation
from cqpilot.jurys.tests.factories import scenario

from .accounts import confirm_identity, pass_second_factor

pytestmark = pytest.mark.django_db

PASSWORD = "motdepasse-solide-2026"
NOW = datetime(2026, 11, 30, 9, 0, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def closed_jury():
    s = scenario(1)
    open_deliberation(s.jury, by=s.gestionnaire)
    save_decision(
        s.jury.deliberations.get(),
        revision=0,
        decision=Decision.TOTALE,
        blocs={bloc.pk: BlocSaisie("valide") for bloc in s.blocs},
        unanimite=True,
        by=s.gestionnaire,
    )
    close(s.jury, by=s.gestionnaire)
    return s


def from_page(url: str) -> dict:
    return {"HTTP_REFERER": f"http://testserver{url}"}


def test_signing_a_pv_asks_for_the_password_then_comes_back_to_the_jury(client, clock):
    s = closed_jury()
    client.force_login(s.president)
    jury_page = reverse("jurys:jury_detail", args=[s.jury.pk])
    sign = reverse("jurys:jury_sign", args=[s.jury.pk])

    asked = client.post(sign, **from_page(jury_page))
    s.jury.refresh_from_db()
    assert s.jury.status == JuryStatus.CLOS
    assert asked["Location"] == f"{reverse('reauthenticate')}?next={jury_page}"

    wrong = client.post(asked["Location"], {"password": "faux", "next": jury_page})
    assert "Mot de passe incorrect." in unescape(wrong.text)
    back = client.post(asked["Location"], {"password": PASSWORD, "next": jury_page})
    assert back["Location"] == jury_page
    client.post(sign)
    s.jury.refresh_from_db()
    assert s.jury.status == JuryStatus.SIGNE


def test_a_confirmation_is_remembered_five_minutes(client, clock):
    s = closed_jury()
    client.force_login(s.president)
    confirm_identity(client)
    clock.shift(timedelta(minutes=5, seconds=1))

    response = client.post(reverse("jurys:jury_sign", args=[s.jury.pk]))

    assert response["Location"].startswith(reverse("reauthenticate"))


def test_an_htmx_action_is_sent_to_the_confirmation_page_by_hx_redirect(client, clock):
    s = closed_jury()
    client.force_login(s.president)
    jury_page = reverse("jurys:jury_detail", args=[s.jury.pk])

    response = client.post(
        reverse("jurys:jury_sign", args=[s.jury.pk]),
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL=f"http://testserver{jury_page}",
    )

    assert response["HX-Redirect"] == f"{reverse('reauthenticate')}?next={jury_page}"


@pytest.mark.parametrize(
    "elsewhere", ["https://evil.example/jurys/", "//evil.example/", "javascript:alert(1)"]
)
def test_the_way_back_stays_on_the_site(client, elsewhere):
    s = closed_jury()
    client.force_login(s.president)

    asked = client.post(reverse("jurys:jury_sign", args=[s.jury.pk]), HTTP_REFERER=elsewhere)
    assert asked["Location"] == f"{reverse('reauthenticate')}?next=/"
    back = client.post(reverse("reauthenticate"), {"password": PASSWORD, "next": elsewhere})
    assert back["Location"] == "/"


def test_a_user_with_an_application_confirms_with_its_code(client, clock):
    s = closed_jury()
    device = TOTPDevice.objects.create(user=s.president, name="Téléphone", confirmed=True)
    client.force_login(s.president)
    pass_second_factor(client, device)
    jury_page = reverse("jurys:jury_detail", args=[s.jury.pk])

    page = client.get(reverse("reauthenticate"), {"next": jury_page})
    code = f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"
    back = client.post(reverse("reauthenticate"), {"code": code, "next": jury_page})

    assert "saisissez le code de votre application" in page.text
    assert back["Location"] == jury_page
    client.post(reverse("jurys:jury_sign", args=[s.jury.pk]))
    s.jury.refresh_from_db()
    assert s.jury.status == JuryStatus.SIGNE


def test_wrong_passwords_count_towards_the_lockout(client):
    s = closed_jury()
    client.force_login(s.president)
    for _ in range(5):
        response = client.post(reverse("reauthenticate"), {"password": "faux", "next": "/"})

    assert response.status_code == 429


def test_issuing_a_jury_s_documents_asks_for_the_password(client, clock):
    s = signed_jury()
    client.force_login(s.gestionnaire)
    documents_page = reverse("delivrance:jury_documents", args=[s.jury.pk])

    asked = client.post(documents_page, {"courriels": "0"}, **from_page(documents_page))

    assert asked["Location"] == f"{reverse('reauthenticate')}?next={documents_page}"
    assert not LotDelivrance.objects.exists()
    confirm_identity(client)
    client.post(documents_page, {"courriels": "0"})
    assert LotDelivrance.objects.get().jury == s.jury
    assert DocumentDelivre.objects.count() == 2


def test_cancelling_a_document_asks_for_the_password(client, clock):
    s = signed_jury()
    document = issue(a_delivrer(s.jury)[0], by=s.gestionnaire)
    client.force_login(s.gestionnaire)

    asked = client.post(
        reverse("delivrance:document_cancel", args=[document.pk]), {"motif": "Erreur"}
    )

    assert asked["Location"].startswith(reverse("reauthenticate"))
    document.refresh_from_db()
    assert document.status == DocumentStatus.VALIDE


def test_a_deposit_file_with_nirs_asks_for_the_password_then_downloads(client, clock):
    s = signed_jury()
    ReglagesAccrochage.objects.create(
        organisation=s.branche,
        id_client="CPNE0001",
        id_contrat="MCFCER000123",
        version_schema=SchemaVersion.V2026,
    )
    issue_all(a_delivrer(s.jury), by=s.gestionnaire)
    ensure_passages(s.branche)
    [fichier] = build_files(s.branche, PassageAccrochage.objects.all(), by=s.gestionnaire)
    client.force_login(s.gestionnaire)
    url = reverse("accrochage:fichier", args=[fichier.pk])

    asked = client.get(url)
    assert asked["Location"] == f"{reverse('reauthenticate')}?next={url}"
    back = client.post(asked["Location"], {"password": PASSWORD, "next": url})
    assert back["Location"] == url
    download = client.get(url)
    assert download.status_code == 200
    assert b"idFlux" in b"".join(download.streaming_content)
    download.close()


def test_a_deposit_file_without_nirs_downloads_at_once(client):
    s = signed_jury()
    ReglagesAccrochage.objects.create(
        organisation=s.branche, id_client="CPNE0001", id_contrat="MCFCER000123"
    )  # schema 1.1.2: no NIR
    issue_all(a_delivrer(s.jury), by=s.gestionnaire)
    ensure_passages(s.branche)
    [fichier] = build_files(s.branche, PassageAccrochage.objects.all(), by=s.gestionnaire)
    client.force_login(s.gestionnaire)

    download = client.get(reverse("accrochage:fichier", args=[fichier.pk]))

    assert download.status_code == 200
    download.close()


def test_a_stranger_gets_a_404_not_the_confirmation_page(client):
    s = signed_jury()
    other = closed_jury()
    client.force_login(other.president)

    assert client.post(reverse("jurys:jury_sign", args=[s.jury.pk])).status_code == 404
