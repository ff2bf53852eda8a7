"""Dossier-area pages: scoping by organisation, constant query counts, forms in French."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from cqpilot.core.models import Organisation, Role
from cqpilot.core.tests.factories import UserFactory, gestionnaire
from cqpilot.dossiers.models import Candidat, Dossier, DossierState, Financement
from cqpilot.referentiels.models import VersionStatus
from cqpilot.referentiels.tests.factories import VersionFactory

from .factories import CandidatFactory, DossierFactory, HabilitationFactory, OrganismeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def habilitation():
    return HabilitationFactory()


@pytest.fixture
def of_user(habilitation):
    return UserFactory(organisation=habilitation.organisme, roles=[Role.ORGANISME_FORMATION])


@pytest.fixture
def certifier(habilitation):
    return gestionnaire(organisation=habilitation.certification.certificateurs.get())


def dossier_of(habilitation, **kwargs):
    return DossierFactory(
        certification=habilitation.certification, organisme=habilitation.organisme, **kwargs
    )


def test_an_organisme_never_sees_another_organisme_candidates(client, habilitation, of_user):
    mine = dossier_of(habilitation)
    other = HabilitationFactory(certification=habilitation.certification)
    theirs = dossier_of(other)
    client.force_login(of_user)
    listing = client.get(reverse("dossiers:candidat_list")).text
    assert mine.candidat.nom_naissance.upper() in listing
    assert theirs.candidat.nom_naissance.upper() not in listing
    assert theirs.candidat.nom_naissance not in client.get(reverse("dossiers:dossier_list")).text
    for url in (
        reverse("dossiers:candidat_detail", args=[theirs.candidat.pk]),
        reverse("dossiers:candidat_edit", args=[theirs.candidat.pk]),
        reverse("dossiers:dossier_detail", args=[theirs.pk]),
        reverse("dossiers:dossier_create", args=[theirs.candidat.pk]),
    ):
        assert client.get(url).status_code == 404, url
    response = client.post(
        reverse("dossiers:dossier_transition", args=[theirs.pk]), {"vers": "abandon"}
    )
    assert response.status_code == 404


def test_a_certifier_sees_only_the_dossiers_of_its_certifications(client, certifier, habilitation):
    mine = dossier_of(habilitation)
    foreign = DossierFactory()
    client.force_login(certifier)
    listing = client.get(reverse("dossiers:dossier_list")).text
    assert str(mine.candidat) in listing
    assert foreign.candidat.nom_naissance not in listing
    assert client.get(reverse("dossiers:dossier_detail", args=[foreign.pk])).status_code == 404


def test_an_organisme_cannot_manage_organismes(client, of_user):
    client.force_login(of_user)
    assert client.get(reverse("dossiers:organisme_list")).status_code == 403
    assert client.get(reverse("dossiers:habilitations_xlsx")).status_code == 403


def test_dossier_list_runs_a_constant_number_of_queries(
    client, certifier, habilitation, django_assert_num_queries
):
    client.force_login(certifier)
    dossier_of(habilitation)
    url = reverse("dossiers:dossier_list")
    client.get(url)
    # session, user, organisation, roles, certifications filter, count, page of ids, page of rows
    with django_assert_num_queries(8) as first:
        client.get(url, {"q": "", "etat": "brouillon"})
    for _ in range(8):
        dossier_of(habilitation)
    with django_assert_num_queries(len(first)):
        client.get(url, {"q": "", "etat": "brouillon"})


def test_candidat_list_runs_a_constant_number_of_queries(
    client, of_user, habilitation, django_assert_num_queries
):
    client.force_login(of_user)
    dossier_of(habilitation)
    url = reverse("dossiers:candidat_list")
    # session, user, organisation, roles, count, page of ids, page of rows, their dossier counts
    with django_assert_num_queries(8) as first:
        client.get(url)
    for _ in range(8):
        dossier_of(habilitation)
    with django_assert_num_queries(len(first)):
        client.get(url, {"tri": "-annee_naissance"})


def candidat_data(**overrides):
    data = {
        "nom_naissance": "Durand",
        "prenom1": "Léa",
        "sexe": "F",
        "jour_naissance": "14",
        "mois_naissance": "5",
        "annee_naissance": "1990",
        "code_insee_naissance": "69123",
        "commune_naissance": "Lyon",
        "situation": "salarie",
    }
    data.update(overrides)
    return data


def test_an_organisme_creates_a_candidat_it_then_sees(client, of_user):
    client.force_login(of_user)
    response = client.post(reverse("dossiers:candidat_create"), candidat_data())
    candidat = Candidat.objects.get(nom_naissance="Durand")
    assert response.url == reverse("dossiers:candidat_detail", args=[candidat.pk])
    assert candidat.created_by_organisation == of_user.organisation
    assert client.get(response.url).status_code == 200


def test_identity_errors_are_shown_in_french_on_the_fields(client, of_user):
    client.force_login(of_user)
    response = client.post(
        reverse("dossiers:candidat_create"),
        candidat_data(
            nom_naissance="Durand épouse Martin", jour_naissance="31", mois_naissance="2"
        ),
    )
    assert "ne doit pas contenir « épouse »" in response.text
    assert "Le 31/02/1990 n&#x27;existe pas." in response.text
    assert not Candidat.objects.exists()


def test_an_organisme_never_handles_the_nir(client, of_user):
    client.force_login(of_user)
    response = client.get(reverse("dossiers:candidat_create"))
    assert "nouveau_nir" not in response.text
    client.post(reverse("dossiers:candidat_create"), candidat_data(nouveau_nir="290056912304560"))
    assert Candidat.objects.get().nir == ""


def test_a_certifier_records_a_nir_and_sees_it_masked(client, certifier):
    client.force_login(certifier)
    response = client.post(
        reverse("dossiers:candidat_create"), candidat_data(nouveau_nir="2 90 05 69 123 045 60")
    )
    candidat = Candidat.objects.get()
    assert candidat.nir == "290056912304560"
    page = client.get(response.url).text
    assert "2 90 •• •• ••• ••• ••" in page
    assert "290056912304560" not in page


def test_a_probable_duplicate_needs_confirmation(client, of_user, habilitation):
    client.force_login(of_user)
    existing = CandidatFactory(
        nom_naissance="Durand", prenom1="Léa", created_by_organisation=of_user.organisation
    )
    response = client.post(
        reverse("dossiers:candidat_create"), candidat_data(nom_naissance="DURAND")
    )
    assert "semble déjà inscrite" in response.text
    assert reverse("dossiers:candidat_detail", args=[existing.pk]) in response.text
    client.post(
        reverse("dossiers:candidat_create"),
        candidat_data(nom_naissance="DURAND", autre_personne="on"),
    )
    assert Candidat.objects.count() == 2


def test_an_organisme_enrols_its_candidat_and_eligibility_is_explained(
    client, of_user, habilitation
):
    client.force_login(of_user)
    candidat = CandidatFactory(created_by_organisation=of_user.organisation)
    version = VersionFactory(certification=habilitation.certification, status=VersionStatus.PUBLIEE)
    url = reverse("dossiers:dossier_create", args=[candidat.pk])
    data = {
        "version": version.pk,
        "voie_acces": "FORMATION_CONTINUE_CONTRAT_DE_PROFESSIONNALISATION",
        "initiative": "OF",
        "date_inscription": "2028-03-01",
    }
    response = client.post(url, data)
    assert "a pris fin le 31/12/2027" in response.text
    data["date_inscription"] = "2026-03-01"
    response = client.post(url, data)
    dossier = Dossier.objects.get()
    assert dossier.organisme == of_user.organisation
    assert dossier.certification == habilitation.certification
    client.post(reverse("dossiers:dossier_transition", args=[dossier.pk]), {"vers": "inscrit"})
    dossier.refresh_from_db()
    assert dossier.state == DossierState.INSCRIT


def test_the_bloc_list_follows_the_chosen_version(client, of_user, habilitation):
    client.force_login(of_user)
    candidat = CandidatFactory(created_by_organisation=of_user.organisation)
    version = VersionFactory(certification=habilitation.certification)
    from cqpilot.referentiels.tests.factories import BlocFactory

    BlocFactory(version=version, code="RNCP1BC01", intitule="Conduire la ligne")
    version.status = VersionStatus.PUBLIEE
    version.save()
    response = client.get(
        reverse("dossiers:dossier_blocs", args=[candidat.pk]), {"version": version.pk}
    )
    assert "RNCP1BC01" in response.text


def test_a_refused_transition_is_explained(client, of_user, habilitation):
    client.force_login(of_user)
    dossier = dossier_of(habilitation, state=DossierState.PRESENTE_JURY)
    response = client.post(
        reverse("dossiers:dossier_transition", args=[dossier.pk]), {"vers": "certifie"}, follow=True
    )
    assert "Vous ne pouvez pas faire passer ce dossier à « Certifié »." in response.text


def test_financement_lines_are_added_to_a_dossier(client, of_user, habilitation):
    client.force_login(of_user)
    dossier = dossier_of(habilitation)
    client.post(
        reverse("dossiers:financement_create", args=[dossier.pk]),
        {
            "dispositif": "contrat_pro",
            "financeur": "OPCO 2i",
            "frais_pedagogiques": "4200",
            "heures": "420",
            "status": "accorde",
        },
    )
    financement = Financement.objects.get()
    assert (financement.financeur, financement.heures) == ("OPCO 2i", 420)


def test_organisme_siret_key_is_checked(client, certifier):
    client.force_login(certifier)
    response = client.post(
        reverse("dossiers:organisme_create"), {"nom": "Formation Plus", "siret": "78470543600038"}
    )
    assert "La clé du SIRET est fausse." in response.text
    client.post(
        reverse("dossiers:organisme_create"), {"nom": "Formation Plus", "siret": "78470543600037"}
    )
    assert Organisation.objects.get(nom="Formation Plus").kind == "organisme_formation"


def test_habilitated_organismes_export_to_xlsx(client, certifier, habilitation):
    client.force_login(certifier)
    HabilitationFactory(organisme=OrganismeFactory(nom="=cmd|' /C calc'!A0"))  # another certifier's
    response = client.get(reverse("dossiers:habilitations_xlsx"))
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values)
    assert rows[0][:3] == ("Certification", "Code RNCP / RS", "Organisme de formation")
    assert [r[2] for r in rows[1:]] == [habilitation.organisme.nom]


def test_dossiers_are_filtered_by_certification(client, certifier, habilitation):
    mine = dossier_of(habilitation)
    other_certification = HabilitationFactory(
        certification__certificateurs=[certifier.organisation]
    ).certification
    other = DossierFactory(certification=other_certification)
    client.force_login(certifier)
    response = client.get(
        reverse("dossiers:dossier_list"), {"certification": other_certification.pk}
    )
    assert str(other.candidat) in response.text
    assert str(mine.candidat) not in response.text
