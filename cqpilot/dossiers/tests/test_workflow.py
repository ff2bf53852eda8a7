"""Every transition of the dossier state machine, allowed and refused, and who may trigger it."""

import pytest

from cqpilot.core.models import Role
from cqpilot.core.tests.factories import UserFactory, gestionnaire
from cqpilot.dossiers.models import DossierState as S
from cqpilot.dossiers.models import VoieAcces
from cqpilot.dossiers.workflow import TransitionRefusee, available_transitions, transition

from .factories import DossierFactory, HabilitationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def habilitation():
    return HabilitationFactory()


@pytest.fixture
def certificateur(habilitation):
    return gestionnaire(organisation=habilitation.certification.certificateurs.get())


@pytest.fixture
def of_user(habilitation):
    return UserFactory(organisation=habilitation.organisme, roles=[Role.ORGANISME_FORMATION])


def dossier_in(state, habilitation, **kwargs):
    return DossierFactory(
        certification=habilitation.certification,
        organisme=habilitation.organisme,
        state=state,
        **kwargs,
    )


def test_enrolment_checks_eligibility(habilitation, of_user):
    dossier = dossier_in(S.BROUILLON, habilitation)
    assert transition(dossier, S.INSCRIT, by=of_user).state == S.INSCRIT


def test_enrolment_refused_when_not_eligible(habilitation, of_user):
    habilitation.date_fin = habilitation.date_debut
    habilitation.save()
    dossier = dossier_in(S.BROUILLON, habilitation)
    with pytest.raises(TransitionRefusee, match="a pris fin le"):
        transition(dossier, S.INSCRIT, by=of_user)


def test_every_transition_is_recorded_with_its_author(habilitation, certificateur):
    dossier = dossier_in(S.BROUILLON, habilitation)
    transition(dossier, S.INSCRIT, by=certificateur)
    transition(dossier, S.EN_FORMATION, by=certificateur)
    history = [(t.from_state, t.to_state, t.by) for t in dossier.transitions.all()]
    assert history == [
        (S.BROUILLON, S.INSCRIT, certificateur),
        (S.INSCRIT, S.EN_FORMATION, certificateur),
    ]
    dossier.refresh_from_db()
    assert dossier.state_changed_at is not None


ALLOWED = [
    # (from, to, actor, VAE?)
    (S.INSCRIT, S.EN_FORMATION, "of", False),
    (S.RECEVABLE, S.EN_FORMATION, "of", True),
    (S.INSCRIT, S.EN_EVALUATION, "certificateur", False),
    (S.RECEVABLE, S.EN_EVALUATION, "certificateur", True),
    (S.EN_FORMATION, S.EN_EVALUATION, "of", False),
    (S.EN_EVALUATION, S.PRESENTE_JURY, "certificateur", False),
    (S.PRESENTE_JURY, S.CERTIFIE, "certificateur", False),
    (S.PRESENTE_JURY, S.VALIDATION_PARTIELLE, "certificateur", False),
    (S.PRESENTE_JURY, S.NON_VALIDE, "certificateur", False),
    (S.EN_FORMATION, S.ABANDON, "of", False),
    (S.BROUILLON, S.ABANDON, "certificateur", False),
]


@pytest.mark.parametrize(("from_state", "to_state", "actor", "vae"), ALLOWED)
def test_allowed_transition(habilitation, certificateur, of_user, from_state, to_state, actor, vae):
    voie = VoieAcces.VAE if vae else VoieAcces.FORMATION_CONTINUE_CONTRAT_DE_PROFESSIONNALISATION
    dossier = dossier_in(from_state, habilitation, voie_acces=voie)
    by = certificateur if actor == "certificateur" else of_user
    assert transition(dossier, to_state, by=by, motif="Motif précisé").state == to_state


REFUSED_ORDER = [
    (S.BROUILLON, S.EN_FORMATION, False),
    (S.INSCRIT, S.RECEVABLE, False),  # recevabilité is a VAE step
    (S.INSCRIT, S.EN_FORMATION, True),  # a VAE dossier must be declared recevable first
    (S.INSCRIT, S.PRESENTE_JURY, False),
    (S.EN_FORMATION, S.CERTIFIE, False),
    (S.CERTIFIE, S.ABANDON, False),
    (S.ABANDON, S.INSCRIT, False),
    (S.NON_RECEVABLE, S.EN_FORMATION, True),
]


@pytest.mark.parametrize(("from_state", "to_state", "vae"), REFUSED_ORDER)
def test_refused_transition(habilitation, certificateur, from_state, to_state, vae):
    voie = VoieAcces.VAE if vae else VoieAcces.FORMATION_CONTINUE_CONTRAT_DE_PROFESSIONNALISATION
    dossier = dossier_in(from_state, habilitation, voie_acces=voie)
    with pytest.raises(TransitionRefusee, match="ne peut pas passer à"):
        transition(dossier, to_state, by=certificateur, motif="x")
    dossier.refresh_from_db()
    assert dossier.state == from_state


@pytest.mark.parametrize(
    ("from_state", "to_state"),
    [(S.EN_EVALUATION, S.PRESENTE_JURY), (S.PRESENTE_JURY, S.CERTIFIE)],
)
def test_an_organisme_cannot_take_certifier_decisions(habilitation, of_user, from_state, to_state):
    dossier = dossier_in(from_state, habilitation, voie_acces=VoieAcces.VAE)
    with pytest.raises(TransitionRefusee, match="Vous ne pouvez pas"):
        transition(dossier, to_state, by=of_user)


def test_another_organisme_cannot_touch_the_dossier(habilitation):
    dossier = dossier_in(S.INSCRIT, habilitation)
    stranger = UserFactory(
        organisation=HabilitationFactory().organisme, roles=[Role.ORGANISME_FORMATION]
    )
    with pytest.raises(TransitionRefusee, match="Vous ne pouvez pas"):
        transition(dossier, S.EN_FORMATION, by=stranger)
    assert available_transitions(dossier, stranger) == []


def test_an_evaluateur_of_the_certifier_cannot_move_dossiers(habilitation):
    evaluateur = UserFactory(
        organisation=habilitation.certification.certificateurs.get(), roles=[Role.EVALUATEUR]
    )
    dossier = dossier_in(S.INSCRIT, habilitation)
    with pytest.raises(TransitionRefusee, match="Vous ne pouvez pas"):
        transition(dossier, S.EN_FORMATION, by=evaluateur)


@pytest.mark.parametrize("to_state", [S.ABANDON, S.NON_RECEVABLE])
def test_abandon_and_non_recevabilite_need_a_reason(habilitation, certificateur, to_state):
    dossier = dossier_in(S.INSCRIT, habilitation, voie_acces=VoieAcces.VAE)
    with pytest.raises(TransitionRefusee, match="Indiquez le motif"):
        transition(dossier, to_state, by=certificateur, motif="  ", allow_hidden=True)


def test_buttons_offered_match_the_state_and_the_actor(habilitation, certificateur, of_user):
    dossier = dossier_in(S.INSCRIT, habilitation, voie_acces=VoieAcces.VAE)
    assert {t.to_state for t in available_transitions(dossier, certificateur)} == {S.ABANDON}
    assert {t.to_state for t in available_transitions(dossier, of_user)} == {S.ABANDON}


@pytest.mark.parametrize("to_state", [S.RECEVABLE, S.NON_RECEVABLE])
@pytest.mark.parametrize("actor", ["certificateur", "of"])
def test_a_vae_recevabilite_is_decided_on_its_demande_only(
    habilitation, certificateur, of_user, to_state, actor
):
    """No button and no API call: the demande de recevabilité's decision (vae.recevabilite)
    or the tacit acceptance moves the dossier, with its analysis, letter and journal row."""
    dossier = dossier_in(S.INSCRIT, habilitation, voie_acces=VoieAcces.VAE)
    by = certificateur if actor == "certificateur" else of_user
    with pytest.raises(TransitionRefusee, match="se décide sur sa demande de recevabilité"):
        transition(dossier, to_state, by=by, motif="Motif précisé")
    dossier.refresh_from_db()
    assert dossier.state == S.INSCRIT
    assert not dossier.transitions.exists()
    moved = transition(dossier, to_state, by=certificateur, motif="Motivée", allow_hidden=True)
    assert moved.state == to_state


def test_the_way_back_from_evaluation_is_for_unenrolment_only(habilitation, certificateur):
    dossier = dossier_in(S.EN_EVALUATION, habilitation)
    assert S.EN_FORMATION not in {t.to_state for t in available_transitions(dossier, certificateur)}
    with pytest.raises(TransitionRefusee):
        transition(dossier, S.EN_FORMATION, by=certificateur)
    transition(dossier, S.EN_FORMATION, by=certificateur, allow_hidden=True)
    dossier.refresh_from_db()
    assert dossier.state == S.EN_FORMATION
