"""A session is corrected after its creation: an évaluateur removed from an épreuve, its dates,
place and déroulement edited, a candidate unenrolled, the session deleted; each refused, with
its reason, once results are entered."""

from datetime import date, time
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from cqpilot.dossiers.models import DossierState, DossierTransition
from cqpilot.evaluations.changes import delete_session, unassign, unenrol
from cqpilot.evaluations.models import Affectation, Inscription, SessionEvaluation
from cqpilot.evaluations.services import EvaluationRefus, Saisie, assign, enrol, record_result

from .factories import evaluation

pytestmark = pytest.mark.django_db


def epreuves(e):
    return {ep.modalite.bloc.code: ep for ep in e.session.epreuves.select_related("modalite__bloc")}


def detail(client, session) -> str:
    return client.get(reverse("evaluations:session_detail", args=[session.pk])).text


def scored(e):
    """Both candidates enrolled, the évaluatrice assigned to the written test and Benali's
    score entered."""
    enrol(e.session, e.dossiers, by=e.gestionnaire)
    ecrit = epreuves(e)["BC02"]
    assign(ecrit, e.evaluateur)
    record_result(ecrit, e.dossiers[0], Saisie({}, Decimal(12)), by=e.evaluateur.user)
    return ecrit


# --- Évaluateurs ---------------------------------------------------------------------------


def test_an_evaluator_with_a_conflict_is_removed_then_the_candidate_is_enrolled(client):
    e = evaluation()
    e.evaluateur.organismes.set([e.of])  # trains for Formapro Sud, the candidates' OF
    mise = epreuves(e)["BC01"]
    assign(mise, e.evaluateur)
    client.force_login(e.gestionnaire)
    enrol_url = reverse("evaluations:session_enrol", args=[e.session.pk])

    page = client.post(enrol_url, {"dossiers": [e.dossiers[0].pk]}, follow=True)
    assert "Dominique Évaluatrice ne peut pas évaluer BENALI Marie" in page.text

    affectation = mise.affectations.get()
    page = client.post(
        reverse("evaluations:epreuve_unassign", args=[e.session.pk, mise.pk, affectation.pk]),
        follow=True,
    )
    assert "Dominique Évaluatrice n&#x27;évalue plus « BC01 — Mise en situation »." in page.text
    assert not Affectation.objects.exists()

    page = client.post(enrol_url, {"dossiers": [e.dossiers[0].pk]}, follow=True)
    assert "1 candidat inscrit." in page.text


def test_an_evaluator_who_entered_results_stays_assigned():
    e = evaluation()
    ecrit = scored(e)

    with pytest.raises(EvaluationRefus) as refusal:
        unassign(ecrit.affectations.get())

    assert refusal.value.message == (
        "Dominique Évaluatrice a saisi 1 résultat pour « BC02 — Écrit » : "
        "cette affectation ne peut plus être retirée."
    )
    assert ecrit.affectations.exists()


def test_the_remove_button_shows_only_for_evaluators_without_results(client):
    e = evaluation()
    ecrit = scored(e)
    mise = epreuves(e)["BC01"]
    second = assign(mise, e.second)
    client.force_login(e.gestionnaire)

    page = detail(client, e.session)

    url = "evaluations:epreuve_unassign"
    assert reverse(url, args=[e.session.pk, mise.pk, second.pk]) in page
    assert reverse(url, args=[e.session.pk, ecrit.pk, ecrit.affectations.get().pk]) not in page


# --- Editing ---------------------------------------------------------------------------------


def edit(client, session, **changes):
    data = {
        "date_debut": "2026-10-21",
        "date_fin": "2026-10-22",
        "heure": "09:00",
        "deroulement": "mixte",
        "lieu": "Centre de Bron",
        "code_postal": "69500",
        **changes,
    }
    return client.post(reverse("evaluations:session_edit", args=[session.pk]), data, follow=True)


def test_a_manager_edits_the_dates_the_place_and_the_deroulement(client):
    e = evaluation()
    client.force_login(e.gestionnaire)

    page = edit(client, e.session)

    assert "Session modifiée." in page.text
    session = SessionEvaluation.objects.get(pk=e.session.pk)
    assert (session.date_debut, session.date_fin, session.heure) == (
        date(2026, 10, 21),
        date(2026, 10, 22),
        time(9, 0),
    )
    assert (session.deroulement, session.lieu, session.code_postal) == (
        "mixte",
        "Centre de Bron",
        "69500",
    )
    assert session.certification == e.certification  # not on the form: the épreuves come from it


def test_the_edit_form_explains_its_errors_in_french(client):
    e = evaluation()
    client.force_login(e.gestionnaire)

    page = edit(client, e.session, date_fin="2026-10-20", code_postal="695")

    assert "Le dernier jour précède le premier." in page.text
    assert "Le code postal comporte 5 chiffres." in page.text


def test_moving_a_convoked_session_asks_for_new_convocations(client):
    e = evaluation()
    enrol(e.session, e.dossiers, by=e.gestionnaire)
    Inscription.objects.update(convoque_at="2026-10-01T10:00:00+02:00")
    client.force_login(e.gestionnaire)

    page = edit(client, e.session)

    assert (
        "Les convocations déjà envoyées ne correspondent plus à la session : renvoyez-les."
        in page.text
    )
    assert not Inscription.objects.filter(convoque_at__isnull=False).exists()


def test_a_session_with_results_is_not_edited(client):
    e = evaluation()
    scored(e)
    client.force_login(e.gestionnaire)

    page = edit(client, e.session)

    assert (
        "Des résultats sont saisis pour cette session : ses dates, son lieu et son déroulement "
        "ne peuvent plus être modifiés." in page.text
    )
    assert SessionEvaluation.objects.get(pk=e.session.pk).lieu == "Centre de Vénissieux"


# --- Unenrolment -----------------------------------------------------------------------------


def test_an_unenrolled_dossier_returns_to_the_state_enrolment_moved_it_from(way_back):
    e = evaluation()
    enrol(e.session, e.dossiers, by=e.gestionnaire)
    benali = e.dossiers[0]

    unenrol(
        e.session.inscriptions.get(dossier=benali),
        motif="Absent pour raison médicale",
        by=e.gestionnaire,
    )

    benali.refresh_from_db()
    assert benali.state == DossierState.EN_FORMATION
    step = DossierTransition.objects.filter(dossier=benali).latest("pk")
    assert (step.from_state, step.to_state, step.by) == (
        DossierState.EN_EVALUATION,
        DossierState.EN_FORMATION,
        e.gestionnaire,
    )
    assert step.motif == "Désinscription de la session du 14/10/2026 : Absent pour raison médicale"
    assert not e.session.inscriptions.filter(dossier=benali).exists()


def test_a_dossier_already_in_evaluation_before_its_enrolment_stays_there(no_way_back):
    e = evaluation(1)
    [dossier] = e.dossiers
    dossier.state = DossierState.EN_EVALUATION
    dossier.save()
    enrol(e.session, [dossier], by=e.gestionnaire)

    unenrol(e.session.inscriptions.get(), motif="Erreur d'inscription", by=e.gestionnaire)

    dossier.refresh_from_db()
    assert dossier.state == DossierState.EN_EVALUATION
    assert not Inscription.objects.exists()


def test_a_dossier_in_two_sessions_returns_when_the_last_one_lets_it_go(way_back):
    e = evaluation(1)
    [dossier] = e.dossiers
    other = SessionEvaluation.objects.create(
        organisation=e.branche,
        certification=e.certification,
        version=e.version,
        date_debut=date(2026, 11, 4),
    )
    enrol(e.session, [dossier], by=e.gestionnaire)  # moved it: en formation → en évaluation
    dossier.refresh_from_db()
    enrol(other, [dossier], by=e.gestionnaire)

    unenrol(e.session.inscriptions.get(), motif="Reporté", by=e.gestionnaire)
    dossier.refresh_from_db()
    assert dossier.state == DossierState.EN_EVALUATION  # still enrolled in November

    unenrol(other.inscriptions.get(), motif="Reporté encore", by=e.gestionnaire)
    dossier.refresh_from_db()
    assert dossier.state == DossierState.EN_FORMATION


def test_unenrolment_is_refused_when_the_workflow_has_no_way_back(no_way_back):
    e = evaluation(1)
    enrol(e.session, e.dossiers, by=e.gestionnaire)

    with pytest.raises(EvaluationRefus) as refusal:
        unenrol(e.session.inscriptions.get(), motif="Absent", by=e.gestionnaire)

    assert refusal.value.message == (
        "Le dossier de BENALI Marie ne peut pas revenir de « En évaluation » à « En formation » "
        ": le circuit des dossiers ne le prévoit pas."
    )
    assert e.session.inscriptions.exists()


def test_a_candidate_with_results_is_not_unenrolled(way_back):
    e = evaluation()
    scored(e)

    with pytest.raises(EvaluationRefus) as refusal:
        unenrol(e.session.inscriptions.get(dossier=e.dossiers[0]), motif="x", by=e.gestionnaire)

    assert refusal.value.message == (
        "BENALI Marie a des résultats saisis à cette session : "
        "sa désinscription n'est plus possible."
    )


def test_a_candidate_the_jury_decided_on_is_not_unenrolled(way_back):
    e = evaluation(1)
    enrol(e.session, e.dossiers, by=e.gestionnaire)
    type(e.dossiers[0]).objects.filter(pk=e.dossiers[0].pk).update(state=DossierState.CERTIFIE)

    with pytest.raises(EvaluationRefus) as refusal:
        unenrol(e.session.inscriptions.get(), motif="x", by=e.gestionnaire)

    assert refusal.value.message == (
        "Le jury a statué sur le dossier de BENALI Marie (« Certifié ») : "
        "sa désinscription n'est plus possible."
    )


def test_unenrolling_asks_a_reason_and_writes_it_in_the_journal(client, way_back):
    e = evaluation()
    enrol(e.session, e.dossiers, by=e.gestionnaire)
    inscription = e.session.inscriptions.get(dossier=e.dossiers[1])
    url = reverse("evaluations:session_unenrol", args=[e.session.pk, inscription.pk])
    client.force_login(e.gestionnaire)

    page = client.post(url, {"motif": "  "}, follow=True)
    assert "Indiquez le motif de la désinscription." in page.text
    assert Inscription.objects.filter(pk=inscription.pk).exists()

    page = client.post(url, {"motif": "Ne s'est pas présentée"}, follow=True)
    assert (
        "DURAND Marie est désinscrit(e) de la session ; son dossier revient à « En formation »."
        in page.text
    )
    entry = LogEntry.objects.get(object_pk=str(inscription.pk), action=LogEntry.Action.DELETE)
    assert entry.actor == e.gestionnaire
    assert entry.additional_data == {"motif": "Ne s'est pas présentée"}


def test_the_unenrol_button_shows_only_for_candidates_without_results(client, way_back):
    e = evaluation()
    scored(e)
    client.force_login(e.gestionnaire)
    benali, durand = (e.session.inscriptions.get(dossier=d) for d in e.dossiers)

    page = detail(client, e.session)

    assert reverse("evaluations:session_unenrol", args=[e.session.pk, durand.pk]) in page
    assert reverse("evaluations:session_unenrol", args=[e.session.pk, benali.pk]) not in page
    assert "sa désinscription n&#x27;est plus possible" in page


# --- Deletion --------------------------------------------------------------------------------


def test_a_session_is_deleted_for_a_reason_and_its_candidates_go_back(client, way_back):
    e = evaluation()
    enrol(e.session, e.dossiers, by=e.gestionnaire)
    assign(epreuves(e)["BC01"], e.evaluateur)
    client.force_login(e.gestionnaire)

    page = client.post(
        reverse("evaluations:session_delete", args=[e.session.pk]),
        {"motif": "Centre indisponible"},
        follow=True,
    )

    assert page.redirect_chain[-1][0] == reverse("evaluations:session_list")
    assert "Session du 14/10/2026 supprimée ; 2 candidats désinscrits." in page.text
    assert not SessionEvaluation.objects.exists()
    for dossier in e.dossiers:
        dossier.refresh_from_db()
        assert dossier.state == DossierState.EN_FORMATION
    entry = LogEntry.objects.get(
        object_pk=str(e.session.pk),
        content_type__model="sessionevaluation",
        action=LogEntry.Action.DELETE,
    )
    assert entry.actor == e.gestionnaire
    assert entry.additional_data == {"motif": "Centre indisponible"}


def test_a_session_is_not_deleted_without_a_reason(client):
    e = evaluation()
    client.force_login(e.gestionnaire)

    page = client.post(
        reverse("evaluations:session_delete", args=[e.session.pk]), {"motif": ""}, follow=True
    )

    assert "Indiquez le motif de la suppression." in page.text
    assert SessionEvaluation.objects.filter(pk=e.session.pk).exists()


def test_a_session_with_results_is_not_deleted():
    e = evaluation()
    scored(e)

    with pytest.raises(EvaluationRefus) as refusal:
        delete_session(e.session, motif="Erreur", by=e.gestionnaire)

    assert refusal.value.message == (
        "Des résultats sont saisis pour cette session : elle ne peut plus être supprimée."
    )
    assert SessionEvaluation.objects.filter(pk=e.session.pk).exists()


def test_a_session_whose_candidates_cannot_go_back_is_not_deleted(no_way_back):
    e = evaluation(1)
    enrol(e.session, e.dossiers, by=e.gestionnaire)

    with pytest.raises(EvaluationRefus) as refusal:
        delete_session(e.session, motif="Erreur", by=e.gestionnaire)

    assert refusal.value.message == (
        "La session ne peut pas être supprimée sans désinscrire ses candidats. Le dossier de "
        "BENALI Marie ne peut pas revenir de « En évaluation » à « En formation » : le circuit "
        "des dossiers ne le prévoit pas."
    )
    assert SessionEvaluation.objects.filter(pk=e.session.pk).exists()


def test_a_session_with_results_shows_neither_edit_nor_delete(client):
    e = evaluation()
    scored(e)
    client.force_login(e.gestionnaire)

    page = detail(client, e.session)

    assert reverse("evaluations:session_edit", args=[e.session.pk]) not in page
    assert reverse("evaluations:session_delete", args=[e.session.pk]) not in page
    assert "Des résultats sont saisis pour cette session" in page


def test_a_session_without_results_shows_edit_and_delete(client):
    e = evaluation()
    client.force_login(e.gestionnaire)

    page = detail(client, e.session)

    assert reverse("evaluations:session_edit", args=[e.session.pk]) in page
    assert reverse("evaluations:session_delete", args=[e.session.pk]) in page


def test_the_session_page_asks_the_same_queries_whatever_its_candidates(
    client, django_assert_num_queries, way_back
):
    e = evaluation(3)
    benali, *others = e.dossiers
    enrol(e.session, [benali], by=e.gestionnaire)
    assign(epreuves(e)["BC01"], e.evaluateur)
    client.force_login(e.gestionnaire)
    url = reverse("evaluations:session_detail", args=[e.session.pk])
    client.get(url)  # the session, the user and the permissions' first reads

    with django_assert_num_queries(16) as one:  # 16th: the aménagements granted
        client.get(url)
    enrol(e.session, others, by=e.gestionnaire)
    assign(epreuves(e)["BC02"], e.second)
    with django_assert_num_queries(len(one.captured_queries)):
        client.get(url)
