"""Aménagements d'épreuves, the certifier's side: its managers decide each request once, the
decision is journaled and reaches the session's page and the évaluateurs' grid, and the
request's description and justificatif never leave the candidate and the certifier."""

import io
import zipfile

import pytest
from auditlog.models import LogEntry
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader

from cqpilot.core.models import Role
from cqpilot.core.tests.factories import UserFactory
from cqpilot.dossiers.models import DossierState
from cqpilot.evaluations.amenagements import (
    AmenagementRefus,
    decide_amenagement,
    request_amenagement,
)
from cqpilot.evaluations.models import DemandeAmenagement, StatutAmenagement
from cqpilot.evaluations.services import assign, enrol
from cqpilot.rgpd.anonymisation import anonymise
from cqpilot.rgpd.export import _write_archive, candidate_data

from .factories import evaluation

pytestmark = pytest.mark.django_db

NEED = "Dyslexie sévère : lecture lente des consignes"  # health data: never outside
DOCUMENT = b"%PDF-1.4 avis du medecin de la MDPH"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def candidate_account(dossier):
    account = UserFactory(organisation=None, roles=[], email="benali@exemple.fr")
    dossier.candidat.compte = account
    dossier.candidat.save(update_fields=["compte"])
    return account


def justificatif(name="avis-medical.pdf", content=DOCUMENT):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def world():
    e = evaluation()
    enrol(e.session, e.dossiers, by=e.gestionnaire)
    epreuve = e.session.epreuves.get(modalite__bloc__code="BC02")
    assign(epreuve, e.evaluateur)
    e.dossiers[0].refresh_from_db()
    e.compte = candidate_account(e.dossiers[0])
    e.epreuve = epreuve
    e.demande = request_amenagement(
        e.dossiers[0],
        types=["tiers_temps", "assistance_humaine"],
        description=NEED,
        justificatif=justificatif(),
        by=e.compte,
    )
    e.of_user = UserFactory(organisation=e.of, roles=[Role.ORGANISME_FORMATION])
    return e


def grant(e, **kwargs):
    decision = {
        "statut": StatutAmenagement.ACCORDE_PARTIELLEMENT,
        "types_accordes": ["tiers_temps"],
        "precisions": "temps majoré 1/3",
        "motivation": "Le lecteur n'est pas nécessaire pour un écrit de deux pages.",
    } | kwargs
    return decide_amenagement(e.demande, by=e.gestionnaire, **decision)


def test_the_request_waits_for_the_gestionnaire_on_his_home_and_his_list(client, world):
    client.force_login(world.gestionnaire)
    home = client.get(reverse("home"))
    assert "1 aménagement à décider" in home.text
    listed = client.get(reverse("evaluations:amenagement_list") + "?a_faire=amenagements_a_decider")
    assert [d.pk for d in listed.context["rows"]] == [world.demande.pk]
    page = client.get(reverse("evaluations:amenagement_decider", args=[world.demande.pk]))
    assert NEED in page.text
    download = client.get(reverse("evaluations:amenagement_justificatif", args=[world.demande.pk]))
    assert b"".join(download.streaming_content) == DOCUMENT
    assert LogEntry.objects.filter(
        action=LogEntry.Action.ACCESS, object_pk=str(world.demande.pk), actor=world.gestionnaire
    ).exists()


def test_the_decision_is_journaled_mailed_to_the_candidate_and_never_changes(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world.gestionnaire)
    url = reverse("evaluations:amenagement_decider", args=[world.demande.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "statut": "accorde_partiellement",
                "types_accordes": ["tiers_temps"],
                "precisions": "temps majoré 1/3",
                "motivation": "Le lecteur n'est pas nécessaire.",
            },
        )
    assert response.status_code == 302
    world.demande.refresh_from_db()
    assert world.demande.statut == StatutAmenagement.ACCORDE_PARTIELLEMENT
    assert world.demande.decide_par == world.gestionnaire
    assert world.demande.accordes_display == "Tiers-temps (temps majoré 1/3)"
    [message] = [m for m in mail.outbox if m.to == ["benali@exemple.fr"]]
    assert "accordé partiellement" in message.body
    assert "Tiers-temps (temps majoré 1/3)" in message.body
    entry = LogEntry.objects.get_for_object(world.demande).filter(action=LogEntry.Action.UPDATE)
    assert entry.get().changes_dict["statut"] == ["a_decider", "accorde_partiellement"]
    # The journal says the need was written, never what it is.
    created = LogEntry.objects.get_for_object(world.demande).get(action=LogEntry.Action.CREATE)
    assert NEED not in str(created.changes)

    with pytest.raises(AmenagementRefus, match="déjà été décidée"):
        decide_amenagement(world.demande, statut="refuse", motivation="Non", by=world.gestionnaire)
    again = client.post(url, {"statut": "refuse", "motivation": "Finalement non"})
    assert again.status_code == 302
    world.demande.refresh_from_db()
    assert world.demande.statut == StatutAmenagement.ACCORDE_PARTIELLEMENT
    page = client.get(url)
    assert "Enregistrer la décision" not in page.text
    assert "Accordé partiellement" in page.text


def test_a_refusal_or_a_partial_grant_needs_a_motivation_and_a_grant_its_measures(world):
    with pytest.raises(AmenagementRefus, match="Motivez"):
        grant(world, statut="refuse", types_accordes=[], motivation="")
    with pytest.raises(AmenagementRefus, match="Cochez"):
        grant(world, statut="accorde", types_accordes=[])
    world.demande.refresh_from_db()
    assert world.demande.statut == StatutAmenagement.A_DECIDER


def test_the_decision_form_explains_its_errors_in_french(client, world):
    client.force_login(world.gestionnaire)
    page = client.post(
        reverse("evaluations:amenagement_decider", args=[world.demande.pk]),
        {"statut": "refuse", "motivation": ""},
    )
    assert page.status_code == 200
    assert "Motivez la décision" in page.text


def test_the_granted_measures_show_on_the_session_page_without_the_request(client, world):
    grant(world)
    client.force_login(world.gestionnaire)
    page = client.get(reverse("evaluations:session_detail", args=[world.session.pk]))
    assert "Aménagement accordé :" in page.text
    assert "Tiers-temps (temps majoré 1/3)" in page.text
    assert NEED not in page.text
    assert "avis-medical" not in page.text


def test_the_evaluateurs_grid_shows_the_granted_measures_and_not_the_justificatif(client, world):
    grant(world)
    client.force_login(world.evaluateur.user)
    page = client.get(reverse("evaluations:saisie", args=[world.epreuve.pk]))
    assert page.status_code == 200
    assert "Aménagement accordé :" in page.text
    assert "Tiers-temps (temps majoré 1/3)" in page.text
    assert page.text.count("Aménagement accordé") == 1  # Benali's only
    assert NEED not in page.text
    assert "avis-medical" not in page.text
    for name in ("amenagement_decider", "amenagement_justificatif"):
        url = reverse(f"evaluations:{name}", args=[world.demande.pk])
        assert client.get(url).status_code == 403  # évaluateurs read the measures only
    assert client.get(reverse("evaluations:amenagement_list")).status_code == 403


def test_the_candidates_convocation_states_the_granted_measures(client, world):
    grant(world)
    client.force_login(world.gestionnaire)
    inscriptions = {i.dossier_id: i for i in world.session.inscriptions.all()}
    texts = {}
    for dossier in world.dossiers:
        response = client.get(
            reverse(
                "evaluations:convocation_download",
                args=[world.session.pk, inscriptions[dossier.pk].pk],
            )
        )
        pages = PdfReader(io.BytesIO(response.content)).pages
        texts[dossier.pk] = " ".join(" ".join(p.extract_text() for p in pages).split())
    assert "Aménagement accordé : Tiers-temps (temps majoré 1/3)." in texts[world.dossiers[0].pk]
    assert "Aménagement" not in texts[world.dossiers[1].pk]
    assert NEED not in texts[world.dossiers[0].pk]


def test_a_refused_request_reaches_neither_the_session_nor_the_grid(client, world):
    grant(world, statut="refuse", types_accordes=[], motivation="Aucun élément médical.")
    client.force_login(world.gestionnaire)
    page = client.get(reverse("evaluations:session_detail", args=[world.session.pk]))
    assert "Aménagement accordé" not in page.text


def test_the_of_never_reads_the_request_nor_its_justificatif(client, world):
    grant(world)
    client.force_login(world.of_user)
    for name in ("amenagement_decider", "amenagement_justificatif"):
        url = reverse(f"evaluations:{name}", args=[world.demande.pk])
        assert client.get(url).status_code == 403
    dossier_page = client.get(reverse("dossiers:dossier_detail", args=[world.dossiers[0].pk]))
    assert dossier_page.status_code == 200
    assert NEED not in dossier_page.text
    assert "avis-medical" not in dossier_page.text
    assert not DemandeAmenagement.objects.visible_to(world.of_user).exists()
    assert not DemandeAmenagement.objects.visible_to(world.evaluateur.user).exists()


def test_another_certifier_neither_sees_nor_decides_the_request(client, world):
    other = evaluation()
    client.force_login(other.gestionnaire)
    for name in ("amenagement_decider", "amenagement_justificatif"):
        url = reverse(f"evaluations:{name}", args=[world.demande.pk])
        assert client.get(url).status_code == 404
    response = client.post(
        reverse("evaluations:amenagement_decider", args=[world.demande.pk]),
        {"statut": "refuse", "motivation": "Intrusion"},
    )
    assert response.status_code == 404
    assert client.get(reverse("evaluations:amenagement_list")).context["rows"] == []
    with pytest.raises(AmenagementRefus):
        decide_amenagement(
            world.demande, statut="refuse", motivation="Intrusion", by=other.gestionnaire
        )
    world.demande.refresh_from_db()
    assert world.demande.statut == StatutAmenagement.A_DECIDER
    assert "aménagement à décider" not in client.get(reverse("home")).text


def test_the_gestionnaires_are_told_of_a_request_without_its_content(
    world, django_capture_on_commit_callbacks
):
    world.dossiers[1].refresh_from_db()
    compte = UserFactory(organisation=None, roles=[], email="durand@exemple.fr")
    world.dossiers[1].candidat.compte = compte
    world.dossiers[1].candidat.save(update_fields=["compte"])
    with django_capture_on_commit_callbacks(execute=True):
        request_amenagement(
            world.dossiers[1],
            types=["materiel_adapte"],
            description=NEED,
            justificatif=justificatif(),
            by=compte,
        )
    [message] = [m for m in mail.outbox if world.gestionnaire.email in m.to]
    assert "Demande d'aménagement d'épreuves" in message.subject
    assert NEED not in message.body
    assert "/evaluations/amenagements/" in message.body


def test_only_the_candidate_requests_and_never_on_a_closed_dossier(world):
    with pytest.raises(AmenagementRefus, match="Seul le candidat"):
        request_amenagement(
            world.dossiers[1],
            types=["autre"],
            description="x",
            justificatif=justificatif(),
            by=world.of_user,
        )
    world.dossiers[0].state = DossierState.ABANDON
    world.dossiers[0].save()
    grant(world)
    with pytest.raises(AmenagementRefus, match="clos"):
        request_amenagement(
            world.dossiers[0],
            types=["autre"],
            description="x",
            justificatif=justificatif(),
            by=world.compte,
        )


def test_anonymising_the_candidate_deletes_his_requests_their_justificatif_and_their_words(
    world, django_capture_on_commit_callbacks
):
    grant(world)
    storage = world.demande.justificatif.storage
    name = world.demande.justificatif.name
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        anonymise(
            world.dossiers[0].candidat, organisation=world.branche, motif="effacement", by=None
        )
    assert not DemandeAmenagement.objects.filter(dossier=world.dossiers[0]).exists()
    assert not storage.exists(name)
    entries = LogEntry.objects.filter(
        object_id=world.demande.pk, content_type__model="demandeamenagement"
    )
    assert entries.exists()
    for entry in entries:
        assert "avis-medical" not in str(entry.changes) + entry.object_repr
        assert "lecteur" not in str(entry.changes)  # the motivation


def test_the_rgpd_export_holds_the_requests_and_their_justificatif(world):
    grant(world)
    data = candidate_data(world.dossiers[0].candidat, world.gestionnaire)
    [request] = data["dossiers"][0]["demandes d'aménagement d'épreuves"]
    assert request["description du besoin"] == NEED
    assert request["statut"] == "Accordé partiellement"
    spool = io.BytesIO()
    _write_archive(spool, world.dossiers[0].candidat, data, world.gestionnaire)
    with zipfile.ZipFile(spool) as archive:
        [name] = [n for n in archive.namelist() if n.startswith("amenagements/")]
        assert archive.read(name) == DOCUMENT
