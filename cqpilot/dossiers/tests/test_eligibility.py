"""Each eligibility rule, allowed and refused."""

from datetime import date

import pytest

from cqpilot.dossiers.eligibility import eligibility
from cqpilot.dossiers.models import HabilitationStatus, VoieAcces
from cqpilot.referentiels.models import VersionStatus
from cqpilot.referentiels.tests.factories import BlocFactory, CertificationFactory, VersionFactory

from .factories import HabilitationFactory, OrganismeFactory

pytestmark = pytest.mark.django_db
DAY = date(2026, 3, 2)


def check(certification, **kwargs):
    version = kwargs.pop("version", None) or VersionFactory(
        certification=certification, status=VersionStatus.PUBLIEE
    )
    values = {"voie_acces": VoieAcces.FORMATION_CONTINUE_HORS_CONTRAT_DE_PROFESSIONNALISATION}
    values.update(kwargs)
    return [
        str(r)
        for r in eligibility(
            certification=certification, version=version, date_inscription=DAY, **values
        )
    ]


def test_vae_allowed_for_an_rncp_certification_open_to_vae():
    assert check(CertificationFactory(vae_ouverte=True), voie_acces=VoieAcces.VAE) == []


def test_vae_refused_when_certification_not_rncp():
    certification = CertificationFactory(code_rncp_rs="RS6117", niveau="")
    assert check(certification, voie_acces=VoieAcces.VAE) == [
        f"{certification.intitule} n'est pas enregistrée au RNCP : elle ne peut pas s'obtenir par la VAE."
    ]


def test_vae_refused_for_an_unregistered_cqp():
    certification = CertificationFactory(code_rncp_rs="", niveau="")
    assert "ne peut pas s'obtenir par la VAE" in check(certification, voie_acces=VoieAcces.VAE)[0]


def test_vae_refused_when_the_certification_is_not_open_to_vae():
    certification = CertificationFactory(vae_ouverte=False)
    assert check(certification, voie_acces=VoieAcces.VAE) == [
        f"{certification.intitule} n'est pas ouverte à la VAE."
    ]


def test_vae_minimum_experience_is_the_certification_setting():
    certification = CertificationFactory(vae_ouverte=True, experience_min_vae_mois=12)
    assert check(certification, voie_acces=VoieAcces.VAE, experience_mois=12) == []
    assert check(certification, voie_acces=VoieAcces.VAE, experience_mois=11) == [
        f"La VAE pour {certification.intitule} demande au moins 12 mois d'expérience (11 indiqué(s))."
    ]


def test_no_minimum_experience_by_default():
    assert (
        check(CertificationFactory(vae_ouverte=True), voie_acces=VoieAcces.VAE, experience_mois=0)
        == []
    )


def test_type_of_vae_only_with_the_vae_route():
    refus = check(CertificationFactory(), voie_vae="CONGES_VAE")
    assert refus == ["Le type de VAE ne concerne que la voie d'accès VAE."]


def test_pro_a_allowed_for_an_rncp_certification():
    assert check(CertificationFactory(), voie_acces=VoieAcces.FORMATION_CONTINUE_PRO_A) == []


@pytest.mark.parametrize("code", ["RS6117", ""])
def test_pro_a_refused_when_not_rncp(code):
    certification = CertificationFactory(code_rncp_rs=code, niveau="")
    assert (
        "La Pro-A n'est possible que pour une certification enregistrée au RNCP"
        in check(certification, voie_acces=VoieAcces.FORMATION_CONTINUE_PRO_A)[0]
    )


@pytest.mark.parametrize("code", ["RNCP38001", "RS6117"])
def test_cpf_allowed_for_a_registered_certification(code):
    assert check(CertificationFactory(code_rncp_rs=code, niveau=""), cpf=True) == []


def test_cpf_refused_for_an_unregistered_cqp():
    certification = CertificationFactory(code_rncp_rs="", niveau="")
    assert "pas finançable par le CPF" in check(certification, cpf=True)[0]


def test_contrat_de_professionnalisation_allowed_for_an_unregistered_cqp():
    certification = CertificationFactory(code_rncp_rs="", niveau="")
    assert (
        check(
            certification, voie_acces=VoieAcces.FORMATION_CONTINUE_CONTRAT_DE_PROFESSIONNALISATION
        )
        == []
    )


def test_an_habilitated_organisme_may_enrol():
    habilitation = HabilitationFactory()
    assert check(habilitation.certification, organisme=habilitation.organisme) == []


def test_an_organisme_without_habilitation_may_not_enrol():
    certification, organisme = CertificationFactory(), OrganismeFactory()
    assert check(certification, organisme=organisme) == [
        f"{organisme} n'est pas habilité pour {certification.intitule}."
    ]


def test_an_expired_habilitation_blocks_new_enrolments_with_its_end_date():
    habilitation = HabilitationFactory(date_debut=date(2023, 1, 1), date_fin=date(2025, 12, 31))
    assert check(habilitation.certification, organisme=habilitation.organisme) == [
        f"L'habilitation de {habilitation.organisme} pour {habilitation.certification.intitule} a pris "
        "fin le 31/12/2025 : aucune inscription nouvelle n'est possible au 02/03/2026."
    ]


def test_a_suspended_habilitation_blocks_enrolments():
    habilitation = HabilitationFactory(status=HabilitationStatus.SUSPENDUE)
    assert (
        "n'a pas d'habilitation active"
        in check(habilitation.certification, organisme=habilitation.organisme)[0]
    )


def test_the_referentiel_version_must_be_published():
    certification = CertificationFactory()
    draft = VersionFactory(certification=certification)
    assert check(certification, version=draft) == [
        f"La version {draft.numero} du référentiel n'est pas publiée."
    ]


def test_targeted_blocs_belong_to_the_version():
    certification = CertificationFactory()
    version = VersionFactory(certification=certification, status=VersionStatus.PUBLIEE)
    stranger = BlocFactory(code="AUTRE-BC01")
    assert check(certification, version=version, blocs_vises=[stranger]) == [
        f"Bloc(s) AUTRE-BC01 absent(s) de la version {version.numero}."
    ]


def test_an_habilitation_limited_to_some_blocs_allows_only_those_blocs():
    habilitation = HabilitationFactory()
    version = VersionFactory(certification=habilitation.certification)
    bc01, bc02 = (
        BlocFactory(version=version, code="BC01"),
        BlocFactory(version=version, code="BC02"),
    )
    habilitation.blocs.set([bc01])
    version.status = VersionStatus.PUBLIEE
    version.save()
    organisme, certification = habilitation.organisme, habilitation.certification
    assert check(certification, version=version, organisme=organisme, blocs_vises=[bc01]) == []
    assert check(certification, version=version, organisme=organisme, blocs_vises=[bc01, bc02]) == [
        f"{organisme} n'est pas habilité pour le(s) bloc(s) BC02 (habilitation limitée aux blocs BC01)."
    ]
    assert check(certification, version=version, organisme=organisme) == [
        f"{organisme} n'est habilité que pour les blocs BC01 de {certification.intitule} : "
        "choisissez les blocs visés."
    ]
