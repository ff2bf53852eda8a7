"""The employer's answer to a congé VAE is awaited within 15 days of the request. The day after
that last day, without an answer recorded, `cqpilot vae-rappels-conge` (daily) e-mails the
candidate and the dossier's OF and accompanist, once; the gestionnaire's « À faire » home counts
the congés whose answer is overdue. cqpilot says « réponse attendue », nothing of what the
employer's silence would mean."""

from datetime import date

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from cqpilot.core.models import Role
from cqpilot.core.tests.factories import UserFactory
from cqpilot.dossiers.models import DossierState, Situation
from cqpilot.dossiers.tests.factories import OrganismeFactory
from cqpilot.vae.accompagnement import StructureSaisie, designer, referencer
from cqpilot.vae.conge import CongeSaisi, enregistrer_conge
from cqpilot.vae.models import CongeVae

from .factories import at, candidate, vae_world

pytestmark = pytest.mark.django_db
REQUEST = date(2027, 1, 20)  # the answer is awaited by 04/02/2027


def world():
    w = vae_world()
    dossier = w.dossier(candidate(situation=Situation.SALARIE), state=DossierState.RECEVABLE)
    dossier.organisme = OrganismeFactory(nom="Formapro VAE")
    dossier.save()
    of_user = UserFactory(
        organisation=dossier.organisme, roles=[Role.ORGANISME_FORMATION], email="of@formapro.fr"
    )
    referencement = referencer(
        StructureSaisie(nom="Relais VAE", qualiopi=True, qualiopi_date_fin=date(2028, 6, 30)),
        by=w.gestionnaire,
    )
    with at(REQUEST):
        designer(dossier, referencement, by=w.gestionnaire)
    aap = UserFactory(
        organisation=referencement.structure,
        roles=[Role.ACCOMPAGNATEUR_VAE],
        email="sophie@relais.fr",
    )
    with at(REQUEST):
        conge = enregistrer_conge(
            dossier, CongeSaisi(REQUEST, date(2027, 3, 1), date(2027, 3, 5)), by=w.gestionnaire
        )
    return w, dossier, conge, of_user, aap


def run_on(day: date, django_capture_on_commit_callbacks) -> None:
    with at(day), django_capture_on_commit_callbacks(execute=True):
        call_command("vae_rappels_conge")


def test_the_day_after_the_answer_period_they_are_reminded_once(
    django_capture_on_commit_callbacks,
):
    _w, dossier, conge, of_user, aap = world()
    run_on(date(2027, 2, 4), django_capture_on_commit_callbacks)  # the last day: not yet
    assert mail.outbox == []
    run_on(date(2027, 2, 5), django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == sorted([dossier.candidat.compte.email, of_user.email, aap.email])
    assert "réponse attendue" in message.subject.lower() or "attendue" in message.body
    assert "04/02/2027" in message.body and "20/01/2027" in message.body
    conge.refresh_from_db()
    assert conge.rappel_envoye_le == date(2027, 2, 5)
    run_on(date(2027, 2, 6), django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1  # once


def test_an_answered_conge_or_a_closed_dossier_is_not_reminded(
    django_capture_on_commit_callbacks,
):
    w, dossier, conge, _of, _aap = world()
    with at(date(2027, 1, 28)):
        enregistrer_conge(
            dossier,
            CongeSaisi(REQUEST, conge.debut, conge.fin, "accord", date(2027, 1, 28)),
            by=w.gestionnaire,
        )
    other = w.dossier(candidate(situation=Situation.SALARIE), state=DossierState.ABANDON)
    CongeVae.objects.create(dossier=other, demande_le=REQUEST, debut=conge.debut, fin=conge.fin)
    run_on(date(2027, 2, 10), django_capture_on_commit_callbacks)
    assert mail.outbox == []


def test_a_corrected_request_day_gives_a_new_reminder(django_capture_on_commit_callbacks):
    w, dossier, conge, _of, _aap = world()
    run_on(date(2027, 2, 5), django_capture_on_commit_callbacks)
    with at(date(2027, 2, 6)):
        enregistrer_conge(
            dossier, CongeSaisi(date(2027, 1, 25), conge.debut, conge.fin), by=w.gestionnaire
        )
    conge.refresh_from_db()
    assert conge.rappel_envoye_le is None
    run_on(date(2027, 2, 10), django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 2


def test_the_gestionnaire_s_home_counts_the_overdue_answers(client):
    w, dossier, _conge, _of, _aap = world()
    for day, expected in ((date(2027, 2, 4), 0), (date(2027, 2, 5), 1)):
        with at(day):
            client.force_login(w.gestionnaire)
            page = client.get(reverse("home"))
        items = {item.key: item for section in page.context["sections"] for item in section.items}
        assert items["conge_vae"].count == expected
    assert "réponse de l&#x27;employeur attendue" in page.text.lower()
    with at(date(2027, 2, 5)):
        client.force_login(w.gestionnaire)
        listed = client.get(items["conge_vae"].url)
    assert list(listed.context["table"].page.object_list) == [dossier]


def test_without_of_nor_accompanist_only_the_candidate_is_written_to(
    django_capture_on_commit_callbacks,
):
    w = vae_world()
    dossier = w.dossier(candidate(situation=Situation.SALARIE), state=DossierState.RECEVABLE)
    UserFactory(organisation=None, roles=[Role.ORGANISME_FORMATION], email="orphelin@exemple.fr")
    CongeVae.objects.create(dossier=dossier, demande_le=REQUEST, debut=REQUEST, fin=REQUEST)
    run_on(date(2027, 2, 5), django_capture_on_commit_callbacks)
    assert [m.to for m in mail.outbox] == [[dossier.candidat.compte.email]]


def test_an_account_awaiting_confirmation_for_another_certifier_is_not_written_to(
    django_capture_on_commit_callbacks,
):
    """An account of the same accompanist structure that another certifier invited (limited to
    its dossiers until the structure confirms it) never reads this candidate's name."""
    w, other = vae_world(), vae_world("CPNE voisine")
    relais = referencer(
        StructureSaisie(nom="Relais", siret="73282932000074", label_branche="L"),
        by=w.gestionnaire,
    )
    referencer(
        StructureSaisie(nom="Relais", siret="73282932000074", label_branche="L"),
        by=other.gestionnaire,
    )
    dossier = w.dossier(candidate(situation=Situation.SALARIE), state=DossierState.RECEVABLE)
    designer(dossier, relais, by=w.gestionnaire)
    UserFactory(
        organisation=relais.structure, roles=[Role.ACCOMPAGNATEUR_VAE], email="ici@relais.fr"
    )
    UserFactory(
        organisation=relais.structure,
        roles=[Role.ACCOMPAGNATEUR_VAE],
        email="ailleurs@relais.fr",
        limited_to_certifier=other.branche,
    )
    CongeVae.objects.create(dossier=dossier, demande_le=REQUEST, debut=REQUEST, fin=REQUEST)
    run_on(date(2027, 2, 5), django_capture_on_commit_callbacks)
    recipients = {address for message in mail.outbox for address in message.to}
    assert "ici@relais.fr" in recipients
    assert "ailleurs@relais.fr" not in recipients
