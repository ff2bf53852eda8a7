"""Recours: a candidate contests a signed PV's decision within the certification's deadline,
counted on calendar dates from the PV's signature; the certifier's managers decide it once,
journaled; nobody outside that certifier sees or decides it."""

from datetime import date

import pytest
from auditlog.models import LogEntry
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from cqpilot.accueil.todo import sections_for
from cqpilot.core.models import Role
from cqpilot.core.tests.factories import OrganisationFactory, UserFactory
from cqpilot.delivrance.tests.factories import signed_jury
from cqpilot.jurys.deliberation import BlocSaisie, save_decision
from cqpilot.jurys.models import BlocResultat, Decision, Recours, RecoursIssue, RecoursStatus
from cqpilot.jurys.pv import close, rectify, sign
from cqpilot.jurys.recours import decider, deposer, etat_recours
from cqpilot.jurys.tests.recours_world import at
from cqpilot.jurys.workflow import JuryRefus

pytestmark = pytest.mark.django_db
V, NV = BlocResultat.VALIDE, BlocResultat.NON_VALIDE


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def signed_on(day: date, hour: int = 10):
    """The delivrance scenario (Benali certified, Durand partly, Nguyen not), PV signed on
    `day`; Nguyen has an account in his espace candidat."""
    with at(day, hour):
        s = signed_jury()
    deliberation = s.jury.deliberations.get(dossier__candidat__nom_naissance="Nguyen")
    candidat = deliberation.dossier.candidat
    candidat.compte = UserFactory(organisation=None, roles=[], email="nguyen@exemple.fr")
    candidat.save(update_fields=["compte"])
    return s, deliberation, candidat.compte


def test_the_deadline_is_two_months_by_default_clamped_to_the_end_of_february():
    s, deliberation, _compte = signed_on(date(2026, 12, 31))
    assert s.certification.delai_recours_mois == 2

    assert etat_recours(deliberation, on=date(2027, 2, 28)).date_limite == date(2027, 2, 28)
    assert etat_recours(deliberation, on=date(2027, 2, 28)).may_file
    assert not etat_recours(deliberation, on=date(2027, 3, 1)).may_file


def test_the_deadline_day_is_the_signature_date_in_paris_not_in_utc():
    # Signed at midnight in Paris on 1 December: still 30 November in UTC.
    _s, deliberation, _compte = signed_on(date(2026, 12, 1), hour=0)
    assert etat_recours(deliberation).date_limite == date(2027, 2, 1)


def test_the_deadline_is_a_setting_of_the_certification():
    s, deliberation, _compte = signed_on(date(2026, 12, 31))
    s.certification.delai_recours_mois = 1
    s.certification.save()
    deliberation.refresh_from_db()
    assert etat_recours(deliberation, on=date(2027, 1, 31)).date_limite == date(2027, 1, 31)

    s.certification.delai_recours_mois = 0  # the branch's jury is sovereign
    s.certification.save()
    deliberation.refresh_from_db()
    etat = etat_recours(deliberation, on=date(2027, 1, 2))
    assert etat.date_limite is None
    assert etat.refusal == (
        "Les décisions du jury de cette certification ne sont pas susceptibles de recours."
    )


def test_the_candidate_files_within_the_deadline_and_the_gestionnaires_are_told(
    django_capture_on_commit_callbacks,
):
    s, deliberation, compte = signed_on(date(2026, 12, 31))
    with at(date(2027, 2, 28)), django_capture_on_commit_callbacks(execute=True):
        recours = deposer(deliberation, "  La grille de BC02 n'a pas été appliquée.  ", by=compte)

    assert recours.status == RecoursStatus.DEPOSE
    assert recours.motifs == "La grille de BC02 n'a pas été appliquée."
    assert recours.pv == s.jury.pvs.get()
    assert recours.filed_by == compte
    [message] = mail.outbox
    assert message.to == [s.gestionnaire.email]
    assert "NGUYEN" in message.subject
    assert reverse("jurys:recours_detail", args=[recours.pk]) in message.body
    entry = LogEntry.objects.get_for_object(recours).get()
    assert entry.action == LogEntry.Action.CREATE
    assert entry.changes_dict["motifs"][1] == "La grille de BC02 n'a pas été appliquée."


def test_a_recours_is_refused_the_day_after_the_deadline_in_french():
    _s, deliberation, compte = signed_on(date(2026, 12, 31))
    with at(date(2027, 3, 1)), pytest.raises(JuryRefus) as refusal:
        deposer(deliberation, "Trop tard ?", by=compte)
    assert refusal.value.message == (
        "Le délai de recours a expiré le 28/02/2027 (2 mois après la signature du "
        "procès-verbal, le 31/12/2026)."
    )
    assert not Recours.objects.exists()


def test_a_full_validation_offers_nothing_to_contest():
    s, _nguyen, _compte = signed_on(date(2026, 12, 31))
    benali = s.jury.deliberations.get(dossier__candidat__nom_naissance="Benali")
    candidat = benali.dossier.candidat
    candidat.compte = UserFactory(organisation=None, roles=[])
    candidat.save(update_fields=["compte"])
    etat = etat_recours(benali, on=date(2027, 1, 5))
    assert not etat.may_file and etat.date_limite is None
    with at(date(2027, 1, 5)), pytest.raises(JuryRefus) as refusal:
        deposer(benali, "Je conteste ma réussite", by=candidat.compte)
    assert refusal.value.message == (
        "Le jury a validé toute la certification : rien n'est à contester."
    )


def test_only_the_dossiers_candidate_files_and_with_grounds():
    s, deliberation, compte = signed_on(date(2026, 12, 31))
    other = s.jury.deliberations.get(dossier__candidat__nom_naissance="Durand")
    with at(date(2027, 1, 5)):
        with pytest.raises(JuryRefus, match="Seul le candidat"):
            deposer(other, "Pas mon dossier", by=compte)
        with pytest.raises(JuryRefus, match="Seul le candidat"):
            deposer(deliberation, "Pour lui", by=s.gestionnaire)
        with pytest.raises(JuryRefus, match="Exposez les motifs"):
            deposer(deliberation, "   ", by=compte)
    assert not Recours.objects.exists()


def test_one_open_recours_per_deliberation_and_one_per_decision():
    s, deliberation, compte = signed_on(date(2026, 12, 31))
    with at(date(2027, 1, 5)):
        recours = deposer(deliberation, "Premier recours", by=compte)
        with pytest.raises(JuryRefus, match="en cours d'instruction"):
            deposer(deliberation, "Second recours", by=compte)
        decider(recours, RecoursIssue.MAINTENUE, "Les notes sont confirmées.", by=s.gestionnaire)
        with pytest.raises(JuryRefus, match="déjà formé un recours contre cette décision"):
            deposer(deliberation, "Encore", by=compte)
    assert Recours.objects.count() == 1


def test_a_rectified_pv_is_a_new_decision_with_its_own_deadline():
    s, deliberation, compte = signed_on(date(2026, 12, 31))
    with at(date(2027, 1, 5)):
        recours = deposer(deliberation, "Erreur sur BC02", by=compte)
        decider(
            recours, RecoursIssue.NOUVELLE_DELIBERATION, "Le jury revoit BC02.", by=s.gestionnaire
        )
        rectify(s.jury, "Recours de Nguyen", by=s.gestionnaire)
        assert not etat_recours(deliberation).may_file  # not signed again yet
        # the jury deliberates again on Nguyen: BC01 now validated
        deliberation.refresh_from_db()
        save_decision(
            deliberation,
            revision=deliberation.revision,
            decision=Decision.PARTIELLE,
            blocs={b.pk: BlocSaisie(r) for b, r in zip(s.blocs, [V, NV, NV], strict=True)},
            unanimite=True,
            by=s.gestionnaire,
        )
    with at(date(2027, 1, 20)):
        close(s.jury, by=s.gestionnaire)
        sign(s.jury, by=s.president)
    deliberation.refresh_from_db()
    etat = etat_recours(deliberation, on=date(2027, 3, 20))
    assert etat.pv.numero == 2
    assert etat.date_limite == date(2027, 3, 20)
    assert etat.may_file


def test_a_rectification_for_another_candidate_reopens_no_deadline():
    """Only a decision the jury took again is a new decision: the others keep the PV that first
    carried them, and their deadline."""
    s, nguyen, _compte = signed_on(date(2026, 12, 31))
    durand = s.jury.deliberations.get(dossier__candidat__nom_naissance="Durand")
    with at(date(2027, 5, 2)):
        rectify(s.jury, "Erreur matérielle sur Nguyen", by=s.gestionnaire)
        nguyen.refresh_from_db()
        save_decision(
            nguyen,
            revision=nguyen.revision,
            decision=Decision.PARTIELLE,
            blocs={b.pk: BlocSaisie(r) for b, r in zip(s.blocs, [V, NV, NV], strict=True)},
            unanimite=True,
            by=s.gestionnaire,
        )
        close(s.jury, by=s.gestionnaire)
        sign(s.jury, by=s.president)
    durand.refresh_from_db()
    etat = etat_recours(durand, on=date(2027, 5, 3))
    assert (etat.pv.numero, etat.date_limite) == (1, date(2027, 2, 28))
    assert not etat.may_file
    nguyen.refresh_from_db()
    assert etat_recours(nguyen, on=date(2027, 5, 3)).date_limite == date(2027, 7, 2)


def test_the_decision_is_journaled_told_to_the_candidate_and_immutable(
    client, django_capture_on_commit_callbacks
):
    s, deliberation, compte = signed_on(date(2026, 12, 31))
    with at(date(2027, 1, 5)):
        recours = deposer(deliberation, "Motifs", by=compte)
    mail.outbox.clear()
    with at(date(2027, 1, 10)), django_capture_on_commit_callbacks(execute=True):
        client.force_login(s.gestionnaire)
        client.post(
            reverse("jurys:recours_detail", args=[recours.pk]),
            {"issue": "maintenue", "motivation": "Les évaluations sont régulières."},
        )

    recours.refresh_from_db()
    assert recours.status == RecoursStatus.DECIDE
    assert recours.decided_by == s.gestionnaire
    [message] = mail.outbox
    assert message.to == ["nguyen@exemple.fr"]
    assert "Décision du jury maintenue" in message.body
    update = LogEntry.objects.get_for_object(recours).get(action=LogEntry.Action.UPDATE)
    assert update.actor == s.gestionnaire
    assert update.changes_dict["issue"] == ["", "maintenue"]

    with pytest.raises(JuryRefus, match="a été décidé le 10/01/2027"):
        decider(recours, RecoursIssue.NOUVELLE_DELIBERATION, "Finalement", by=s.gestionnaire)
    recours.motivation = "Réécrite"
    with pytest.raises(ValidationError):
        recours.save()
    with pytest.raises(ValidationError):
        recours.delete()


def test_the_decision_needs_an_outcome_and_a_motivation():
    s, deliberation, compte = signed_on(date(2026, 12, 31))
    with at(date(2027, 1, 5)):
        recours = deposer(deliberation, "Motifs", by=compte)
        with pytest.raises(JuryRefus, match="Choisissez l'issue"):
            decider(recours, "peut-etre", "Motivée", by=s.gestionnaire)
        with pytest.raises(JuryRefus, match="Motivez"):
            decider(recours, RecoursIssue.IRRECEVABLE, " ", by=s.gestionnaire)


def test_another_organisation_neither_sees_nor_decides(client):
    s, deliberation, compte = signed_on(date(2026, 12, 31))
    with at(date(2027, 1, 5)):
        recours = deposer(deliberation, "Motifs", by=compte)
    autre = UserFactory(organisation=OrganisationFactory(), roles=[Role.GESTIONNAIRE])
    membre = UserFactory(organisation=s.branche, roles=[Role.MEMBRE_JURY])
    for user in (autre, membre):
        assert not Recours.objects.visible_to(user).exists()
    with pytest.raises(JuryRefus, match="Réservé aux gestionnaires"):
        decider(recours, RecoursIssue.MAINTENUE, "Non", by=autre)

    client.force_login(autre)
    assert client.get(reverse("jurys:recours_detail", args=[recours.pk])).status_code == 404
    response = client.post(
        reverse("jurys:recours_detail", args=[recours.pk]),
        {"issue": "maintenue", "motivation": "Non"},
    )
    assert response.status_code == 404
    assert "NGUYEN" not in client.get(reverse("jurys:recours_list")).content.decode()
    client.force_login(membre)
    assert client.get(reverse("jurys:recours_list")).status_code == 403
    recours.refresh_from_db()
    assert recours.status == RecoursStatus.DEPOSE


def test_the_gestionnaire_lists_and_decides_from_the_pages(client, django_assert_max_num_queries):
    s, deliberation, compte = signed_on(date(2026, 12, 31))
    with at(date(2027, 1, 5)):
        recours = deposer(deliberation, "La grille de BC02", by=compte)
        durand = s.jury.deliberations.get(dossier__candidat__nom_naissance="Durand")
        durand.dossier.candidat.compte = UserFactory(organisation=None, roles=[])
        durand.dossier.candidat.save()
        deposer(durand, "Autre recours", by=durand.dossier.candidat.compte)
    client.force_login(s.gestionnaire)

    with django_assert_max_num_queries(12):
        page = client.get(reverse("jurys:recours_list") + "?a_faire=recours_a_instruire")
    text = page.content.decode()
    assert "NGUYEN" in text and "DURAND" in text
    assert "recours déposés par les candidats, à instruire" in text

    url = reverse("jurys:recours_detail", args=[recours.pk])
    assert "La grille de BC02" in client.get(url).content.decode()
    response = client.post(url, {"issue": "nouvelle_deliberation", "motivation": "À revoir"})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "Nouvelle délibération du jury" in page
    assert "Rectifier le PV" in page  # how the jury deliberates again
    assert "Enregistrer l'issue" not in page
    response = client.post(url, {"issue": "maintenue", "motivation": "Changement"}, follow=True)
    assert "sa décision ne change plus" in response.content.decode()
    recours.refresh_from_db()
    assert recours.issue == RecoursIssue.NOUVELLE_DELIBERATION


def test_the_staff_home_counts_the_recours_to_examine():
    s, deliberation, compte = signed_on(date(2026, 12, 31))
    with at(date(2027, 1, 5)):
        deposer(deliberation, "Motifs", by=compte)
    [section] = sections_for(s.gestionnaire)
    [item] = [i for i in section.items if i.key == "recours_a_instruire"]
    assert item.count == 1
    assert item.text == "1 recours à instruire"
    assert item.url == reverse("jurys:recours_list") + "?a_faire=recours_a_instruire"
    autre = UserFactory(organisation=OrganisationFactory(), roles=[Role.GESTIONNAIRE])
    [section] = sections_for(autre)
    assert [i.count for i in section.items if i.key == "recours_a_instruire"] == [0]
