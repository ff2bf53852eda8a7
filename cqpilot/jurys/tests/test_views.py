"""The jury screens: scoping, the deliberation form, the locked PV, constant queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cqpilot.core.models import Role
from cqpilot.core.tests.accounts import confirm_identity
from cqpilot.core.tests.factories import UserFactory
from cqpilot.jurys.models import Decision, JuryStatus, ReglesJury
from cqpilot.jurys.services import open_deliberation

from .factories import scenario

pytestmark = pytest.mark.django_db


def post_decision(client, s, deliberation, decision, results, **extra):
    deliberation.refresh_from_db()
    data = {"revision": deliberation.revision, "decision": decision, "unanimite": "1", **extra}
    data.update({f"bloc-{b.pk}": r for b, r in zip(s.blocs, results, strict=True)})
    return client.post(
        reverse("jurys:deliberation_candidat", args=[s.jury.pk, deliberation.pk]),
        data,
        HTTP_HX_REQUEST="true",
    )


def test_another_certifier_sees_neither_the_jury_nor_its_pv(client):
    s = scenario()
    client.force_login(UserFactory(roles=[Role.GESTIONNAIRE]))

    for name in ("jury_detail", "deliberation"):
        assert client.get(reverse(f"jurys:{name}", args=[s.jury.pk])).status_code == 404
    assert client.get(reverse("jurys:pv_download", args=[s.jury.pk, 1])).status_code == 404


def test_an_of_user_has_no_access_to_juries(client):
    s = scenario()
    client.force_login(UserFactory(organisation=s.of, roles=[Role.ORGANISME_FORMATION]))

    assert client.get(reverse("jurys:jury_list")).status_code == 403
    assert client.get(reverse("jurys:jury_detail", args=[s.jury.pk])).status_code == 404


def test_the_deliberation_form_saves_and_reports_refusals_in_the_row(client):
    s = scenario()
    open_deliberation(s.jury, by=s.gestionnaire)
    client.force_login(s.gestionnaire)
    first = s.jury.deliberations.order_by("dossier__candidat__nom_naissance").first()

    refused = post_decision(client, s, first, Decision.TOTALE, ["valide", "non_valide", "valide"])
    assert "Validation totale impossible : bloc BC02 non validé." in refused.text

    saved = post_decision(client, s, first, Decision.TOTALE, ["valide"] * 3)
    assert "Décision enregistrée." in saved.text
    first.refresh_from_db()
    assert first.decision == Decision.TOTALE and first.votes.count() == 4


def test_a_stale_page_cannot_overwrite_a_decision(client):
    s = scenario()
    open_deliberation(s.jury, by=s.gestionnaire)
    client.force_login(s.gestionnaire)
    first = s.jury.deliberations.first()
    stale = {"revision": 0, "decision": Decision.NON_VALIDE, "unanimite": "1"}
    stale.update({f"bloc-{b.pk}": "non_valide" for b in s.blocs})
    post_decision(client, s, first, Decision.TOTALE, ["valide"] * 3)

    response = client.post(
        reverse("jurys:deliberation_candidat", args=[s.jury.pk, first.pk]),
        stale,
        HTTP_HX_REQUEST="true",
    )

    assert "rechargez-la" in response.text
    first.refresh_from_db()
    assert first.decision == Decision.TOTALE


def test_deliberation_page_queries_do_not_grow_with_candidates(client):
    def count(candidats: int) -> int:
        s = scenario(candidats)
        # With recusals, votes and decisions on the page, as in a real jury.
        s.jury.membres.get(intervenant__nom="Texier").intervenant.organismes.set([s.of])
        open_deliberation(s.jury, by=s.gestionnaire)
        client.force_login(s.gestionnaire)
        first = s.jury.deliberations.first()
        post_decision(client, s, first, Decision.TOTALE, ["valide"] * 3)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("jurys:deliberation", args=[s.jury.pk]))
        assert response.status_code == 200
        return len(queries)

    assert count(2) == count(12)


def test_the_signed_jury_refuses_edits_through_the_screens(client):
    s = scenario(1)
    open_deliberation(s.jury, by=s.gestionnaire)
    client.force_login(s.gestionnaire)
    only = s.jury.deliberations.get()
    post_decision(client, s, only, Decision.TOTALE, ["valide"] * 3)
    client.post(reverse("jurys:jury_step", args=[s.jury.pk, "clore"]))
    client.force_login(s.president)
    confirm_identity(client)
    client.post(reverse("jurys:jury_sign", args=[s.jury.pk]))
    s.jury.refresh_from_db()
    assert s.jury.status == JuryStatus.SIGNE
    client.force_login(s.gestionnaire)

    response = post_decision(client, s, only, Decision.NON_VALIDE, ["non_valide"] * 3)

    assert "Le PV est signé : le jury est verrouillé." in response.text
    only.refresh_from_db()
    assert only.decision == Decision.TOTALE
    detail = client.get(reverse("jurys:jury_detail", args=[s.jury.pk]))
    assert s.jury.pvs.get().sha256 in detail.text
    pdf = client.get(reverse("jurys:pv_download", args=[s.jury.pk, 1]))
    assert pdf["Content-Type"] == "application/pdf"
    pdf.close()


def test_a_member_recused_during_the_deliberation_loses_his_vote(client):
    s = scenario(1)
    open_deliberation(s.jury, by=s.gestionnaire)
    client.force_login(s.gestionnaire)
    only = s.jury.deliberations.get()
    post_decision(client, s, only, Decision.TOTALE, ["valide"] * 3)
    salah = s.jury.membres.get(intervenant__nom="Salah")
    url = reverse("jurys:votes", args=[s.jury.pk, only.pk])

    refused = client.post(url, {"recuser": salah.pk, "motif": " "}, follow=True)
    assert "Indiquez le motif de la récusation." in refused.text
    client.post(url, {"recuser": salah.pk, "motif": "Ancien tuteur du candidat"})

    assert only.recusations.get().membre == salah
    assert not only.votes.filter(membre=salah).exists()
    page = client.get(url)
    assert "Récusé(e) : Ancien tuteur du candidat" in page.text


def test_a_manager_declares_the_candidates_a_person_accompanied(client):
    s = scenario(1)
    person = s.jury.membres.get(intervenant__nom="Salah").intervenant
    candidat = s.dossiers[0].candidat
    client.force_login(s.gestionnaire)
    url = reverse("intervenants:intervenant_candidats", args=[person.pk])

    assert "BENALI Marie" in client.get(url, {"q": "benal"}).text
    client.post(url, {"candidat": candidat.pk})
    assert list(person.candidats_suivis.all()) == [candidat]
    open_deliberation(s.jury, by=s.gestionnaire)
    assert s.jury.deliberations.get().recusations.get().motif == (
        "a formé, tutoré ou accompagné le candidat"
    )
    client.force_login(UserFactory(roles=[Role.GESTIONNAIRE]))
    assert client.get(url).status_code == 404


def test_the_jury_rules_are_a_setting_of_each_certification(client):
    s = scenario(1)
    client.force_login(s.gestionnaire)
    detail = client.get(reverse("referentiels:certification_detail", args=[s.certification.pk]))
    url = reverse("jurys:regles_edit", args=[s.certification.pk])
    assert url in detail.text
    assert client.get(url).status_code == 200
    assert not ReglesJury.objects.filter(certification=s.certification).exists()  # GET writes

    client.post(
        url,
        {"membres_min_par_college": 3, "quorum": 6, "majorite": "par_college",
         "part_externes_min": 50, "parite": "on", "signatures_pv": "president"},
    )  # fmt: skip

    problems = client.get(reverse("jurys:jury_detail", args=[s.jury.pk])).text
    assert "Quorum non atteint : 4 membres votants présents, 6 requis." in problems
