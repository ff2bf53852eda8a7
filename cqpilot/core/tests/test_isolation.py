"""Attacks across organisations that must fail, and least privilege inside one.

Each test is an attack that succeeded once (issue « Cloisonnement entre organisations »): a user
of a second certifier, or of a second OF, against the first certifier's data.
"""

import re
from datetime import date

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cqpilot.core.models import Organisation, Role, User
from cqpilot.core.tests.factories import OrganisationFactory, UserFactory
from cqpilot.dossiers.documents import add_document
from cqpilot.dossiers.models import JURY_IN_PROGRESS
from cqpilot.dossiers.tests.factories import (
    CandidatFactory,
    DossierFactory,
    HabilitationFactory,
    OrganismeFactory,
)
from cqpilot.evaluations.models import Epreuve
from cqpilot.evaluations.services import assign, enrol
from cqpilot.evaluations.tests.factories import evaluation
from cqpilot.jurys.models import JuryStatus
from cqpilot.jurys.tests.factories import JuryFactory, published_version, scenario
from cqpilot.referentiels.tests.factories import BlocFactory, CertificationFactory, VersionFactory

pytestmark = pytest.mark.django_db

PASSWORD = "un-mot-de-passe-robuste-42"


@pytest.fixture
def metallurgie():
    """The first certifier, its partner OF (with an account) and a dossier holding a pièce."""
    branche = OrganisationFactory(nom="CPNE de la Métallurgie")
    certification = CertificationFactory(certificateurs=[branche])
    version, _blocs = published_version(certification, ["BC01"])
    of = OrganismeFactory(nom="Formatech Industrie")
    HabilitationFactory(organisme=of, certification=certification, date_debut=date(2020, 1, 1))
    dossier = DossierFactory(
        candidat=CandidatFactory(nom_naissance="Vasseur", created_by_organisation=of),
        certification=certification,
        version=version,
        organisme=of,
    )
    document = add_document(
        dossier,
        SimpleUploadedFile("carte-identite.pdf", b"%PDF-1.4 identite", "application/pdf"),
        type="piece_identite",
        by=UserFactory(organisation=branche, roles=[Role.GESTIONNAIRE]),
    )
    of_user = UserFactory(
        username="of.formatech", organisation=of, roles=[Role.ORGANISME_FORMATION]
    )
    return {
        "branche": branche,
        "certification": certification,
        "version": version,
        "of": of,
        "of_user": of_user,
        "dossier": dossier,
        "document": document,
    }


@pytest.fixture
def commerce():
    """The second certifier: its administrator, who also manages its certifications."""
    branche = OrganisationFactory(nom="CPNEFP du Commerce de gros")
    return UserFactory(organisation=branche, roles=[Role.ADMINISTRATEUR, Role.GESTIONNAIRE])


# --- 2. Accounts inside another organisation ----------------------------------------------------


def test_a_certifier_cannot_create_an_account_in_an_of_it_just_habilitated(
    client, metallurgie, commerce
):
    of = metallurgie["of"]
    HabilitationFactory(organisme=of, certification__certificateurs=[commerce.organisation])
    client.force_login(commerce)
    client.post(
        reverse("user_create"),
        {
            "username": "espion",
            "email": "espion@commerce.fr",
            "is_active": "on",
            "organisation": of.pk,
            "roles": [Role.ORGANISME_FORMATION],
            "password": PASSWORD,
        },
    )
    created = User.objects.filter(username="espion").first()
    assert created is None or created.organisation == commerce.organisation
    assert not User.objects.filter(organisation=of).exclude(username="of.formatech").exists()


def test_a_certifier_cannot_see_nor_edit_a_partner_of_account(client, metallurgie, commerce):
    of_user = metallurgie["of_user"]
    HabilitationFactory(
        organisme=metallurgie["of"], certification__certificateurs=[commerce.organisation]
    )
    client.force_login(commerce)
    assert client.get(reverse("user_edit", args=[of_user.pk])).status_code == 404
    client.post(
        reverse("user_edit", args=[of_user.pk]),
        {
            "username": "of.formatech",
            "email": "pirate@commerce.fr",
            "roles": [Role.ORGANISME_FORMATION],
            "password": PASSWORD,
            "is_active": "on",
        },
    )
    of_user.refresh_from_db()
    assert of_user.email != "pirate@commerce.fr"
    assert not of_user.check_password(PASSWORD)
    assert "of.formatech" not in client.get(reverse("user_list")).text


def test_an_account_invited_by_a_certifier_sees_only_its_dossiers_until_the_of_confirms_it(
    client, metallurgie, commerce, django_capture_on_commit_callbacks
):
    of = metallurgie["of"]
    # Commerce habilitates the same OF and has its own dossier with it.
    commerce_certification = CertificationFactory(certificateurs=[commerce.organisation])
    commerce_version, _ = published_version(commerce_certification, ["BC01"])
    HabilitationFactory(organisme=of, certification=commerce_certification)
    own = DossierFactory(
        candidat=CandidatFactory(nom_naissance="Lemaire"),
        certification=commerce_certification,
        version=commerce_version,
        organisme=of,
    )
    client.force_login(commerce)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("user_invite", args=[of.pk]),
            {"first_name": "Paul", "last_name": "Espion", "email": "paul@formatech.fr"},
        )
    invited = User.objects.get(email="paul@formatech.fr")
    assert invited.organisation == of and invited.awaits_confirmation
    assert not invited.has_usable_password()

    # The invited person sets a password from the e-mailed link.
    link = re.search(r"https?://\S+", mail.outbox[-1].body).group(0)
    client.logout()
    form_page = client.get(link, follow=True)
    client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else link,
        {"new_password1": PASSWORD, "new_password2": PASSWORD},
    )
    invited.refresh_from_db()
    assert invited.check_password(PASSWORD)

    client.force_login(invited)
    assert client.get(reverse("dossiers:dossier_detail", args=[own.pk])).status_code == 200
    metallurgie_dossier = metallurgie["dossier"]
    assert (
        client.get(reverse("dossiers:dossier_detail", args=[metallurgie_dossier.pk])).status_code
        == 404
    )
    assert (
        client.get(
            reverse("dossiers:document_download", args=[metallurgie["document"].pk])
        ).status_code
        == 404
    )
    assert "Vasseur" not in client.get(reverse("dossiers:candidat_list")).text

    # The OF's administrator confirms the account: it then works as any account of the OF.
    of_admin = UserFactory(organisation=of, roles=[Role.ORGANISME_FORMATION, Role.ADMINISTRATEUR])
    client.force_login(of_admin)
    listing = client.get(reverse("user_list")).text
    assert "paul@formatech.fr" in listing and "À confirmer" in listing
    client.post(reverse("user_confirm", args=[invited.pk]))
    invited.refresh_from_db()
    assert not invited.awaits_confirmation
    client.force_login(invited)
    assert (
        client.get(reverse("dossiers:dossier_detail", args=[metallurgie_dossier.pk])).status_code
        == 200
    )


def test_a_certifier_invites_only_into_its_own_partners(client, metallurgie, commerce):
    client.force_login(commerce)
    url = reverse("user_invite", args=[metallurgie["of"].pk])
    assert client.get(url).status_code == 404
    client.post(url, {"first_name": "A", "last_name": "B", "email": "a@b.fr"})
    assert not User.objects.filter(email="a@b.fr").exists()


def test_an_invited_account_cannot_confirm_itself_nor_manage_accounts(client, metallurgie):
    of_admin_invited = UserFactory(
        organisation=metallurgie["of"],
        roles=[Role.ORGANISME_FORMATION, Role.ADMINISTRATEUR],
        limited_to_certifier=OrganisationFactory(),
    )
    client.force_login(of_admin_invited)
    assert client.get(reverse("user_list")).status_code == 403
    client.post(reverse("user_confirm", args=[of_admin_invited.pk]))
    of_admin_invited.refresh_from_db()
    assert of_admin_invited.awaits_confirmation


def test_an_of_administrator_manages_only_its_own_accounts(client, metallurgie):
    of_admin = UserFactory(
        organisation=metallurgie["of"], roles=[Role.ORGANISME_FORMATION, Role.ADMINISTRATEUR]
    )
    other_of_user = UserFactory(organisation=OrganismeFactory(), roles=[Role.ORGANISME_FORMATION])
    client.force_login(of_admin)
    assert client.get(reverse("user_edit", args=[other_of_user.pk])).status_code == 404
    client.post(
        reverse("user_create"),
        {
            "username": "formateur2",
            "email": "formateur2@formatech.fr",
            "is_active": "on",
            "roles": [Role.ORGANISME_FORMATION],
            "password": PASSWORD,
        },
    )
    assert User.objects.get(username="formateur2").organisation == metallurgie["of"]


# --- 3. Another branch's partner ----------------------------------------------------------------


def test_a_certifier_cannot_edit_another_branchs_partner_of(client, metallurgie, commerce):
    of = metallurgie["of"]
    client.force_login(commerce)
    url = reverse("dossiers:organisme_edit", args=[of.pk])
    assert client.get(url).status_code == 404
    client.post(url, {"nom": "Repris", "contact_email": "pirate@commerce.fr"})
    of.refresh_from_db()
    assert of.nom == "Formatech Industrie"
    # Not even once it habilitates the OF too: it edits its habilitations, not the OF's record.
    HabilitationFactory(organisme=of, certification__certificateurs=[commerce.organisation])
    assert client.get(url).status_code == 404


def test_the_of_administrator_keeps_its_record_and_its_creator_corrects_it_meanwhile(
    client, commerce
):
    client.force_login(commerce)
    client.post(reverse("dossiers:organisme_create"), {"nom": "Formation Pluss"})
    created = Organisation.objects.get(nom="Formation Pluss")
    url = reverse("dossiers:organisme_edit", args=[created.pk])
    client.post(url, {"nom": "Formation Plus"})  # a typo at creation is corrected
    created.refresh_from_db()
    assert created.nom == "Formation Plus"
    of_admin = UserFactory(
        organisation=created, roles=[Role.ORGANISME_FORMATION, Role.ADMINISTRATEUR]
    )
    assert client.get(url).status_code == 404  # the OF keeps its record from now on
    client.force_login(of_admin)
    client.post(url, {"nom": "Formation Plus SAS", "contact_email": "contact@fplus.fr"})
    created.refresh_from_db()
    assert created.contact_email == "contact@fplus.fr"


# --- 4. Result grids of unassigned épreuves ----------------------------------------------------


@pytest.mark.parametrize("who", ["other_certifier", "of", "colleague_without_intervenant"])
def test_nobody_but_its_evaluateur_opens_an_epreuve_grid(client, who):
    e = evaluation(1)
    unassigned = Epreuve.objects.filter(session=e.session, affectations__isnull=True).first()
    assert unassigned is not None
    user = {
        "other_certifier": lambda: UserFactory(roles=[Role.GESTIONNAIRE]),
        "of": lambda: UserFactory(organisation=e.of, roles=[Role.ORGANISME_FORMATION]),
        "colleague_without_intervenant": lambda: UserFactory(
            organisation=e.branche, roles=[Role.EVALUATEUR]
        ),
    }[who]()
    client.force_login(user)
    response = client.get(reverse("evaluations:saisie", args=[unassigned.pk]))
    assert response.status_code == 404
    assert "Benali" not in response.text


# --- 5. Another certifier's draft blocs ---------------------------------------------------------


def test_the_dossier_form_never_lists_the_blocs_of_another_certifiers_draft(
    client, metallurgie, commerce
):
    draft = VersionFactory(certification=metallurgie["certification"])
    BlocFactory(version=draft, code="BC09", intitule="Bloc secret en projet")
    candidat = CandidatFactory(created_by_organisation=commerce.organisation)
    client.force_login(commerce)
    response = client.get(
        reverse("dossiers:dossier_blocs", args=[candidat.pk]), {"version": draft.pk}
    )
    assert "Bloc secret en projet" not in response.text


def test_an_of_lists_only_the_blocs_of_published_versions_it_is_habilitated_for(
    client, metallurgie
):
    draft = VersionFactory(certification=metallurgie["certification"])
    BlocFactory(version=draft, code="BC09", intitule="Bloc secret en projet")
    client.force_login(metallurgie["of_user"])
    candidat = metallurgie["dossier"].candidat
    url = reverse("dossiers:dossier_blocs", args=[candidat.pk])
    assert "Bloc secret en projet" not in client.get(url, {"version": draft.pk}).text
    assert "Bloc BC01" in client.get(url, {"version": metallurgie["version"].pk}).text


# --- 6. Least privilege inside an organisation --------------------------------------------------


def test_an_evaluateur_sees_only_the_candidates_of_their_epreuves_without_birth_data(client):
    e = evaluation(2)
    stranger = DossierFactory(
        candidat=CandidatFactory(nom_naissance="Inconnu"),
        certification=e.certification,
        version=e.version,
    )
    enrol(e.session, e.dossiers, by=e.gestionnaire)
    assign(e.session.epreuves.first(), e.evaluateur)
    benali = e.dossiers[0]
    client.force_login(e.evaluateur.user)
    listing = client.get(reverse("dossiers:candidat_list")).text
    assert "BENALI" in listing and "INCONNU" not in listing
    assert "Naissance" not in listing
    detail = client.get(reverse("dossiers:candidat_detail", args=[benali.candidat.pk])).text
    assert "Naissance" not in detail and "Modifier" not in detail
    assert "Nouveau dossier" not in detail
    assert client.get(reverse("dossiers:dossier_detail", args=[stranger.pk])).status_code == 404
    dossier_page = client.get(reverse("dossiers:dossier_detail", args=[benali.pk])).text
    assert "Ajouter un financement" not in dossier_page
    assert "Déposer un document" not in dossier_page


def test_an_evaluateur_never_downloads_a_piece(client):
    e = evaluation(1)
    enrol(e.session, e.dossiers, by=e.gestionnaire)
    assign(e.session.epreuves.first(), e.evaluateur)
    document = add_document(
        e.dossiers[0],
        SimpleUploadedFile("cni.pdf", b"%PDF-1.4", "application/pdf"),
        type="piece_identite",
        by=e.gestionnaire,
    )
    client.force_login(e.evaluateur.user)
    assert client.get(reverse("dossiers:document_download", args=[document.pk])).status_code == 404


def test_a_jury_member_sees_the_candidates_of_their_jury_while_it_deliberates(client):
    s = scenario(2)
    elsewhere = DossierFactory(
        candidat=CandidatFactory(nom_naissance="Ailleurs"),
        certification=s.certification,
        version=s.version,
    )
    client.force_login(s.president)
    listing = client.get(reverse("dossiers:candidat_list")).text
    assert "BENALI" in listing and "AILLEURS" not in listing
    assert client.get(reverse("dossiers:dossier_detail", args=[elsewhere.pk])).status_code == 404
    s.jury.status = "signe"
    s.jury.save(update_fields=["status"])
    assert "BENALI" not in client.get(reverse("dossiers:candidat_list")).text


def test_the_api_gives_an_of_token_no_nir(client, metallurgie):
    from cqpilot.api.tests.factories import ApiClient

    candidat = metallurgie["dossier"].candidat
    candidat.nir = "185057800608491"
    candidat.save()
    body = ApiClient(metallurgie["of_user"]).get(f"/candidats/{candidat.pk}").json()
    assert "nir_masque" not in body and "nir" not in body


# --- 7. The dossier form offers the certifier's partners only -----------------------------------


def test_the_dossier_form_offers_a_certifier_only_the_ofs_it_habilitates(
    client, metallurgie, commerce
):
    commerce_certification = CertificationFactory(certificateurs=[commerce.organisation])
    published_version(commerce_certification, ["BC01"])
    partner = OrganismeFactory(nom="Partenaire du Commerce")
    HabilitationFactory(organisme=partner, certification=commerce_certification)
    candidat = CandidatFactory(created_by_organisation=commerce.organisation)
    client.force_login(commerce)
    page = client.get(reverse("dossiers:dossier_create", args=[candidat.pk])).text
    assert "Partenaire du Commerce" in page
    assert "Formatech Industrie" not in page


def test_a_jury_member_opens_only_their_juries_until_the_pv_is_signed(client):
    s = scenario(1)
    other_jury = JuryFactory(organisation=s.branche, certification=s.certification)
    client.force_login(s.president)
    assert client.get(reverse("jurys:jury_detail", args=[s.jury.pk])).status_code == 200
    assert client.get(reverse("jurys:jury_detail", args=[other_jury.pk])).status_code == 404
    s.jury.status = JuryStatus.SIGNE
    s.jury.save(update_fields=["status"])
    assert client.get(reverse("jurys:jury_detail", args=[s.jury.pk])).status_code == 404


def test_an_evaluateur_reads_no_jury_and_no_issued_document(client):
    from cqpilot.api.tests.factories import ApiClient, world

    w = world()
    evaluateur = ApiClient(w.users["evaluateur"])
    assert evaluateur.get("/jurys").json()["items"] == []
    assert evaluateur.get("/documents-delivres").json()["items"] == []
    client.force_login(w.users["evaluateur"])
    assert "Jurys" not in client.get(reverse("home")).text


def test_the_jury_states_a_member_sees_are_those_before_signature():
    assert set(JURY_IN_PROGRESS) == set(JuryStatus.values) - {JuryStatus.SIGNE}


def test_an_account_awaiting_confirmation_cannot_set_the_ofs_webhook(client, metallurgie):
    invited = UserFactory(
        organisation=metallurgie["of"],
        roles=[Role.ORGANISME_FORMATION],
        limited_to_certifier=OrganisationFactory(),
    )
    client.force_login(invited)
    assert client.get(reverse("api_ui:webhook")).status_code == 403
    assert "Webhook" not in client.get(reverse("api_ui:jetons")).text


# --- Co-certified CQPI: a partner never takes it -----------------------------------------------


def test_a_co_certifier_cannot_remove_its_partner_from_a_cqpi(client, metallurgie, commerce):
    cqpi = CertificationFactory(
        type="CQPI",
        code_rncp_rs="",
        certificateurs=[metallurgie["branche"], commerce.organisation],
    )
    client.force_login(commerce)
    client.post(
        reverse("referentiels:certification_edit", args=[cqpi.pk]),
        {
            "intitule": "CQPI repris",
            "type": "CQP",
            "status": "en_projet",
            "certificateurs": [commerce.organisation.pk],
            "blocs_optionnels_requis": "0",
            "codes_nsf": "",
            "codes_rome": "",
            "formacodes": "",
        },
    )
    cqpi.refresh_from_db()
    assert metallurgie["branche"] in cqpi.certificateurs.all()
    assert cqpi.intitule != "CQPI repris"
