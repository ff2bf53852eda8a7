"""The deliberation reads the évaluations per épreuve: a bloc whose results are partly entered
says how many of its épreuves are, not that it has no result."""

from datetime import date
from decimal import Decimal
from html import unescape

import pytest
from django.urls import reverse

from cqpilot.evaluations.models import Epreuve, Resultat, SessionEvaluation
from cqpilot.evaluations.services import Saisie, assign, criteres_of, enrol, record_result
from cqpilot.evaluations.tests.factories import evaluation
from cqpilot.intervenants.tests.factories import IntervenantFactory
from cqpilot.jurys.deliberation import lignes
from cqpilot.jurys.models import Jury, ReglesJury
from cqpilot.jurys.services import add_dossiers, open_deliberation
from cqpilot.referentiels.models import Modalite

from .factories import scenario

pytestmark = pytest.mark.django_db


def enter(s, intitule, *, evaluateurs=1):
    """Results of the first candidate at the épreuve of that modalité, by that many évaluateurs."""
    modalite = Modalite.objects.get(bloc__version=s.version, intitule=intitule)
    session, _ = SessionEvaluation.objects.get_or_create(
        organisation=s.branche,
        certification=s.certification,
        version=s.version,
        date_debut=date(2026, 10, 14),
    )
    epreuve = Epreuve.objects.create(session=session, modalite=modalite)
    for n in range(evaluateurs):
        Resultat.objects.create(
            epreuve=epreuve,
            dossier=s.dossiers[0],
            evaluateur=IntervenantFactory(organisation=s.branche, nom=f"Évaluateur{n}"),
            acquis=True,
            saisi_par=s.gestionnaire,
        )


def pages(client, s):
    open_deliberation(s.jury, by=s.gestionnaire)
    client.force_login(s.gestionnaire)
    deliberation = s.jury.deliberations.get()
    summary = client.get(reverse("jurys:deliberation", args=[s.jury.pk]))
    card = client.get(reverse("jurys:deliberation_candidat", args=[s.jury.pk, deliberation.pk]))
    return unescape(summary.text), unescape(card.text)


def test_the_deliberation_counts_the_epreuves_entered_for_each_bloc(client):
    s = scenario(1, modalites={"BC01": ["Mise en situation", "Entretien"], "BC02": ["Écrit"]})
    enter(s, "Mise en situation")

    summary, card = pages(client, s)

    assert (
        "BC01 : 1 épreuve sur 2 saisie · BC02 : 0 épreuve sur 1 saisie · "
        "BC03 : aucune épreuve prévue" in summary
    )
    assert "Évaluations : 1 épreuve sur 2 saisie" in card
    assert "Pas de résultat d'évaluation" not in card


def test_with_two_evaluators_an_epreuve_counts_once_both_results_are_in(client):
    s = scenario(1, modalites={"BC01": ["Mise en situation", "Entretien"]})
    ReglesJury.objects.create(certification=s.certification, double_evaluation=True)
    enter(s, "Mise en situation", evaluateurs=2)
    enter(s, "Entretien", evaluateurs=1)

    summary, _card = pages(client, s)

    assert "BC01 : 1 épreuve sur 2 saisie" in summary


def test_the_jury_sees_the_proposed_results_and_a_full_validation_pre_filled():
    e = evaluation(1)
    enrol(e.session, e.dossiers, by=e.gestionnaire)
    by_bloc = {ep.modalite.bloc.code: ep for ep in e.session.epreuves.select_related("modalite")}
    mise, ecrit = by_bloc["BC01"], by_bloc["BC02"]
    for epreuve in (mise, ecrit):
        assign(epreuve, e.evaluateur)
    [dossier] = e.dossiers
    record_result(ecrit, dossier, Saisie({}, Decimal(15)), by=e.evaluateur.user)
    jury = Jury.objects.create(
        organisation=e.branche, certification=e.certification, date=date(2026, 11, 20), lieu="Lyon"
    )
    add_dossiers(jury, [dossier], by=e.gestionnaire)

    [ligne] = lignes(jury, [])
    assert ligne.resume_blocs == "BC01 : 0 épreuve sur 1 saisie · BC02 : proposé acquis"
    assert ligne.decision_suggeree == ""

    all_acquired = Saisie(dict.fromkeys((c.pk for c in criteres_of(mise.modalite)), True))
    record_result(mise, dossier, all_acquired, by=e.evaluateur.user)
    [ligne] = lignes(jury, [])
    assert ligne.resume_blocs == "BC01 : proposé acquis · BC02 : proposé acquis"
    assert ligne.decision_suggeree == "totale"
