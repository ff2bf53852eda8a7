"""A certification registered at the répertoire spécifique has no blocs de compétences (docs/rncp.md
§5.8, docs/domaine.md §4.1): none in its référentiel, none imported, no partial validation."""

import io
from html import unescape

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cqpilot.core.tests.factories import gestionnaire
from cqpilot.referentiels.models import Bloc, ImportStatus, VersionStatus
from cqpilot.referentiels.rncp_import import check_rncp_export, import_rncp_export
from cqpilot.referentiels.services import OperationRefusee, publication_problems, publish_version

from .factories import BlocFactory, CertificationFactory, CompetenceFactory, VersionFactory

pytestmark = pytest.mark.django_db


def rs(**kwargs):
    return CertificationFactory(
        intitule="Repérage de l'amiante", code_rncp_rs="RS6232", niveau="", **kwargs
    )


NO_BLOC = (
    "Repérage de l'amiante est enregistrée au répertoire spécifique (RS6232) : une certification "
    "du RS n'a pas de blocs de compétences. Décrivez ses compétences sans les regrouper en blocs."
)


def test_the_editor_refuses_a_bloc_in_the_referentiel_of_an_rs_certification(client):
    user = gestionnaire()
    version = VersionFactory(certification=rs(certificateurs=[user.organisation]))
    client.force_login(user)

    response = client.post(
        reverse("referentiels:content_create", args=[version.pk, "bloc"]),
        {"code": "BC01", "intitule": "Repérer l'amiante", "ordre": 0},
    )

    assert response.status_code == 200
    assert NO_BLOC in unescape(response.text)
    assert not Bloc.objects.exists()


def test_the_version_page_offers_no_bloc_button_for_an_rs_certification(client):
    user = gestionnaire()
    version = VersionFactory(certification=rs(certificateurs=[user.organisation]))
    client.force_login(user)

    page = client.get(reverse("referentiels:version_detail", args=[version.pk])).text

    assert "Ajouter un bloc" not in page
    assert "pas de blocs de compétences" in page


def test_an_rs_version_holding_a_bloc_is_not_published_and_says_why():
    version = VersionFactory(certification=rs())
    CompetenceFactory(version=version)
    BlocFactory(version=version, code="BC01")  # from before the rule, or a copied version

    assert publication_problems(version) == [f"{NO_BLOC} Supprimez le bloc BC01 avant de publier."]
    with pytest.raises(OperationRefusee):
        publish_version(version, by=gestionnaire())


def test_an_rs_version_without_blocs_is_published_with_its_competences():
    version = VersionFactory(certification=rs())
    CompetenceFactory(version=version)

    publish_version(version, by=gestionnaire())

    version.refresh_from_db()
    assert version.status == VersionStatus.PUBLIEE


def test_an_rs_version_needs_at_least_one_competence():
    version = VersionFactory(certification=rs())
    assert publication_problems(version) == [
        "Le référentiel doit décrire au moins une compétence (les capacités attestées de la "
        "fiche RS)."
    ]


def test_an_rs_certification_allows_no_partial_validation():
    assert rs().allows_partial_validation is False


@pytest.mark.parametrize("code", ["RNCP39912", ""])
def test_rncp_and_unregistered_certifications_allow_partial_validation(code):
    certification = CertificationFactory(code_rncp_rs=code, niveau="")
    assert certification.allows_partial_validation is True
    assert certification.partial_validation_refusal() is None


def test_the_partial_validation_refusal_of_an_rs_certification_is_explained():
    assert rs().partial_validation_refusal() == (
        "Repérage de l'amiante est enregistrée au répertoire spécifique : sans blocs de "
        "compétences, elle est validée en entier ou pas du tout (pas de validation partielle)."
    )


@pytest.mark.parametrize("field", ["blocs_optionnels_requis", "validite_blocs_mois"])
def test_an_rs_certification_has_no_bloc_settings(field):
    certification = rs()
    setattr(certification, field, 2)
    with pytest.raises(ValidationError) as refusal:
        certification.full_clean()
    assert refusal.value.message_dict[field] == [
        "Sans objet : une certification du répertoire spécifique n'a pas de blocs."
    ]


RS_WITH_BLOCS = b"""<?xml version="1.0" encoding="UTF-8"?>
<FICHES>
  <VERSION_FLUX>4.1</VERSION_FLUX>
  <FICHE><NUMERO_FICHE>RS6117</NUMERO_FICHE><INTITULE>CQP Tourier</INTITULE><ACTIF>Oui</ACTIF>
    <BLOCS_COMPETENCES>
      <BLOC_COMPETENCES><CODE>RS6117BC01</CODE><LIBELLE>Tourer</LIBELLE></BLOC_COMPETENCES>
      <BLOC_COMPETENCES><CODE>RS6117BC02</CODE><LIBELLE>Cuire</LIBELLE></BLOC_COMPETENCES>
    </BLOCS_COMPETENCES>
  </FICHE>
</FICHES>"""

IGNORED = (
    "Ligne 4, fiche RS6117 : une fiche du répertoire spécifique n'a pas de blocs de compétences : "
    "2 blocs ignorés (RS6117BC01, RS6117BC02)."
)


def test_the_rncp_import_ignores_blocs_written_in_an_rs_fiche_and_says_so():
    report = import_rncp_export(io.BytesIO(RS_WITH_BLOCS), file_name="rs.xml")

    assert report.status == ImportStatus.REUSSI, report.errors
    assert not Bloc.objects.exists()
    assert report.blocs_importes == 0
    assert IGNORED in report.warnings


def test_the_rncp_import_check_counts_no_bloc_for_an_rs_fiche():
    report = check_rncp_export(io.BytesIO(RS_WITH_BLOCS), file_name="rs.xml")

    assert report.blocs_importes == 0
    assert IGNORED in report.warnings
