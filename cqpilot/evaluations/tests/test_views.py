"""Sessions and the évaluateur's grid through the screens."""

from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.urls import reverse
from lxml import html

from cqpilot.core.models import Role
from cqpilot.core.tests.factories import UserFactory
from cqpilot.evaluations.models import Resultat, SessionEvaluation
from cqpilot.evaluations.services import Saisie, assign, criteres_of, enrol, record_result

from .factories import evaluation

pytestmark = pytest.mark.django_db


def test_a_manager_creates_a_session_enrols_and_sees_a_refused_assignment(client):
    e = evaluation()
    client.force_login(e.gestionnaire)
    response = client.post(
        reverse("evaluations:session_create"),
        {
            "certification": e.certification.pk,
            "version": e.version.pk,
            "date_debut": "2026-12-02",
            "deroulement": "mixte",
            "lieu": "Centre de Lyon",
            "code_postal": "69007",
        },
    )
    session = SessionEvaluation.objects.latest("pk")
    assert response.url == reverse("evaluations:session_detail", args=[session.pk])
    assert session.epreuves.count() == 2

    client.post(
        reverse("evaluations:session_enrol", args=[session.pk]),
        {"dossiers": [d.pk for d in e.dossiers]},
    )
    e.evaluateur.organismes.set([e.of])
    epreuve = session.epreuves.first()
    page = client.post(
        reverse("evaluations:epreuve_assign", args=[session.pk, epreuve.pk]),
        {"evaluateur": e.evaluateur.pk},
        follow=True,
    )

    assert session.inscriptions.count() == 2
    assert "ne peut pas évaluer BENALI Marie : intervient pour l&#x27;organisme" in page.text
    assert not epreuve.affectations.exists()


def test_the_session_form_explains_its_errors_in_french(client):
    e = evaluation()
    client.force_login(e.gestionnaire)

    page = client.post(
        reverse("evaluations:session_create"),
        {"certification": e.certification.pk, "version": e.version.pk, "date_debut": "2026-12-02",
         "date_fin": "2026-12-01", "deroulement": "presentiel", "code_postal": "69"},
    )  # fmt: skip

    assert "Le dernier jour précède le premier." in page.text
    assert "Le code postal comporte 5 chiffres." in page.text


def test_the_evaluator_grid_records_rows_filled_and_keeps_refused_ones(client):
    e = evaluation()
    enrol(e.session, e.dossiers, by=e.gestionnaire)
    epreuves = {ep.modalite.bloc.code: ep for ep in e.session.epreuves.all()}
    mise = epreuves["BC01"]
    assign(mise, e.evaluateur)
    first, second = criteres_of(mise.modalite)
    benali, durand = e.dossiers
    client.force_login(e.evaluateur.user)

    page = client.post(
        reverse("evaluations:saisie", args=[mise.pk]),
        {
            f"critere-{benali.pk}-{first.pk}": "1",
            f"critere-{benali.pk}-{second.pk}": "1",
            f"critere-{durand.pk}-{first.pk}": "0",
        },
    )

    assert "Résultat enregistré pour 1 candidat." in page.text
    assert "DURAND Marie : 1 critère non renseigné" in page.text
    assert Resultat.objects.get(dossier=benali).acquis
    # The refused row keeps what was typed.
    assert f'name="critere-{durand.pk}-{first.pk}" value="0" checked' in page.text


def test_an_evaluator_reaches_only_the_epreuves_assigned_to_him(client):
    e = evaluation()
    mise = e.session.epreuves.first()
    assign(mise, e.evaluateur)
    client.force_login(e.second.user)

    assert client.get(reverse("evaluations:saisie", args=[mise.pk])).status_code == 404
    client.force_login(UserFactory(roles=[Role.GESTIONNAIRE]))
    assert client.get(reverse("evaluations:session_detail", args=[e.session.pk])).status_code == 404


def as_shown(page) -> dict[str, str]:
    """What the grid sends when submitted as the browser shows it: the values already
    there, checked radios included."""
    form = html.fromstring(page.content).xpath("//form[@class='grille']")[0]
    data = {}
    for field in form.inputs:
        name, kind = field.get("name"), field.get("type")
        if name and (kind != "radio" or field.get("checked") is not None):
            data[name] = field.get("value", "")
    return data


def test_saving_one_more_candidate_counts_one_candidate_and_rewrites_nobody_else(client):
    e = evaluation(3)
    enrol(e.session, e.dossiers, by=e.gestionnaire)
    mise = {ep.modalite.bloc.code: ep for ep in e.session.epreuves.all()}["BC01"]
    assign(mise, e.evaluateur)
    first, second = criteres_of(mise.modalite)
    benali, durand, nguyen = e.dossiers
    for dossier in (benali, durand):
        record_result(
            mise, dossier, Saisie({first.pk: True, second.pk: False}), by=e.evaluateur.user
        )
    client.force_login(e.evaluateur.user)
    url = reverse("evaluations:saisie", args=[mise.pk])
    entries = LogEntry.objects.count()

    data = as_shown(client.get(url))  # Benali's and Durand's rows come filled in
    data |= {f"critere-{nguyen.pk}-{first.pk}": "1", f"critere-{nguyen.pk}-{second.pk}": "1"}
    page = client.post(url, data)

    assert "Résultat enregistré pour 1 candidat." in page.text
    assert Resultat.objects.get(dossier=nguyen).acquis
    assert LogEntry.objects.count() - entries == 1  # Nguyen's result, nobody else's


def test_a_row_sent_back_unchanged_is_not_counted_but_a_new_comment_is(client):
    e = evaluation()
    enrol(e.session, e.dossiers, by=e.gestionnaire)
    ecrit = {ep.modalite.bloc.code: ep for ep in e.session.epreuves.all()}["BC02"]
    assign(ecrit, e.evaluateur)
    benali = e.dossiers[0]
    record_result(ecrit, benali, Saisie({}, Decimal(12), "Bien"), by=e.evaluateur.user)
    client.force_login(e.evaluateur.user)
    url = reverse("evaluations:saisie", args=[ecrit.pk])

    page = client.post(url, as_shown(client.get(url)))
    assert "Aucun résultat modifié." in page.text

    page = client.post(url, as_shown(client.get(url)) | {f"commentaire-{benali.pk}": "Très bien"})
    assert "Résultat enregistré pour 1 candidat." in page.text
    assert Resultat.objects.get(dossier=benali).commentaire == "Très bien"
