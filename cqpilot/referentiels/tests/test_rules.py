"""Rules of certifications and of versions: publication, immutability, copy, comparison."""

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from cqpilot.core.tests.factories import OrganisationFactory, gestionnaire
from cqpilot.referentiels.forms import CertificationForm
from cqpilot.referentiels.models import Certification, Modalite, VersionPublieeError, VersionStatus
from cqpilot.referentiels.services import (
    OperationRefusee,
    copy_version,
    create_empty_version,
    diff_versions,
    publish_version,
)

from .factories import (
    BlocFactory,
    CertificationFactory,
    CompetenceFactory,
    ModaliteFactory,
    VersionFactory,
    complete_version,
)

pytestmark = pytest.mark.django_db


def test_vae_refused_when_certification_not_rncp():
    certification = Certification(
        intitule="CQP Vendeur", type="CQP", code_rncp_rs="RS6117", vae_ouverte=True
    )
    with pytest.raises(ValidationError) as error:
        certification.clean()
    assert "VAE" in str(error.value.message_dict["vae_ouverte"])


def test_vae_refused_for_an_unregistered_cqp():
    certification = Certification(intitule="CQP Vendeur", type="CQP", vae_ouverte=True)
    with pytest.raises(ValidationError):
        certification.clean()


def test_only_an_rncp_certification_has_a_level():
    certification = Certification(intitule="CQP", type="CQP", code_rncp_rs="RS1234", niveau="NIV3")
    with pytest.raises(ValidationError) as error:
        certification.clean()
    assert "niveau" in error.value.message_dict


def test_registration_code_is_normalised_and_checked():
    certification = Certification(intitule="CQP", type="CQP", code_rncp_rs=" rncp 38001 ")
    certification.clean()
    assert certification.code_rncp_rs == "RNCP38001"
    certification.code_rncp_rs = "38001"
    with pytest.raises(ValidationError):
        certification.clean()


def _form_data(**overrides):
    data = {
        "intitule": "CQPI Agent logistique",
        "type": "CQPI",
        "code_rncp_rs": "RNCP38345",
        "niveau": "NIV3",
        "status": "active",
        "blocs_optionnels_requis": "0",
        "codes_nsf": "311",
        "codes_rome": "N1103",
        "formacodes": "",
    }
    data.update(overrides)
    return data


def test_a_cqpi_needs_at_least_two_branches():
    user = gestionnaire()
    form = CertificationForm(_form_data(certificateurs=[user.organisation.pk]), by=user)
    assert not form.is_valid()
    assert "au moins deux branches" in str(form.errors["certificateurs"])
    other = OrganisationFactory()
    form = CertificationForm(_form_data(certificateurs=[user.organisation.pk, other.pk]), by=user)
    assert form.is_valid(), form.errors


def test_malformed_rome_code_is_refused_with_the_expected_shape():
    user = gestionnaire()
    form = CertificationForm(
        _form_data(type="CQP", codes_rome="I13O4", certificateurs=[user.organisation.pk]), by=user
    )
    assert not form.is_valid()
    assert "une lettre et quatre chiffres" in str(form.errors["codes_rome"])


def test_a_gestionnaire_cannot_remove_his_own_branch_from_the_certificateurs():
    user = gestionnaire()
    form = CertificationForm(
        _form_data(type="CQP", certificateurs=[OrganisationFactory().pk]), by=user
    )
    assert not form.is_valid()
    assert "perdriez" in str(form.errors["certificateurs"])


def test_publishing_requires_blocs():
    version = VersionFactory()
    with pytest.raises(OperationRefusee) as refusal:
        publish_version(version, by=gestionnaire())
    assert "au moins un bloc" in refusal.value.problems[0]


def test_publishing_requires_an_evaluation_for_every_bloc():
    version = VersionFactory()
    BlocFactory(version=version, code="BC01")
    with pytest.raises(OperationRefusee) as refusal:
        publish_version(version, by=gestionnaire())
    assert refusal.value.problems == ["Le bloc BC01 n'a aucune modalité d'évaluation."]


def test_publishing_requires_enough_optional_blocs_for_the_obtention_rule():
    version = complete_version(certification=CertificationFactory(blocs_optionnels_requis=1))
    with pytest.raises(OperationRefusee) as refusal:
        publish_version(version, by=gestionnaire())
    assert "exige 1 bloc optionnel mais" in refusal.value.problems[0]


def test_a_published_version_records_who_published_it():
    user = gestionnaire()
    version = publish_version(complete_version(), by=user)
    assert version.status == VersionStatus.PUBLIEE
    assert version.published_by == user
    assert version.published_at is not None


def test_a_published_version_refuses_any_change():
    version = publish_version(complete_version(), by=gestionnaire())
    bloc = version.blocs.first()
    bloc.intitule = "Changé"
    with pytest.raises(VersionPublieeError):
        bloc.save()
    with pytest.raises(VersionPublieeError):
        bloc.delete()
    with pytest.raises(VersionPublieeError), transaction.atomic():
        bloc.competences.clear()
    with pytest.raises(VersionPublieeError):
        ModaliteFactory(bloc=bloc)
    with pytest.raises(VersionPublieeError):
        Modalite.objects.get(bloc=bloc).delete()
    version.description = "Changé"
    with pytest.raises(VersionPublieeError):
        version.save()
    with pytest.raises(VersionPublieeError):
        version.delete()


def test_only_one_draft_at_a_time():
    version = complete_version()
    with pytest.raises(OperationRefusee) as refusal:
        create_empty_version(version.certification, by=gestionnaire())
    assert "encore en brouillon" in refusal.value.problems[0]


def test_new_version_copies_the_whole_referentiel_as_a_draft():
    user = gestionnaire()
    source = publish_version(complete_version(), by=user)
    copy = copy_version(source, by=user)
    assert copy.numero == source.numero + 1
    assert copy.status == VersionStatus.BROUILLON
    assert copy.copied_from == source
    assert [b.code for b in copy.blocs.all()] == [b.code for b in source.blocs.all()]
    copied_bloc = copy.blocs.first()
    assert copied_bloc.pk != source.blocs.first().pk
    assert [c.code for c in copied_bloc.competences.all()] == [
        c.code for c in source.blocs.first().competences.all()
    ]
    assert all(c.version == copy for c in copied_bloc.competences.all())
    assert copied_bloc.modalites.count() == 1
    assert copy.competences.first().criteres.count() == 1
    assert copy.activites.count() == 1


def test_the_comparison_lists_added_removed_and_changed_blocs():
    user = gestionnaire()
    source = publish_version(complete_version(), by=user)
    copy = copy_version(source, by=user)
    first, second = copy.blocs.all()
    first.intitule = "Nouvel intitulé"
    first.est_optionnel = True
    first.save()
    second.delete()
    added = BlocFactory(version=copy, code="ZZ99")
    diff = diff_versions(source, copy)
    changes = {c.code: c for c in diff.blocs}
    assert changes[first.code].kind == "modification"
    assert {f.label: (f.before, f.after) for f in changes[first.code].fields} == {
        "Intitulé": ("Conduire une ligne de production en sécurité", "Nouvel intitulé"),
        "Caractère": ("obligatoire", "optionnel"),
    }
    assert changes[second.code].kind == "suppression"
    assert changes[added.code].kind == "ajout"


def test_identical_versions_have_no_difference():
    user = gestionnaire()
    source = publish_version(complete_version(), by=user)
    assert diff_versions(source, copy_version(source, by=user)).is_empty


def test_a_competence_belongs_to_an_activity_of_its_own_version():
    competence = CompetenceFactory()
    from .factories import ActiviteFactory

    competence.activite = ActiviteFactory()
    with pytest.raises(ValidationError):
        competence.clean()
