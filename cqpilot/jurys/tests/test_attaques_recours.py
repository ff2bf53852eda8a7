"""Attacks on the recours against a jury decision: who may file and decide it, what a forged
form changes, what staff pages and e-mails show of what the candidate typed, and what the
RGPD's access export and anonymisation make of it."""

from datetime import date, datetime

import pytest
import time_machine
from auditlog.models import LogEntry
from django.urls import reverse

from cqpilot.core.models import Role
from cqpilot.core.tests.factories import OrganismeFormationFactory, UserFactory, gestionnaire
from cqpilot.jurys.models import Recours, RecoursIssue, RecoursStatus
from cqpilot.jurys.recours import decider, deposer
from cqpilot.jurys.tests.recours_world import PARIS, at, signed_with_accounts

pytestmark = pytest.mark.django_db
SCRIPT = '<script>alert("motifs")</script><img src=x onerror=alert(1)>'


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def world():
    """PV signed on 31 December 2026; Nguyen (not validated) and Durand have their accounts."""
    return signed_with_accounts()


def url(deliberation) -> str:
    return reverse("espace:recours_deposer", args=[deliberation.pk])


def test_a_forged_filing_sets_neither_the_outcome_nor_the_author(client, world):
    with at(date(2027, 1, 5)):
        client.force_login(world.accounts["Nguyen"])
        client.post(
            url(world.nguyen),
            {
                "motifs": "Grille non suivie.",
                "status": RecoursStatus.DECIDE,
                "issue": RecoursIssue.NOUVELLE_DELIBERATION,
                "motivation": "accordé par moi-même",
                "filed_by": world.accounts["Durand"].pk,
                "pv": 999,
                "deliberation": world.durand.pk,
            },
        )
    [recours] = Recours.objects.all()
    assert recours.deliberation == world.nguyen
    assert recours.filed_by == world.accounts["Nguyen"]
    assert recours.status == RecoursStatus.DEPOSE and recours.issue == "" and not recours.motivation


def test_a_get_files_nothing_and_a_visitor_is_sent_to_the_login(client, world):
    with at(date(2027, 1, 5)):
        response = client.post(url(world.nguyen), {"motifs": "Anonyme"})
        assert response["Location"].startswith(reverse("login"))
        client.force_login(world.accounts["Nguyen"])
        assert client.get(url(world.nguyen), {"motifs": "Par un lien"}).status_code == 405
    assert not Recours.objects.exists()


def test_no_staff_account_files_for_the_candidate(client, world):
    of_user = UserFactory(
        organisation=world.nguyen.dossier.organisme, roles=[Role.ORGANISME_FORMATION]
    )
    evaluateur = UserFactory(organisation=world.branche, roles=[Role.EVALUATEUR])
    other = gestionnaire(organisation=OrganismeFormationFactory())
    with at(date(2027, 1, 5)):
        for user in (of_user, evaluateur, other, world.gestionnaire):
            client.force_login(user)
            assert client.post(url(world.nguyen), {"motifs": "Pour lui"}).status_code == 403
    assert not Recours.objects.exists()


def test_the_deadline_is_the_last_day_in_paris_even_late_at_night(client, world):
    # 28 February 2027, 23:30 in Paris is already 1 March in no zone west of it, but still
    # the last day here; 1 March 00:30 in Paris is 28 February in UTC, and already too late.
    with at(date(2027, 2, 28), hour=23):
        client.force_login(world.accounts["Nguyen"])
        client.post(url(world.nguyen), {"motifs": "Dernier jour"})
    with time_machine.travel(datetime(2027, 3, 1, 0, 30, tzinfo=PARIS), tick=False):
        client.force_login(world.accounts["Durand"])
        client.post(url(world.durand), {"motifs": "Trop tard, en UTC encore en février"})
    assert list(Recours.objects.values_list("deliberation", flat=True)) == [world.nguyen.pk]


def test_the_motifs_are_shown_to_the_gestionnaire_as_text_and_mailed_to_nobody(
    client, world, django_capture_on_commit_callbacks, mailoutbox
):
    with at(date(2027, 1, 5)):
        with django_capture_on_commit_callbacks(execute=True):
            recours = deposer(world.nguyen, SCRIPT, by=world.accounts["Nguyen"])
        client.force_login(world.gestionnaire)
        page = client.get(reverse("jurys:recours_detail", args=[recours.pk])).text
        listing = client.get(reverse("jurys:recours_list")).text
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;" in page
    assert "<script>alert" not in listing
    assert all("alert" not in message.body for message in mailoutbox)


def test_a_double_decision_keeps_the_first(client, world):
    with at(date(2027, 1, 5)):
        recours = deposer(world.nguyen, "Motifs", by=world.accounts["Nguyen"])
        client.force_login(world.gestionnaire)
        detail = reverse("jurys:recours_detail", args=[recours.pk])
        client.post(detail, {"issue": RecoursIssue.MAINTENUE, "motivation": "Première"})
        client.post(detail, {"issue": RecoursIssue.NOUVELLE_DELIBERATION, "motivation": "Autre"})
    recours.refresh_from_db()
    assert (recours.issue, recours.motivation) == (RecoursIssue.MAINTENUE, "Première")


def test_a_forged_outcome_is_refused(client, world):
    with at(date(2027, 1, 5)):
        recours = deposer(world.nguyen, "Motifs", by=world.accounts["Nguyen"])
        client.force_login(world.gestionnaire)
        detail = reverse("jurys:recours_detail", args=[recours.pk])
        response = client.post(detail, {"issue": "accorde", "motivation": "Issue inventée"})
    assert response.status_code == 200
    recours.refresh_from_db()
    assert not recours.is_decided


def test_the_rgpd_export_holds_the_candidates_recours(world):
    from cqpilot.rgpd.export import candidate_data

    with at(date(2027, 1, 5)):
        recours = deposer(
            world.nguyen, "Ma grille de BC02 a été mal lue.", by=world.accounts["Nguyen"]
        )
        decider(
            recours,
            RecoursIssue.MAINTENUE,
            "Les évaluations sont régulières.",
            by=world.gestionnaire,
        )
    data = candidate_data(world.nguyen.dossier.candidat, world.gestionnaire)
    text = repr(data)
    assert "Ma grille de BC02 a été mal lue." in text
    assert "Les évaluations sont régulières." in text


def test_anonymising_the_candidate_erases_his_recours_words_and_his_name_in_their_journal(world):
    from cqpilot.rgpd.anonymisation import anonymise
    from cqpilot.rgpd.models import Motif

    candidat = world.nguyen.dossier.candidat
    nom = candidat.nom_naissance
    with at(date(2027, 1, 5)):
        recours = deposer(
            world.nguyen, "Je suis Nguyen, malade ce jour-là.", by=world.accounts["Nguyen"]
        )
        decider(recours, RecoursIssue.MAINTENUE, "Nguyen était présent.", by=world.gestionnaire)
    anonymise(candidat, organisation=world.branche, motif=next(iter(Motif)).value, by=None)
    recours.refresh_from_db()
    assert "Nguyen" not in recours.motifs and "malade" not in recours.motifs
    assert "Nguyen" not in recours.motivation
    for entry in LogEntry.objects.get_for_object(recours):
        assert nom not in entry.object_repr
        assert "malade" not in str(entry.changes) and nom not in str(entry.changes)


def test_anonymising_forgets_the_messages_to_the_accounts_own_address(world, settings):
    """The decision of his recours went to the address of his espace, not the one the OF
    typed on his file: both are forgotten."""
    from django_tasks_db.models import DBTaskResult

    from cqpilot.core.mail import send_message
    from cqpilot.rgpd.anonymisation import anonymise
    from cqpilot.rgpd.models import Motif

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    candidat = world.nguyen.dossier.candidat
    assert candidat.compte.email != candidat.email
    message = {"subject": "Votre recours", "body": "Issue : maintenue", "attachments": []}
    message |= {"on_sent": None, "on_failed": None}
    send_message.enqueue(message | {"to": [candidat.compte.email]})
    send_message.enqueue(message | {"to": ["quelquun@exemple.fr"]})

    anonymise(candidat, organisation=world.branche, motif=Motif.EFFACEMENT, by=None)

    [kept] = DBTaskResult.objects.filter(task_path=send_message.module_path)
    assert kept.args_kwargs["args"][0]["to"] == ["quelquun@exemple.fr"]


def test_the_purge_keeps_the_pieces_of_a_dossier_whose_recours_is_being_examined(world):
    """The pièces go a few months after the decision (3 at the least, « le temps d'un
    recours »), but a recours filed on the deadline's last days is examined later: the
    certifier needs the dossier's pièces until it is decided."""
    from cqpilot.dossiers.models import Document
    from cqpilot.rgpd.models import RetentionPolicy
    from cqpilot.rgpd.purge import purge
    from cqpilot.rgpd.tests.factories import piece

    RetentionPolicy.objects.update_or_create(
        organisation=world.branche, defaults={"pieces_mois": 3}
    )
    contested, other = piece(world.nguyen.dossier), piece(world.durand.dossier)
    with at(date(2027, 2, 27)):
        recours = deposer(world.nguyen, "Erreur sur BC02", by=world.accounts["Nguyen"])

    purge(world.branche, date(2027, 4, 15))  # 3 months and a half after the decision
    assert list(Document.objects.values_list("pk", flat=True)) == [contested.pk]

    with at(date(2027, 4, 20)):
        decider(
            recours,
            RecoursIssue.MAINTENUE,
            "Les évaluations sont régulières.",
            by=world.gestionnaire,
        )
    purge(world.branche, date(2027, 4, 21))
    assert not Document.objects.filter(pk=other.pk).exists()
    assert not Document.objects.exists()


def test_the_purge_keeps_the_pieces_while_the_decision_may_still_be_contested(world):
    """A certification's recours deadline (6 months here) may outlast the certifier's pièces
    period (3 months at the least): the pièces stay until the deadline has passed."""
    from cqpilot.dossiers.models import Document
    from cqpilot.rgpd.models import RetentionPolicy
    from cqpilot.rgpd.purge import purge
    from cqpilot.rgpd.tests.factories import piece

    world.certification.delai_recours_mois = 6
    world.certification.save()
    RetentionPolicy.objects.update_or_create(
        organisation=world.branche, defaults={"pieces_mois": 3}
    )
    kept = piece(world.nguyen.dossier)

    purge(world.branche, date(2027, 6, 30))  # the deadline's last day (signed on 31/12/2026)
    assert list(Document.objects.values_list("pk", flat=True)) == [kept.pk]

    purge(world.branche, date(2027, 7, 1))
    assert not Document.objects.exists()
