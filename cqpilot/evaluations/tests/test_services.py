"""Sessions, assignments under conflict-of-interest rules, result entry, proposed results."""

from datetime import date
from decimal import Decimal

import pytest

from cqpilot.dossiers.models import DossierState
from cqpilot.evaluations.models import Epreuve, SessionEvaluation
from cqpilot.evaluations.rules import Proposition
from cqpilot.evaluations.services import (
    EvaluationRefus,
    Saisie,
    assign,
    create_session,
    criteres_of,
    enrol,
    propositions,
    record_result,
)

from .factories import evaluation

pytestmark = pytest.mark.django_db


def epreuves(e):
    return {ep.modalite.bloc.code: ep for ep in e.session.epreuves.select_related("modalite__bloc")}


def test_a_session_has_one_epreuve_per_modalite_and_enrolled_dossiers_move_to_evaluation():
    e = evaluation()

    enrol(e.session, e.dossiers, by=e.gestionnaire)

    assert sorted(epreuves(e)) == ["BC01", "BC02"]
    for dossier in e.dossiers:
        dossier.refresh_from_db()
        assert dossier.state == DossierState.EN_EVALUATION


def test_a_session_whose_epreuves_cannot_be_created_is_not_saved(monkeypatch):
    e = evaluation()

    def failing(*args, **kwargs):
        raise RuntimeError("plus de place")

    monkeypatch.setattr(Epreuve.objects, "bulk_create", failing)
    with pytest.raises(RuntimeError):
        create_session(
            SessionEvaluation(
                organisation=e.branche,
                certification=e.certification,
                version=e.version,
                date_debut=date(2026, 12, 2),
            )
        )

    assert list(SessionEvaluation.objects.all()) == [e.session]


def test_an_evaluator_is_not_assigned_to_candidates_of_an_of_he_works_for():
    e = evaluation()
    enrol(e.session, e.dossiers, by=e.gestionnaire)
    e.evaluateur.organismes.set([e.of])

    with pytest.raises(EvaluationRefus) as refusal:
        assign(epreuves(e)["BC01"], e.evaluateur)

    assert refusal.value.message.startswith(
        "Dominique Évaluatrice ne peut pas évaluer BENALI Marie : intervient pour l'organisme "
        "de formation du candidat (Formapro Sud)."
    )


def test_a_candidate_the_evaluator_accompanied_cannot_be_enrolled_after_his_assignment():
    e = evaluation()
    assign(epreuves(e)["BC01"], e.evaluateur)
    e.evaluateur.candidats_suivis.set([e.dossiers[0].candidat])

    with pytest.raises(EvaluationRefus, match="a formé, tutoré ou accompagné le candidat"):
        enrol(e.session, e.dossiers, by=e.gestionnaire)


def test_only_the_assigned_evaluator_enters_results():
    e = evaluation()
    enrol(e.session, e.dossiers, by=e.gestionnaire)
    assign(epreuves(e)["BC02"], e.evaluateur)

    with pytest.raises(EvaluationRefus, match="Vous n'êtes pas évaluateur de cette épreuve"):
        record_result(epreuves(e)["BC02"], e.dossiers[0], Saisie({}, Decimal(12)), by=e.second.user)


def test_scores_are_checked_against_the_scale_and_the_threshold():
    e = evaluation()
    enrol(e.session, e.dossiers, by=e.gestionnaire)
    ecrit = epreuves(e)["BC02"]
    assign(ecrit, e.evaluateur)

    with pytest.raises(EvaluationRefus, match="indiquez une note de 0 à 20"):
        record_result(ecrit, e.dossiers[0], Saisie({}, Decimal(21)), by=e.evaluateur.user)
    assert record_result(ecrit, e.dossiers[0], Saisie({}, Decimal(10)), by=e.evaluateur.user).acquis
    assert not record_result(
        ecrit, e.dossiers[1], Saisie({}, Decimal("9.5")), by=e.evaluateur.user
    ).acquis


def test_per_critere_entry_needs_every_critere_and_all_acquired_for_the_epreuve():
    e = evaluation()
    enrol(e.session, e.dossiers, by=e.gestionnaire)
    mise = epreuves(e)["BC01"]
    assign(mise, e.evaluateur)
    first, second = criteres_of(mise.modalite)

    with pytest.raises(EvaluationRefus, match="1 critère non renseigné, dont « Les zones"):
        record_result(mise, e.dossiers[0], Saisie({first.pk: True}), by=e.evaluateur.user)
    ok = record_result(
        mise, e.dossiers[0], Saisie({first.pk: True, second.pk: True}), by=e.evaluateur.user
    )
    ko = record_result(
        mise, e.dossiers[1], Saisie({first.pk: True, second.pk: False}), by=e.evaluateur.user
    )

    assert ok.acquis and not ko.acquis
    assert ko.criteres.count() == 2


def test_proposed_results_follow_the_two_evaluator_rule_when_set():
    e = evaluation(1)
    double = {e.certification.pk}  # the jury's rules ask for two évaluateurs
    enrol(e.session, e.dossiers, by=e.gestionnaire)
    [dossier] = e.dossiers
    ecrit = epreuves(e)["BC02"]
    for person in (e.evaluateur, e.second):
        assign(ecrit, person)
    bc01, bc02 = e.blocs

    record_result(ecrit, dossier, Saisie({}, Decimal(14)), by=e.evaluateur.user)
    assert propositions([dossier], double_evaluation=double)[dossier.pk] == {
        bc01.pk: None,
        bc02.pk: None,
    }
    assert propositions([dossier], double_evaluation=set())[dossier.pk][bc02.pk] == (
        Proposition.ACQUIS
    )

    record_result(ecrit, dossier, Saisie({}, Decimal(8)), by=e.second.user)
    assert propositions([dossier], double_evaluation=double)[dossier.pk][bc02.pk] == (
        Proposition.DESACCORD
    )

    record_result(ecrit, dossier, Saisie({}, Decimal(11)), by=e.second.user)
    assert propositions([dossier], double_evaluation=double)[dossier.pk][bc02.pk] == (
        Proposition.ACQUIS
    )
