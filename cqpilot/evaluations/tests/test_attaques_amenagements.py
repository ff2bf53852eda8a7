"""Attacks on the aménagements d'épreuves: the justificatif as an upload (type, name, content)
and as a download (headers), a forged request or decision, and who reaches a request."""

import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cqpilot.core.models import Role
from cqpilot.core.tests.factories import UserFactory, gestionnaire
from cqpilot.dossiers.tests.factories import CandidatFactory, DossierFactory
from cqpilot.evaluations.amenagements import request_amenagement
from cqpilot.evaluations.models import DemandeAmenagement, StatutAmenagement
from cqpilot.evaluations.tests.factories import evaluation

pytestmark = pytest.mark.django_db

HTML = b"<html><script>alert(document.cookie)</script></html>"
NAME = '"><img src=x onerror=alert(1)>.pdf'


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def account(dossier, email):
    compte = UserFactory(organisation=None, roles=[], email=email)
    dossier.candidat.compte = compte
    dossier.candidat.save(update_fields=["compte"])
    return compte


def upload(name="avis.pdf", content=b"%PDF-1.4 avis"):
    return SimpleUploadedFile(name, content, content_type="text/html")


@pytest.fixture
def world():
    e = evaluation()
    e.compte = account(e.dossiers[0], "lea@exemple.fr")
    e.demande = request_amenagement(
        e.dossiers[0],
        types=["tiers_temps"],
        description="<script>alert('besoin')</script> dyslexie sévère",
        justificatif=upload(NAME, HTML),
        by=e.compte,
    )
    e.of_user = UserFactory(organisation=e.of, roles=[Role.ORGANISME_FORMATION])
    return e


def test_a_polyglot_justificatif_downloads_as_an_attachment_never_as_a_page(client, world):
    for user, name in (
        (world.compte, "espace:amenagement_justificatif"),
        (world.gestionnaire, "evaluations:amenagement_justificatif"),
    ):
        client.force_login(user)
        response = client.get(reverse(name, args=[world.demande.pk]))
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment;")
        assert "<img" not in response["Content-Disposition"].split("filename=")[0]
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content) == HTML
    stored = world.demande.justificatif.name
    assert stored.startswith(f"amenagements/{world.demande.dossier_id}/")
    assert stored.endswith(".pdf") and "img" not in stored


@pytest.mark.parametrize(
    "name", ["page.html", "image.svg", "avis.pdf.html", "script.js", "avis", ".htaccess"]
)
def test_a_justificatif_that_a_browser_would_run_is_refused(client, world, name):
    world.demande.statut = StatutAmenagement.REFUSE
    world.demande.save()
    client.force_login(world.compte)
    response = client.post(
        reverse("espace:amenagement_demander", args=[world.dossiers[0].pk]),
        {"types": ["tiers_temps"], "description": "Besoin", "justificatif": upload(name, HTML)},
    )
    assert response.status_code == 200
    assert "Formats acceptés" in response.text
    assert DemandeAmenagement.objects.count() == 1


def test_what_the_candidate_typed_and_named_is_text_on_every_page(client, world):
    client.force_login(world.gestionnaire)
    for page in (
        client.get(reverse("evaluations:amenagement_decider", args=[world.demande.pk])).text,
        client.get(reverse("evaluations:amenagement_list")).text,
    ):
        assert "<script>alert" not in page and "<img src=x" not in page
    client.force_login(world.compte)
    page = client.get(reverse("espace:accueil")).text
    assert "<script>alert" not in page and "<img src=x" not in page


def test_a_forged_request_cannot_decide_itself(client, world):
    world.demande.statut = StatutAmenagement.REFUSE
    world.demande.save()
    client.force_login(world.compte)
    client.post(
        reverse("espace:amenagement_demander", args=[world.dossiers[0].pk]),
        {
            "types": ["tiers_temps"],
            "description": "Besoin",
            "justificatif": upload(),
            "statut": StatutAmenagement.ACCORDE,
            "types_accordes": ["tiers_temps", "assistance_humaine"],
            "decide_par": world.gestionnaire.pk,
            "dossier": world.dossiers[1].pk,
        },
    )
    latest = DemandeAmenagement.objects.order_by("-pk").first()
    assert latest.pk != world.demande.pk
    assert latest.dossier == world.dossiers[0]
    assert latest.statut == StatutAmenagement.A_DECIDER and latest.types_accordes == []


def test_an_unknown_type_or_decision_is_refused(client, world):
    client.force_login(world.gestionnaire)
    decide = reverse("evaluations:amenagement_decider", args=[world.demande.pk])
    for forged in (
        {"statut": StatutAmenagement.A_DECIDER, "motivation": "x"},
        {"statut": "accorde", "types_accordes": ["teleportation"]},
    ):
        assert client.post(decide, forged).status_code == 200
    world.demande.refresh_from_db()
    assert not world.demande.is_decided


def test_a_decision_is_taken_once_even_twice_posted(client, world):
    client.force_login(world.gestionnaire)
    decide = reverse("evaluations:amenagement_decider", args=[world.demande.pk])
    client.post(decide, {"statut": "accorde", "types_accordes": ["tiers_temps"]})
    client.post(decide, {"statut": "refuse", "motivation": "Changé d'avis"})
    world.demande.refresh_from_db()
    assert world.demande.statut == StatutAmenagement.ACCORDE


def test_nobody_else_reaches_the_request_or_its_justificatif(client, world):
    other_candidate = account(
        DossierFactory(
            candidat=CandidatFactory(),
            certification=world.dossiers[0].certification,
            organisme=world.of,
        ),
        "autre@exemple.fr",
    )
    other_certifier = gestionnaire()
    for user in (other_candidate, world.of_user, world.evaluateur.user, other_certifier):
        client.force_login(user)
        for name in ("evaluations:amenagement_justificatif", "evaluations:amenagement_decider"):
            assert client.get(reverse(name, args=[world.demande.pk])).status_code in (403, 404)
        response = client.get(reverse("espace:amenagement_justificatif", args=[world.demande.pk]))
        assert response.status_code in (403, 404), user
        response = client.get(reverse("espace:amenagement_demander", args=[world.dossiers[0].pk]))
        assert response.status_code in (403, 404), user
    client.logout()
    response = client.get(reverse("espace:amenagement_justificatif", args=[world.demande.pk]))
    assert response["Location"].startswith(reverse("login"))


def test_every_download_is_journaled(client, world):
    for user, name in (
        (world.compte, "espace:amenagement_justificatif"),
        (world.gestionnaire, "evaluations:amenagement_justificatif"),
    ):
        client.force_login(user)
        b"".join(client.get(reverse(name, args=[world.demande.pk])).streaming_content)
    readers = LogEntry.objects.get_for_object(world.demande).filter(action=LogEntry.Action.ACCESS)
    assert {entry.actor for entry in readers} == {world.compte, world.gestionnaire}


def test_the_rgpd_export_journal_says_who_read_the_justificatif_not_what_was_asked(client, world):
    """The export's journal lists who downloaded each of his pièces: his medical justificatif's
    readers too, the request's description masked as on screen."""
    from cqpilot.rgpd.export import candidate_data

    client.force_login(world.gestionnaire)
    justificatif = reverse("evaluations:amenagement_justificatif", args=[world.demande.pk])
    b"".join(client.get(justificatif).streaming_content)
    data = candidate_data(world.dossiers[0].candidat, world.gestionnaire)
    readings = [entry["lecture"] for entry in data["journal"]]
    assert "téléchargement du justificatif d'aménagement" in readings
    assert "dyslexie" not in repr(data["journal"])
