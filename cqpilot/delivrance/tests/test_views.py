"""Délivrance screens and the public pages."""

import socket

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from cqpilot.core.models import Role
from cqpilot.core.tests.accounts import confirm_identity
from cqpilot.core.tests.factories import UserFactory
from cqpilot.delivrance.documents import document_source, qr_png, verification_url
from cqpilot.delivrance.mentions import mentions
from cqpilot.delivrance.models import DocumentDelivre, LotDelivrance, ModeleParchemin
from cqpilot.delivrance.services import a_delivrer, issue

from .factories import signed_jury

pytestmark = pytest.mark.django_db


def test_the_qr_code_carries_the_verification_url():
    s = signed_jury()
    dossier = a_delivrer(s.jury)[0]
    modele = ModeleParchemin.objects.get()
    printed = mentions(
        s.certification, dossier.candidat, modele, s.jury.date, "Paris", decided_on=s.jury.date
    )
    source = document_source(
        kind="parchemin", mentions=printed,
        modele=modele, blocs=[], numero="CQP-2026-000009", code="ABCDEFGH23",
    )  # fmt: skip
    assert verification_url("ABCDEFGH23") == "https://cqpilot.exemple.fr/verifier/ABCDEFGH23"
    assert source.files["qr"] == qr_png(verification_url("ABCDEFGH23"))
    assert '<img src="cqpilot:qr"' in source.html


def test_the_public_page_shows_only_the_holders_name(client):
    s = signed_jury()
    document = issue(a_delivrer(s.jury)[0], by=s.gestionnaire)

    page = client.get(reverse("delivrance:verifier", args=[document.code]))

    assert "Document valide." in page.text and "Marie BENALI" in page.text
    assert "1990" not in page.text and "Formapro" not in page.text  # no other personal data
    assert client.get(reverse("delivrance:verifier", args=["INCONNU234"])).status_code == 404
    typed = client.get(reverse("delivrance:verifier_form"), {"code": document.code.lower()})
    assert "Document valide." in typed.text


@override_settings(VERIFICATION_RATE="3/m")
def test_the_public_page_is_rate_limited(client):
    cache.clear()
    for _ in range(3):
        assert client.get(reverse("delivrance:verifier", args=["AAAAAAAAAA"])).status_code == 404
    refused = client.get(reverse("delivrance:verifier", args=["AAAAAAAAAA"]))
    assert refused.status_code == 429 and "Trop de demandes" in refused.text
    cache.clear()


def test_the_register_and_its_documents_stay_with_their_certifier(client):
    s = signed_jury()
    document = issue(a_delivrer(s.jury)[0], by=s.gestionnaire)
    client.force_login(UserFactory(roles=[Role.GESTIONNAIRE]))

    assert document.numero not in client.get(reverse("delivrance:registre")).text
    assert client.get(reverse("delivrance:document_pdf", args=[document.pk])).status_code == 404
    client.force_login(s.gestionnaire)
    assert document.numero in client.get(reverse("delivrance:registre")).text


def test_the_layout_preview_follows_what_is_typed(client):
    s = signed_jury()
    client.force_login(s.gestionnaire)

    preview = client.post(
        reverse("delivrance:modele_preview"),
        {"prefixe": "CQP", "signataire_nom": "Paul Durand", "signataire_qualite": "Président",
         "lieu_delivrance": "Lyon", "texte": "Fiers de nos métiers", "css": "h1 { color: red }</style>"},
    )  # fmt: skip

    assert "Paul Durand, Président" in preview.text and "Fiers de nos métiers" in preview.text
    assert 'srcdoc="&lt;!doctype html&gt;' in preview.text  # the whole page, inside the attribute
    assert ".cqp-layout h1{color:red}" in preview.text  # the CSS, rebuilt for the layout part
    assert "ligne 1 : syntaxe non comprise." in preview.text  # what of it is left out
    assert ModeleParchemin.objects.get().signataire_nom == "Claire Fontaine"  # not saved


def test_batch_issuance_from_the_jury_mails_the_holders_then_one_zip(
    client, django_capture_on_commit_callbacks
):
    s = signed_jury()
    benali = a_delivrer(s.jury)[0].candidat
    benali.email = "marie.benali@exemple.fr"
    benali.save()
    client.force_login(s.gestionnaire)
    confirm_identity(client)

    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(
            reverse("delivrance:jury_documents", args=[s.jury.pk]), {"courriels": "1"}, follow=True
        )
        assert mail.outbox == []  # the mail worker sends them once the lot has committed

    assert "0 courriel envoyé aux titulaires, 1 en cours d'envoi." in page.text
    assert 'hx-trigger="every 1s"' in page.text  # the page follows the sending
    page = client.get(reverse("delivrance:lot", args=[LotDelivrance.objects.get().pk]))
    assert "2 documents délivrés, 1 courriel envoyé aux titulaires." in page.text
    assert 'hx-trigger="every 1s"' not in page.text
    [message] = mail.outbox
    assert message.to == ["marie.benali@exemple.fr"]
    assert message.attachments[0][0].startswith("CQP-2026-")
    assert message.attachments[0][1].startswith(b"%PDF")
    assert "https://cqpilot.exemple.fr/verifier/" in message.body
    archive = client.get(reverse("delivrance:jury_zip", args=[s.jury.pk]))
    assert archive["Content-Type"] == "application/zip"
    assert DocumentDelivre.objects.count() == 2


def test_a_holder_the_mail_server_refused_is_named_on_the_lot_page(
    client, django_capture_on_commit_callbacks, settings
):
    s = signed_jury()
    benali = a_delivrer(s.jury)[0].candidat
    benali.email = "marie.benali@exemple.fr"
    benali.save()
    client.force_login(s.gestionnaire)
    confirm_identity(client)
    with socket.socket() as probe:  # a local port where no mail server listens
        probe.bind(("127.0.0.1", 0))
        settings.EMAIL_PORT = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("delivrance:jury_documents", args=[s.jury.pk]), {"courriels": "1"})

    lot = LotDelivrance.objects.get()
    page = client.get(reverse("delivrance:lot", args=[lot.pk]))
    numero = DocumentDelivre.objects.get(dossier__candidat=benali).numero
    assert "0 courriel envoyé aux titulaires." in page.text
    assert f"pas pris le courriel de 1 document : {numero}." in page.text
    assert (lot.courriels_prevus, lot.courriels_envoyes, lot.courriels_en_attente) == (1, 0, 0)


def test_the_jwks_and_the_status_list_are_public(client):
    s = signed_jury()
    issue(a_delivrer(s.jury)[0], by=s.gestionnaire)

    keys = client.get("/.well-known/jwks.json").json()["keys"]
    assert keys[0]["kty"] == "OKP" and keys[0]["crv"] == "Ed25519"
    status = client.get(reverse("delivrance:statuts", args=[s.branche.pk]))
    assert status["Content-Type"] == "application/vc+jwt" and status.text.count(".") == 2
