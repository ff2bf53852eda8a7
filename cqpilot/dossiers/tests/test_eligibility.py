"""Each eligibility rule, allowed and refused."""

from datetime import date

import pytest

from cqpilot.core.tests.factories import OrganisationFactory
from cqpilot.dossiers.eligibility import eligibility
from cqpilot.dossiers.models import HabilitationStatus, VoieAcces
from cqpilot.referentiels.models import VersionStatus
from cqpilot.referentiels.tests.factories import (
    BlocFactory,
    CertificationFactory,
    ListeProAFactory,
    VersionFactory,
)

from .factories import HabilitationFactory, OrganismeFactory

pytestmark = pytest.mark.django_db
DAY = date(2026, 3, 2)


def outcome(certification, **kwargs):
    version = kwargs.pop("version", None) or VersionFactory(
        certification=certification, status=VersionStatus.PUBLIEE
    )
    values = {
        "voie_acces": VoieAcces.FORMATION_CONTINUE_HORS_CONTRAT_DE_PROFESSIONNALISATION,
        "date_inscription": DAY,
    }
    values.update(kwargs)
    return eligibility(certification=certification, version=version, **values)


def check(certification, **kwargs):
    return [str(r) for r in outcome(certification, **kwargs).refus]


def warnings(certification, **kwargs):
    return [str(a) for a in outcome(certification, **kwargs).avertissements]


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


def test_no_minimum_experience_by_default():
    assert (
        check(CertificationFactory(vae_ouverte=True), voie_acces=VoieAcces.VAE, experience_mois=0)
        == []
    )


def test_type_of_vae_only_with_the_vae_route():
    refus = check(CertificationFactory(), voie_vae="CONGES_VAE")
    assert refus == ["Le type de VAE ne concerne que la voie d'accès VAE."]


def test_pro_a_allowed_for_an_rncp_certification_on_its_branch_list():
    certification = CertificationFactory()
    ListeProAFactory(
        branche=certification.certificateurs.get(), codes_rncp=["RNCP1", certification.code_rncp_rs]
    )
    assert check(certification, voie_acces=VoieAcces.FORMATION_CONTINUE_PRO_A) == []


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
        f"Bloc AUTRE-BC01 absent de la version {version.numero}."
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
        f"{organisme} n'est pas habilité pour le bloc BC02 (habilitation limitée aux blocs BC01)."
    ]
    assert check(certification, version=version, organisme=organisme) == [
        f"{organisme} n'est habilité que pour les blocs BC01 de {certification.intitule} : "
        "choisissez les blocs visés."
    ]


# --- Registration end date (RNCP / RS fiche) ---------------------------------------------------


def ending_2029(**kwargs):
    # as the demo's RNCP39912, whose registration ends on 18/12/2029
    return CertificationFactory(date_fin_enregistrement=date(2029, 12, 18), **kwargs)


def test_vae_refused_after_the_registration_end_date():
    certification = ending_2029(vae_ouverte=True)
    assert check(certification, voie_acces=VoieAcces.VAE, date_inscription=date(2035, 1, 1)) == [
        f"L'enregistrement de {certification.intitule} au RNCP a pris fin le 18/12/2029 : "
        "une inscription en VAE n'est plus possible au 01/01/2035."
    ]


def test_vae_allowed_on_the_last_day_of_registration():
    certification = ending_2029(vae_ouverte=True)
    assert check(certification, voie_acces=VoieAcces.VAE, date_inscription=date(2029, 12, 18)) == []


@pytest.mark.parametrize("code", ["RNCP38001", "RS6117"])
def test_cpf_refused_after_the_registration_end_date(code):
    certification = ending_2029(code_rncp_rs=code, niveau="")
    assert check(certification, cpf=True, date_inscription=date(2035, 1, 1)) == [
        f"L'enregistrement de {certification.intitule} a pris fin le 18/12/2029 : "
        "elle n'est plus finançable par le CPF au 01/01/2035."
    ]


def test_contrat_de_professionnalisation_allowed_after_the_registration_end_date():
    # a CQP keeps existing for its branch once its registration has ended (docs/domaine.md §4.1)
    certification = ending_2029()
    voie = VoieAcces.FORMATION_CONTINUE_CONTRAT_DE_PROFESSIONNALISATION
    assert check(certification, voie_acces=voie, date_inscription=date(2035, 1, 1)) == []


# --- Apprenticeship ----------------------------------------------------------------------------


def test_apprenticeship_allowed_for_an_rncp_certification():
    voie = VoieAcces.FORMATION_INITIALE_APPRENTISSAGE
    assert check(CertificationFactory(), voie_acces=voie) == []


@pytest.mark.parametrize("code", ["RS6117", ""])
def test_apprenticeship_refused_when_certification_not_rncp(code):
    certification = CertificationFactory(code_rncp_rs=code, niveau="")
    assert check(certification, voie_acces=VoieAcces.FORMATION_INITIALE_APPRENTISSAGE) == [
        f"{certification.intitule} n'est pas enregistrée au RNCP : elle ne se prépare pas en "
        "apprentissage."
    ]


def test_apprenticeship_refused_after_the_registration_end_date():
    certification = ending_2029()
    voie = VoieAcces.FORMATION_INITIALE_APPRENTISSAGE
    assert check(certification, voie_acces=voie, date_inscription=date(2035, 1, 1)) == [
        f"L'enregistrement de {certification.intitule} au RNCP a pris fin le 18/12/2029 : "
        "une inscription en apprentissage n'est plus possible au 01/01/2035."
    ]


# --- Pro-A: the branch's list --------------------------------------------------------------------


def test_pro_a_refused_before_the_extension_of_the_branch_list():
    certification = CertificationFactory()
    branche = certification.certificateurs.get()
    ListeProAFactory(
        branche=branche, codes_rncp=[certification.code_rncp_rs], date_extension=date(2026, 6, 1)
    )
    assert check(certification, voie_acces=VoieAcces.FORMATION_CONTINUE_PRO_A) == [
        f"La liste Pro-A de {branche} ne s'applique qu'à partir de l'arrêté d'extension du "
        "01/06/2026 : pas de Pro-A au 02/03/2026."
    ]


def test_pro_a_reads_the_list_of_any_certifier_of_a_cqpi():
    metallurgie, commerce = OrganisationFactory(), OrganisationFactory()
    certification = CertificationFactory(certificateurs=[metallurgie, commerce])
    ListeProAFactory(branche=metallurgie, codes_rncp=["RNCP1"])
    ListeProAFactory(branche=commerce, codes_rncp=[certification.code_rncp_rs])
    assert check(certification, voie_acces=VoieAcces.FORMATION_CONTINUE_PRO_A) == []


def test_pro_a_refused_when_the_certification_is_on_no_branch_list():
    certification = CertificationFactory()
    assert check(certification, voie_acces=VoieAcces.FORMATION_CONTINUE_PRO_A) == [
        f"{certification.code_rncp_rs} ne figure sur la liste Pro-A d'aucun accord de branche "
        f"étendu de ses certificateurs ({certification.certificateurs.get()}) : la Pro-A n'est "
        "pas possible."
    ]


# --- RS: no blocs ------------------------------------------------------------------------------


def test_targeting_blocs_refused_for_an_rs_certification():
    certification = CertificationFactory(code_rncp_rs="RS6117", niveau="")
    version = VersionFactory(certification=certification)
    bloc = BlocFactory(version=version, code="BC01")  # kept from before the RS rule
    version.status = VersionStatus.PUBLIEE
    version.save()
    assert check(certification, version=version, blocs_vises=[bloc]) == [
        f"{certification.intitule} est enregistrée au répertoire spécifique : elle se prépare "
        "en entier, sans blocs de compétences."
    ]


# --- VAE experience: a warning -----------------------------------------------------------------


def test_vae_below_the_expected_experience_is_a_warning_not_a_refusal():
    certification = CertificationFactory(vae_ouverte=True, experience_min_vae_mois=12)
    assert check(certification, voie_acces=VoieAcces.VAE, experience_mois=11) == []
    assert warnings(certification, voie_acces=VoieAcces.VAE, experience_mois=11) == [
        f"Expérience en rapport avec la certification : 11 mois, pour 12 mois attendus par "
        f"{certification.intitule}. Ce n'est pas un motif de refus (aucune durée minimale depuis "
        "la loi du 21 décembre 2022) : le certificateur en juge à la recevabilité."
    ]


def test_no_warning_when_the_expected_experience_is_reached():
    certification = CertificationFactory(vae_ouverte=True, experience_min_vae_mois=12)
    assert warnings(certification, voie_acces=VoieAcces.VAE, experience_mois=12) == []


def test_an_experience_left_blank_is_a_warning_when_one_is_expected():
    certification = CertificationFactory(vae_ouverte=True, experience_min_vae_mois=12)
    assert (
        "Expérience en rapport avec la certification : non indiquée, pour 12 mois"
        in (warnings(certification, voie_acces=VoieAcces.VAE)[0])
    )
