"""Attacks on the VAE accompanists (AAP, issue 18 step 5), found by an attacker's walk: each
succeeded before its fix; each test states the behaviour the platform owes."""

from datetime import date

import pytest
from django.core import mail
from django.urls import reverse

from cqpilot.api.tests.factories import ApiClient
from cqpilot.core.forms import UserForm
from cqpilot.core.models import Role, RoleGrant
from cqpilot.core.permissions import EDIT_DOSSIERS, IMPORT_CANDIDATS
from cqpilot.core.tests.factories import UserFactory
from cqpilot.dossiers.forms import enrollable_versions
from cqpilot.dossiers.models import Dossier, DossierState, VoieAcces
from cqpilot.dossiers.tests.factories import (
    CandidatFactory,
    DossierFactory,
    HabilitationFactory,
    OrganismeFactory,
)
from cqpilot.intervenants.tests.factories import IntervenantFactory
from cqpilot.vae.accompagnement import (
    StructureSaisie,
    designer,
    est_reconnu,
    mettre_a_jour,
    referencer,
)
from cqpilot.vae.jury import is_accompagnateur
from cqpilot.vae.models import Referencement

from .factories import aap_user, at, relais, vae_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def draft_with_of_and_accompanist(w, referencement, *, habilitations=()):
    """A VAE draft the certifier opened with a partner OF, then named the accompanist on."""
    of = OrganismeFactory(nom="Formapro Sud")
    for certification in (w.certification, *habilitations):
        HabilitationFactory(organisme=of, certification=certification, date_fin=date(2099, 1, 1))
    dossier = w.dossier(state=DossierState.BROUILLON)
    Dossier.objects.filter(pk=dossier.pk).update(organisme=of)
    designer(dossier, referencement, by=w.gestionnaire)
    dossier.refresh_from_db()
    return dossier, of


def test_an_accompanist_editing_a_draft_through_the_api_leaves_its_organisme_alone():
    """An accompanist edits a draft the certifier opened with a partner OF (PATCH through the
    API, DossierForm): the OF keeps its dossier; only a dossier it opens itself has no OF."""
    w = vae_world()
    mine = relais(w)
    dossier, of = draft_with_of_and_accompanist(w, mine)
    of_user = UserFactory(organisation=of, roles=[Role.ORGANISME_FORMATION])
    response = ApiClient(aap_user(mine)).patch(f"/dossiers/{dossier.pk}", {"experience_mois": 40})
    assert response.status_code == 200
    dossier.refresh_from_db()
    assert dossier.organisme == of
    assert dossier in Dossier.objects.visible_to(of_user)


def test_a_dossier_moved_to_a_certifier_that_does_not_list_the_accompanist_leaves_it_behind():
    """The partner OF moves the draft to another certifier's certification (it is habilitated
    for both): the accompanist, whom that certifier does not list, leaves the dossier."""
    w, other = vae_world(), vae_world("CPNE du commerce")
    mine = relais(w)
    sophie = aap_user(mine)
    dossier, of = draft_with_of_and_accompanist(w, mine, habilitations=[other.certification])
    of_user = UserFactory(organisation=of, roles=[Role.ORGANISME_FORMATION])
    response = ApiClient(of_user).patch(f"/dossiers/{dossier.pk}", {"version": other.version.pk})
    assert response.status_code == 200
    dossier.refresh_from_db()
    assert dossier.certification == other.certification
    assert not Referencement.objects.filter(
        certificateur=other.branche, structure=mine.structure
    ).exists()
    assert dossier not in Dossier.objects.visible_to(sophie)


def test_a_dossier_moved_off_vae_keeps_no_accompanist_the_certifier_cannot_remove():
    """The OF moves the draft off VAE: the accompanist leaves the dossier with it."""
    w = vae_world()
    mine = relais(w)
    sophie = aap_user(mine)
    dossier, of = draft_with_of_and_accompanist(w, mine)
    of_user = UserFactory(organisation=of, roles=[Role.ORGANISME_FORMATION])
    voie = VoieAcces.FORMATION_CONTINUE_CONTRAT_DE_PROFESSIONNALISATION
    response = ApiClient(of_user).patch(f"/dossiers/{dossier.pk}", {"voie_acces": voie})
    assert response.status_code == 200
    dossier.refresh_from_db()
    assert dossier.voie_acces == voie
    assert dossier not in Dossier.objects.visible_to(sophie)


def test_an_accompanist_whose_qualiopi_lapsed_opens_no_dossier_on_its_own():
    """An accompanist no longer Qualiopi nor labelled opens no dossier itself, as the certifier
    can no longer name it (designer)."""
    w = vae_world()
    sophie = aap_user(relais(w))  # Qualiopi until 30/06/2028, no label
    with at(date(2028, 7, 1)):
        assert list(enrollable_versions(sophie)) == []


def test_another_certifier_listing_the_structure_does_not_freeze_its_qualiopi_for_good():
    """Certifier B created the record; A lists it by its (public) SIRET. B still renews the
    Qualiopi it checked: each certifier keeps its own (Referencement), the shared record stays."""
    a, b = vae_world(), vae_world("CPNE B")
    # A lists B's structure by its public SIRET: B still renews the Qualiopi it checked
    theirs = relais(b, siret="73282932000074", qualiopi_date_fin=date(2027, 1, 1))
    referencer(
        StructureSaisie(nom="x", siret="73282932000074", label_branche="L"), by=a.gestionnaire
    )
    renewed = StructureSaisie(
        nom=theirs.structure.nom,
        siret="73282932000074",
        qualiopi=True,
        qualiopi_date_fin=date(2030, 1, 1),
    )
    mettre_a_jour(theirs, renewed, by=b.gestionnaire)
    theirs.refresh_from_db()
    assert est_reconnu(theirs, date(2029, 1, 1))  # each certifier keeps what it checked


def test_an_accompanist_cannot_open_the_candidate_s_espace_to_an_address_of_its_own(
    client, django_capture_on_commit_callbacks
):
    """The accompanist may not open the candidate's espace (/espace/inviter/<candidat>/) to an
    address it types: that account would read the candidate's dossiers with every certifier, and
    stay its own once it no longer accompanies him."""
    w, other = vae_world(), vae_world("CPNE du commerce")
    mine = relais(w)
    sophie = aap_user(mine)
    candidat = CandidatFactory(nom_naissance="Lemoine", email="lemoine@exemple.fr")
    followed = w.dossier(candidat=candidat)
    designer(followed, mine, by=w.gestionnaire)
    elsewhere = DossierFactory(
        candidat=candidat,
        certification=other.certification,
        version=other.version,
        voie_acces=VoieAcces.VAE,
    )
    client.force_login(sophie)
    page = client.get(reverse("dossiers:candidat_detail", args=[candidat.pk])).text
    assert "Inviter le candidat dans son espace" not in page  # no button it cannot use
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("espace:inviter", args=[candidat.pk]), {"email": "sophie+espace@relais.fr"}
        )
    candidat.refresh_from_db()
    assert candidat.compte is None or candidat.compte.email != "sophie+espace@relais.fr"
    assert not [m for m in mail.outbox if "sophie+espace@relais.fr" in m.to]
    assert elsewhere.certification != followed.certification


def test_a_jury_member_working_for_the_accompanying_structure_is_its_accompanist():
    """D6412-6: the accompanist never sits. A jury member whose cqpilot account belongs to the
    dossier's accompanying structure is its accompanist, even when the demande's free-text
    « accompagnateur » is blank."""
    w = vae_world()
    mine = relais(w)
    sophie = aap_user(mine)
    dossier = w.dossier()
    designer(dossier, mine, by=w.gestionnaire)
    dossier.refresh_from_db()
    membre = IntervenantFactory(
        organisation=w.branche, nom=sophie.last_name, prenom=sophie.first_name, user=sophie
    )
    assert is_accompagnateur(membre, dossier, accompagnateur="")


def test_an_accompanist_cannot_move_an_of_s_dossier_where_the_of_is_not_habilitated():
    """Found in review: editing an OF's draft, the accompanist's form checked eligibility as if
    the dossier had no OF, so it could move it to a certification the OF is not habilitated for."""
    w = vae_world()
    _, bis_version = w.certification_bis("CQP Agent de propreté et d'hygiène")
    mine = relais(w)
    dossier, of = draft_with_of_and_accompanist(w, mine)
    response = ApiClient(aap_user(mine)).patch(
        f"/dossiers/{dossier.pk}", {"version": bis_version.pk}
    )
    assert response.status_code in (400, 422)
    dossier.refresh_from_db()
    assert (dossier.certification, dossier.organisme) == (w.certification, of)


def test_a_structure_s_accounts_have_its_roles_and_its_administrator_edits_no_dossier():
    """Found in review: the account form let no one give the accompanist's role in its structure
    (nor refused it in a certifier), and a structure's administrator got the dossier rights."""
    w = vae_world()
    mine = relais(w)
    admin = UserFactory(organisation=mine.structure, roles=[Role.ADMINISTRATEUR])
    role = RoleGrant.objects.get_or_create(code=Role.ACCOMPAGNATEUR_VAE)[0]
    data = {
        "username": "ines@relais.fr",
        "email": "ines@relais.fr",
        "first_name": "Inès",
        "last_name": "Roche",
        "roles": [role.pk],
        "is_active": "on",
        "password": "un-mot-de-passe-robuste-42",
    }
    form = UserForm(data, by=admin)
    assert form.is_valid(), form.errors
    certifier_admin = UserFactory(organisation=w.branche, roles=[Role.ADMINISTRATEUR])
    refused = UserForm({**data, "username": "x@cpne.fr", "email": "x@cpne.fr"}, by=certifier_admin)
    assert refused.errors["roles"] == [
        "Le rôle « Accompagnateur VAE » est réservé aux structures d'accompagnement."
    ]
    assert not EDIT_DOSSIERS(admin) and not IMPORT_CANDIDATS(admin)
