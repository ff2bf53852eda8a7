"""The espace candidat: invited by the certifier or the OF, a candidate sees only their own
dossiers, deposits the pièces asked of them, and reaches no staff page."""

from urllib.parse import urlsplit

import pytest
from auditlog.models import LogEntry
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cqpilot.core.invitations import InvitationRefusee
from cqpilot.core.models import Role, User
from cqpilot.core.permissions import CANDIDAT, EDIT_DOSSIERS
from cqpilot.core.tests.factories import OrganisationFactory, UserFactory, gestionnaire
from cqpilot.dossiers.documents import check_document
from cqpilot.dossiers.models import Candidat, Document, DocumentStatus, Dossier
from cqpilot.dossiers.tests.factories import (
    CandidatFactory,
    DossierFactory,
    HabilitationFactory,
    PieceExigeeFactory,
    habilitated_dossier,
)
from cqpilot.espace.services import invite_candidat

pytestmark = pytest.mark.django_db
BASE = "https://cqpilot.exemple.fr/"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def dossier():
    return habilitated_dossier(
        candidat=CandidatFactory(prenom1="Léa", nom_naissance="Durand", email="lea@exemple.fr"),
    )


@pytest.fixture
def of_user(dossier):
    return UserFactory(organisation=dossier.organisme, roles=[Role.ORGANISME_FORMATION])


@pytest.fixture
def certifier(dossier):
    return gestionnaire(organisation=dossier.certification.certificateurs.get())


@pytest.fixture
def compte(dossier, of_user) -> User:
    user = invite_candidat(dossier.candidat, email="lea@exemple.fr", by=of_user, base_url=BASE)
    user.set_password("motdepasse-solide-2026")
    user.save()
    return user


@pytest.fixture
def piece(dossier):
    return PieceExigeeFactory(
        certification=dossier.certification, libelle="Pièce d'identité", depot_candidat=True
    )


def pdf(name="identite.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4 piece", content_type="application/pdf")


def test_the_of_invites_the_candidate_who_sets_a_password_from_the_link(
    client, dossier, of_user, django_capture_on_commit_callbacks
):
    client.force_login(of_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("espace:inviter", args=[dossier.candidat.pk]), {"email": "Lea@Exemple.fr"}
        )
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == ["lea@exemple.fr"]
    link = next(line for line in message.body.splitlines() if line.startswith("http"))
    user = Candidat.objects.get(pk=dossier.candidat.pk).compte
    assert user.organisation is None and not user.roles.exists()
    assert not user.has_usable_password()
    assert CANDIDAT(user) and not EDIT_DOSSIERS(user)
    assert LogEntry.objects.get_for_object(user).exists()  # the creation is journaled

    client.logout()
    form = client.get(urlsplit(link).path, follow=True)
    response = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "motdepasse-solide-2026", "new_password2": "motdepasse-solide-2026"},
    )
    assert response.status_code == 302
    client.post(
        reverse("login"), {"username": "lea@exemple.fr", "password": "motdepasse-solide-2026"}
    )
    assert client.get(reverse("home")).url == reverse("espace:accueil")
    page = client.get(reverse("espace:accueil"))
    assert dossier.certification.intitule in page.text


def test_the_certifiers_manager_may_invite_an_evaluateur_may_not(dossier, certifier):
    invite_candidat(dossier.candidat, email="lea@exemple.fr", by=certifier, base_url=BASE)
    evaluateur = UserFactory(organisation=certifier.organisation, roles=[Role.EVALUATEUR])
    with pytest.raises(InvitationRefusee):
        invite_candidat(dossier.candidat, email="lea@exemple.fr", by=evaluateur, base_url=BASE)


def test_another_of_cannot_invite_the_candidate(dossier):
    other = UserFactory(
        organisation=HabilitationFactory(certification=dossier.certification).organisme,
        roles=[Role.ORGANISME_FORMATION],
    )
    with pytest.raises(InvitationRefusee):
        invite_candidat(dossier.candidat, email="lea@exemple.fr", by=other, base_url=BASE)


def test_an_activated_account_is_not_invited_again(dossier, of_user, compte):
    with pytest.raises(InvitationRefusee, match="déjà activé"):
        invite_candidat(dossier.candidat, email="lea@exemple.fr", by=of_user, base_url=BASE)


def test_an_address_of_another_account_is_refused(dossier, of_user):
    UserFactory(username="pris@exemple.fr")
    with pytest.raises(InvitationRefusee, match="autre compte"):
        invite_candidat(dossier.candidat, email="pris@exemple.fr", by=of_user, base_url=BASE)


def test_the_invite_button_shows_on_the_candidates_page(client, dossier, of_user):
    client.force_login(of_user)
    page = client.get(reverse("dossiers:candidat_detail", args=[dossier.candidat.pk]))
    assert reverse("espace:inviter", args=[dossier.candidat.pk]) in page.text


def test_a_candidate_sees_only_their_own_rows(dossier, compte):
    other = DossierFactory(certification=dossier.certification, organisme=dossier.organisme)
    assert list(Dossier.objects.visible_to(compte)) == [dossier]
    assert list(Candidat.objects.visible_to(compte)) == [dossier.candidat]
    assert other not in Dossier.objects.visible_to(compte)


@pytest.mark.parametrize(
    "name,args",
    [
        ("dossiers:dossier_list", []),
        ("dossiers:candidat_list", []),
        ("audit_log", []),
        ("api_ui:jetons", []),
        ("dossiers:dossier_detail", ["dossier"]),
        ("dossiers:candidat_detail", ["candidat"]),
    ],
)
def test_a_candidate_reaches_no_staff_page_even_about_their_own_dossier(
    client, dossier, compte, name, args
):
    client.force_login(compte)
    objects = {"dossier": dossier.pk, "candidat": dossier.candidat.pk}
    assert client.get(reverse(name, args=[objects[a] for a in args])).status_code == 403


def test_a_candidate_gets_the_sites_icon_like_anybody(client, compte):
    client.force_login(compte)
    assert client.get("/favicon.ico").status_code == 302


def test_the_space_shows_the_next_step_and_the_pieces_asked(client, dossier, compte, piece):
    PieceExigeeFactory(certification=dossier.certification, libelle="Contrat de l'OF")
    client.force_login(compte)
    page = client.get(reverse("espace:accueil")).text
    assert "Déposez les pièces demandées" in page
    assert "Pièce d&#x27;identité" in page
    assert "Contrat de l&#x27;OF" not in page  # the OF's pièce is not asked of the candidate


def test_the_candidate_uploads_sees_the_refusal_and_uploads_again(
    client, dossier, compte, piece, certifier
):
    client.force_login(compte)
    url = reverse("espace:piece_deposer", args=[dossier.pk, piece.pk])
    client.post(url, {"fichier": pdf()})
    document = Document.objects.get(dossier=dossier, piece=piece)
    assert document.uploaded_by == compte
    check_document(document, accept=False, by=certifier, motif="Illisible")
    page = client.get(reverse("espace:accueil")).text
    assert "Refusée : Illisible" in page and "Déposer à nouveau" in page
    client.post(url, {"fichier": pdf("nette.pdf")})
    assert Document.objects.filter(dossier=dossier, piece=piece).count() == 2
    assert "Déposée, à vérifier" in client.get(reverse("espace:accueil")).text


def test_a_wrong_format_is_refused_with_a_french_message(client, dossier, compte, piece):
    client.force_login(compte)
    response = client.post(
        reverse("espace:piece_deposer", args=[dossier.pk, piece.pk]),
        {"fichier": SimpleUploadedFile("photo.png", b"\x89PNG....")},
        follow=True,
    )
    assert "formats acceptés PDF" in response.text
    assert not Document.objects.exists()


def test_a_pieces_not_asked_of_the_candidate_cannot_be_deposited(client, dossier, compte):
    of_piece = PieceExigeeFactory(certification=dossier.certification, depot_candidat=False)
    client.force_login(compte)
    response = client.post(
        reverse("espace:piece_deposer", args=[dossier.pk, of_piece.pk]), {"fichier": pdf()}
    )
    assert response.status_code == 404


def test_a_candidate_cannot_deposit_in_another_candidates_dossier(client, dossier, compte, piece):
    other = DossierFactory(certification=dossier.certification, organisme=dossier.organisme)
    client.force_login(compte)
    response = client.post(
        reverse("espace:piece_deposer", args=[other.pk, piece.pk]), {"fichier": pdf()}
    )
    assert response.status_code == 404
    assert not Document.objects.exists()


def test_the_candidate_downloads_their_pièce_not_the_ofs(client, dossier, compte, piece, of_user):
    from cqpilot.dossiers.documents import add_document

    own = add_document(dossier, pdf(), by=compte, piece=piece)
    ofs = add_document(dossier, pdf("contrat.pdf"), by=of_user, type="contrat")
    client.force_login(compte)
    response = client.get(reverse("espace:document", args=[own.pk]))
    assert b"".join(response.streaming_content) == b"%PDF-1.4 piece"
    assert client.get(reverse("espace:document", args=[ofs.pk])).status_code == 404
    assert own.status == DocumentStatus.A_VERIFIER


def test_staff_of_another_organisation_cannot_open_the_invitation(client, dossier):
    client.force_login(gestionnaire(organisation=OrganisationFactory(nom="Autre branche")))
    assert client.get(reverse("espace:inviter", args=[dossier.candidat.pk])).status_code == 404
