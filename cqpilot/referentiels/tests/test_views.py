"""Référentiel pages: who sees what, constant query counts, editing drafts, documents."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from cqpilot.core.models import Role
from cqpilot.core.tests.factories import OrganismeFormationFactory, UserFactory, gestionnaire
from cqpilot.referentiels.models import Bloc, Certification, ReferentielVersion
from cqpilot.referentiels.services import publish_version

from .factories import BlocFactory, CertificationFactory, ModaliteFactory, complete_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(client):
    user = gestionnaire()
    client.force_login(user)
    return user


def test_certification_list_runs_a_constant_number_of_queries(
    client, manager, django_assert_num_queries
):
    CertificationFactory(certificateurs=[manager.organisation])
    # session, user, organisation, roles, count, page of ids, page of rows
    with django_assert_num_queries(7):
        response = client.get(reverse("referentiels:certification_list"))
    assert response.status_code == 200
    for _ in range(10):
        complete_version(certification=CertificationFactory(certificateurs=[manager.organisation]))
    with django_assert_num_queries(7):
        client.get(reverse("referentiels:certification_list"))


def test_certification_list_searches_and_sorts(client, manager):
    CertificationFactory(intitule="CQP Soudeur", certificateurs=[manager.organisation])
    CertificationFactory(intitule="CQP Agent de maintenance", certificateurs=[manager.organisation])
    response = client.get(reverse("referentiels:certification_list"), {"q": "soud"})
    assert "CQP Soudeur" in response.text
    assert "CQP Agent de maintenance" not in response.text
    response = client.get(reverse("referentiels:certification_list"), {"tri": "-intitule"})
    assert response.text.index("CQP Soudeur") < response.text.index("CQP Agent de maintenance")


def test_htmx_search_returns_only_the_table(client, manager):
    CertificationFactory(intitule="CQP Soudeur", certificateurs=[manager.organisation])
    response = client.get(
        reverse("referentiels:certification_list"), {"q": "soud"}, headers={"HX-Request": "true"}
    )
    assert "CQP Soudeur" in response.text
    assert "<html" not in response.text


def test_version_page_runs_a_constant_number_of_queries(client, manager, django_assert_num_queries):
    version = complete_version(
        certification=CertificationFactory(certificateurs=[manager.organisation])
    )
    url = reverse("referentiels:version_detail", args=[version.pk])
    client.get(url)
    with django_assert_num_queries(18) as first:
        client.get(url)
    for _ in range(5):
        ModaliteFactory(bloc=BlocFactory(version=version))
    with django_assert_num_queries(len(first)):
        client.get(url)


def test_a_branch_never_sees_another_branch_certification(client, manager):
    foreign = complete_version()
    assert (
        foreign.certification.intitule
        not in client.get(reverse("referentiels:certification_list")).text
    )
    for url in (
        reverse("referentiels:certification_detail", args=[foreign.certification.pk]),
        reverse("referentiels:version_detail", args=[foreign.pk]),
        reverse("referentiels:version_pdf", args=[foreign.pk]),
        reverse("referentiels:content_edit", args=[foreign.pk, "bloc", foreign.blocs.first().pk]),
    ):
        assert client.get(url).status_code == 404, url


def test_an_organisme_de_formation_has_no_access_to_referentiels(client):
    of_user = UserFactory(
        organisation=OrganismeFormationFactory(), roles=[Role.ORGANISME_FORMATION]
    )
    client.force_login(of_user)
    version = complete_version()
    assert client.get(reverse("referentiels:certification_list")).status_code == 403
    assert client.get(reverse("referentiels:version_detail", args=[version.pk])).status_code == 404
    assert client.get(reverse("referentiels:rncp_import")).status_code == 403


def test_an_evaluateur_reads_but_cannot_edit(client):
    user = UserFactory(roles=[Role.EVALUATEUR])
    client.force_login(user)
    version = complete_version(
        certification=CertificationFactory(certificateurs=[user.organisation])
    )
    response = client.get(reverse("referentiels:version_detail", args=[version.pk]))
    assert response.status_code == 200
    assert "Ajouter un bloc" not in response.text
    assert (
        client.get(reverse("referentiels:content_create", args=[version.pk, "bloc"])).status_code
        == 403
    )
    assert (
        client.post(reverse("referentiels:version_publish", args=[version.pk])).status_code == 403
    )


def test_gestionnaire_creates_a_certification(client, manager):
    response = client.post(
        reverse("referentiels:certification_create"),
        {
            "intitule": "CQP Soudeur industriel",
            "type": "CQP",
            "code_rncp_rs": "RNCP38999",
            "niveau": "NIV3",
            "status": "en_projet",
            "certificateurs": [manager.organisation.pk],
            "blocs_optionnels_requis": "0",
            "codes_nsf": "254",
            "codes_rome": "H2913",
            "formacodes": "",
        },
    )
    certification = Certification.objects.get(code_rncp_rs="RNCP38999")
    assert response.url == reverse("referentiels:certification_detail", args=[certification.pk])
    assert sorted(c.code for c in certification.codes.all()) == ["254", "H2913"]


def test_gestionnaire_adds_a_bloc_to_a_draft(client, manager):
    version = complete_version(
        certification=CertificationFactory(certificateurs=[manager.organisation])
    )
    competence = version.competences.first()
    client.post(
        reverse("referentiels:content_create", args=[version.pk, "bloc"]),
        {
            "code": "RNCP39999BC09",
            "intitule": "Animer une équipe",
            "competences": [competence.pk],
            "ordre": 9,
        },
    )
    bloc = Bloc.objects.get(code="RNCP39999BC09")
    assert list(bloc.competences.all()) == [competence]


def test_a_duplicate_bloc_code_is_refused_in_french(client, manager):
    version = complete_version(
        certification=CertificationFactory(certificateurs=[manager.organisation])
    )
    existing = version.blocs.first()
    response = client.post(
        reverse("referentiels:content_create", args=[version.pk, "bloc"]),
        {"code": existing.code, "intitule": "Doublon", "ordre": 1},
    )
    assert f"Le code {existing.code} est déjà utilisé dans cette version." in response.text


def test_a_competence_is_saved_with_its_criteres(client, manager):
    version = complete_version(
        certification=CertificationFactory(certificateurs=[manager.organisation])
    )
    response = client.post(
        reverse("referentiels:content_create", args=[version.pk, "competence"]),
        {
            "code": "C99",
            "intitule": "Lire un plan",
            "ordre": 1,
            "criteres-TOTAL_FORMS": 2,
            "criteres-INITIAL_FORMS": 0,
            "criteres-0-intitule": "Les cotes sont lues sans erreur",
            "criteres-0-indicateurs": "Aucune erreur sur 10 cotes",
            "criteres-0-ordre": 1,
            "criteres-1-intitule": "",
            "criteres-1-ordre": 0,
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    competence = version.competences.get(code="C99")
    assert [c.intitule for c in competence.criteres.all()] == ["Les cotes sont lues sans erreur"]


def assert_bloc_rename_refused(client, version, bloc) -> None:
    response = client.post(
        reverse("referentiels:content_edit", args=[version.pk, "bloc", bloc.pk]),
        {"code": bloc.code, "intitule": "Changé", "ordre": 1},
        follow=True,
    )
    assert "Cette version est publiée : elle ne peut plus être modifiée." in response.text
    bloc.refresh_from_db()
    assert bloc.intitule != "Changé"


def test_editing_a_published_version_is_refused_with_a_message(client, manager):
    version = complete_version(
        certification=CertificationFactory(certificateurs=[manager.organisation])
    )
    publish_version(version, by=manager)
    bloc = version.blocs.first()
    assert_bloc_rename_refused(client, version, bloc)
    response = client.post(
        reverse("referentiels:content_delete", args=[version.pk, "bloc", bloc.pk]), follow=True
    )
    assert "ne peut plus être modifiée" in response.text
    assert Bloc.objects.filter(pk=bloc.pk).exists()


def test_publish_then_copy_from_the_pages(client, manager):
    version = complete_version(
        certification=CertificationFactory(certificateurs=[manager.organisation])
    )
    response = client.post(reverse("referentiels:version_publish", args=[version.pk]), follow=True)
    assert "publiée" in response.text
    response = client.post(reverse("referentiels:version_copy", args=[version.pk]), follow=True)
    copy = ReferentielVersion.objects.get(copied_from=version)
    assert response.redirect_chain[-1][0] == reverse("referentiels:version_detail", args=[copy.pk])
    diff = client.get(reverse("referentiels:version_diff", args=[copy.pk]))
    assert "Les deux versions ont le même contenu." in diff.text


def test_publishing_an_incomplete_version_shows_what_is_missing(client, manager):
    version = complete_version(
        certification=CertificationFactory(certificateurs=[manager.organisation])
    )
    BlocFactory(version=version, code="BC-SANS-EPREUVE")
    response = client.post(reverse("referentiels:version_publish", args=[version.pk]), follow=True)
    assert "Le bloc BC-SANS-EPREUVE n&#x27;a aucune modalité d&#x27;évaluation." in response.text


def test_referentiel_pdf_contains_the_blocs(client, manager):
    certification = CertificationFactory(
        intitule="CQP Soudeur industriel", certificateurs=[manager.organisation]
    )
    version = complete_version(certification=certification)
    response = client.get(reverse("referentiels:version_pdf", args=[version.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "CQP Soudeur industriel" in text
    for bloc in version.blocs.all():
        assert bloc.code in text


def test_referentiel_xlsx_has_one_sheet_per_level(client, manager):
    version = complete_version(
        certification=CertificationFactory(certificateurs=[manager.organisation])
    )
    bloc = version.blocs.first()
    bloc.intitule = '=HYPERLINK("http://exemple.invalid")'
    bloc.save()
    response = client.get(reverse("referentiels:version_xlsx", args=[version.pk]))
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheetnames == [
        "Certification",
        "Activités",
        "Compétences",
        "Blocs",
        "Modalités d'évaluation",
    ]
    blocs = [row for row in workbook["Blocs"].iter_rows(min_row=2, values_only=True)]
    assert len(blocs) == 2
    assert blocs[0][1].startswith("'=")  # neutralised, never a live formula


def test_a_save_racing_a_publication_is_refused_with_a_message(client, manager, monkeypatch):
    version = complete_version(
        certification=CertificationFactory(certificateurs=[manager.organisation])
    )
    bloc = version.blocs.first()
    from cqpilot.referentiels import views

    # The view read the version while it was a draft; someone publishes it before the save.
    publish_version(version, by=manager)
    version.status = "brouillon"
    monkeypatch.setattr(views, "_version", lambda request, pk: version)
    assert_bloc_rename_refused(client, version, bloc)


def test_deleting_an_activite_keeps_its_competences(client, manager):
    version = complete_version(
        certification=CertificationFactory(certificateurs=[manager.organisation])
    )
    activite = version.activites.get()
    client.post(reverse("referentiels:content_delete", args=[version.pk, "activite", activite.pk]))
    assert version.competences.count() == 2
    assert not version.competences.filter(activite__isnull=False).exists()
