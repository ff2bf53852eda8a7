"""VAE accompanists (AAP): the certifier lists them with their Qualiopi certification or the
branch's label, names one on a candidate's VAE dossier and invites its accounts; an accompanist's
account follows and fills the dossiers it accompanies — opens them, files the demande, its pièces,
the livret 2, its opinion — scoped like a partner OF: never another accompanist's candidates,
never the certifier's decisions."""

from datetime import date

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cqpilot.core.invitations import InvitationRefusee
from cqpilot.core.models import OrganisationKind, Role
from cqpilot.core.permissions import EDIT_DOSSIERS, PARTNER_OF
from cqpilot.dossiers.documents import add_document
from cqpilot.dossiers.forms import DossierForm
from cqpilot.dossiers.models import Candidat, Document, Dossier, DossierState, VoieAcces
from cqpilot.dossiers.tests.factories import PieceExigeeFactory
from cqpilot.dossiers.workflow import TransitionRefusee, available_transitions
from cqpilot.vae.accompagnement import (
    StructureSaisie,
    designer,
    donner_avis,
    est_reconnu,
    inviter,
    reconnaissance,
    referencer,
)
from cqpilot.vae.models import DemandeRecevabilite, NiveauEcart, Referencement
from cqpilot.vae.recevabilite import EcartSaisi, VaeRefus, decider, declarer_complete, deposer
from cqpilot.vae.validation import deposer_validation

from .factories import aap_user, at, candidate, relais, saisie, vae_world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def accompanied(w, referencement, **kwargs) -> Dossier:
    dossier = w.dossier(**kwargs)
    designer(dossier, referencement, by=w.gestionnaire)
    dossier.refresh_from_db()
    return dossier


def test_an_accompanist_is_qualiopi_certified_or_labelled_by_the_branch():
    w = vae_world()
    with pytest.raises(VaeRefus, match="certifié Qualiopi pour la VAE ou labellisé"):
        referencer(StructureSaisie(nom="Conseil sans titre"), by=w.gestionnaire)
    with pytest.raises(VaeRefus, match="fin de validité de la certification Qualiopi"):
        referencer(StructureSaisie(nom="Conseil", qualiopi=True), by=w.gestionnaire)
    certified = relais(w)
    labelled = referencer(
        StructureSaisie(nom="Atelier VAE", label_branche="AAP labellisé CPNE propreté 2026"),
        by=w.gestionnaire,
    )
    assert certified.structure.kind == OrganisationKind.ACCOMPAGNATEUR_VAE
    assert certified.certificateur == w.branche
    on = date(2026, 11, 30)
    assert reconnaissance(certified, on) == "Qualiopi jusqu'au 30/06/2028"
    assert reconnaissance(labelled, on) == "Label « AAP labellisé CPNE propreté 2026 »"
    assert est_reconnu(certified, on) and est_reconnu(labelled, on)
    assert not est_reconnu(certified, date(2028, 7, 1))
    assert reconnaissance(certified, date(2028, 7, 1)) == "Qualiopi échu le 30/06/2028"


def test_a_structure_known_by_its_siret_is_listed_as_it_is_never_rewritten():
    w, other = vae_world(), vae_world("CPNE voisine")
    first = relais(w, siret="73282932000074")
    second = referencer(
        StructureSaisie(nom="Nom inventé", siret="73282932000074", label_branche="Label voisin"),
        by=other.gestionnaire,
    )
    assert second.structure == first.structure
    second.structure.refresh_from_db()
    assert second.structure.nom == "Point Relais Conseil VAE"
    with pytest.raises(VaeRefus, match="déjà dans votre liste"):
        relais(w, siret="73282932000074")


def test_the_certifier_names_an_accompanist_it_lists_on_a_vae_dossier_only():
    w, other = vae_world(), vae_world("CPNE voisine")
    mine, theirs = relais(w), relais(other, nom="Autre relais")
    dossier = w.dossier()
    with pytest.raises(VaeRefus, match="pas dans votre liste"):
        designer(dossier, theirs, by=w.gestionnaire)
    with pytest.raises(VaeRefus, match="pas d'une de vos certifications"):
        designer(dossier, theirs, by=other.gestionnaire)
    not_vae = w.dossier()
    Dossier.objects.filter(pk=not_vae.pk).update(
        voie_acces=VoieAcces.FORMATION_INITIALE_APPRENTISSAGE
    )
    with pytest.raises(VaeRefus, match="Seul un dossier de VAE"):
        designer(not_vae, mine, by=w.gestionnaire)
    with at(date(2028, 7, 1)), pytest.raises(VaeRefus, match="n'est plus certifié Qualiopi"):
        designer(dossier, mine, by=w.gestionnaire)
    designer(dossier, mine, by=w.gestionnaire)
    dossier.refresh_from_db()
    assert dossier.accompagnateur == mine.structure


def test_an_accompanist_sees_the_dossiers_it_accompanies_and_nothing_else():
    w = vae_world()
    mine, theirs = relais(w), relais(w, nom="Autre relais")
    sophie, paul = aap_user(mine), aap_user(theirs, "paul@autre.fr")
    followed = accompanied(w, mine)
    elsewhere = accompanied(w, theirs)
    alone = w.dossier()
    assert list(Dossier.objects.visible_to(sophie)) == [followed]
    assert list(Candidat.objects.visible_to(sophie)) == [followed.candidat]
    assert list(Dossier.objects.visible_to(paul)) == [elsewhere]
    assert alone not in Dossier.objects.visible_to(paul)
    # the certifier takes the accompanist off the dossier: the candidate goes with it
    designer(followed, None, by=w.gestionnaire)
    assert not Dossier.objects.visible_to(sophie).exists()
    assert not Candidat.objects.visible_to(sophie).exists()


def test_an_accompanist_is_neither_an_of_nor_a_certifier_and_moves_nothing_but_inscription():
    w = vae_world()
    mine = relais(w)
    sophie = aap_user(mine)
    assert EDIT_DOSSIERS(sophie)
    assert not PARTNER_OF(sophie)
    assert not sophie.is_certificateur_manager
    brouillon = accompanied(w, mine, state=DossierState.BROUILLON)
    assert [t.label for t in available_transitions(brouillon, sophie)] == ["Inscrire"]
    inscrit = accompanied(w, mine)
    assert available_transitions(inscrit, sophie) == []


def test_an_accompanist_opens_a_vae_dossier_for_its_candidate_on_its_certifiers_certifications():
    w, other = vae_world(), vae_world("CPNE voisine")
    sophie = aap_user(relais(w))
    candidat = candidate()
    candidat.created_by_organisation = sophie.organisation
    candidat.save(update_fields=["created_by_organisation"])
    form = DossierForm(by=sophie, instance=Dossier(candidat=candidat))
    assert list(form.fields["version"].queryset) == [w.version]
    assert "organisme" not in form.fields
    assert [value for value, _ in form.fields["voie_acces"].choices] == [VoieAcces.VAE]
    form = DossierForm(
        {
            "version": other.version.pk,
            "voie_acces": VoieAcces.VAE,
            "initiative": "CERTIFIE",
            "date_inscription": "2026-11-30",
        },
        by=sophie,
        instance=Dossier(candidat=candidat),
    )
    assert "version" in form.errors  # another certifier's, which does not list her
    data = {
        "version": w.version.pk,
        "voie_acces": VoieAcces.VAE,
        "initiative": "CERTIFIE",
        "date_inscription": "2026-11-30",
        "experience_mois": 36,
    }
    form = DossierForm(data, by=sophie, instance=Dossier(candidat=candidat))
    assert form.is_valid(), form.errors
    dossier = form.save()
    assert (dossier.accompagnateur, dossier.organisme) == (sophie.organisation, None)
    assert dossier in Dossier.objects.visible_to(sophie)
    assert dossier in Dossier.objects.visible_to(w.gestionnaire)


def test_the_accompanist_files_the_demande_and_gives_its_opinion_until_the_decision(
    django_capture_on_commit_callbacks,
):
    w = vae_world()
    mine = relais(w)
    sophie = aap_user(mine)
    dossier = accompanied(w, mine)
    with at(date(2026, 12, 1)), django_capture_on_commit_callbacks(execute=True):
        demande = deposer(dossier, saisie(accompagnateur="Sophie Marchal"), by=sophie)
    assert demande.organisation == w.branche
    assert demande.deposee_par == sophie
    assert list(DemandeRecevabilite.objects.visible_to(sophie)) == [demande]
    assert "Point Relais Conseil VAE, accompagnateur VAE de" in mail.outbox[-1].body
    assert mail.outbox[-1].to == ["gestion@exemple.fr"]
    donner_avis(demande, "Parcours solide, expérience de 30 mois en rapport.", by=sophie)
    demande.refresh_from_db()
    assert demande.avis_accompagnateur.startswith("Parcours solide")
    with pytest.raises(VaeRefus, match="Seul l'accompagnateur du candidat"):
        donner_avis(demande, "Autre avis", by=w.gestionnaire)
    stranger = aap_user(relais(w, nom="Autre relais"), "paul@autre.fr")
    with pytest.raises(VaeRefus, match="Seul l'accompagnateur du candidat"):
        donner_avis(demande, "Autre avis", by=stranger)
    assert not DemandeRecevabilite.objects.visible_to(stranger).exists()
    with at(date(2026, 12, 2)):
        declarer_complete(demande, by=w.gestionnaire)
        decider(
            demande,
            recevable=False,
            motivation="Expérience trop courte",
            ecarts=[EcartSaisi(bloc, NiveauEcart.A_DEVELOPPER) for bloc in w.blocs],
            by=w.gestionnaire,
        )
    with pytest.raises(VaeRefus, match="La demande est décidée"):
        donner_avis(demande, "Trop tard", by=sophie)


def test_the_accompanist_files_the_pieces_it_may_and_the_livret_2():
    w = vae_world()
    mine = relais(w)
    sophie = aap_user(mine)
    dossier = accompanied(w, mine, state=DossierState.RECEVABLE)
    attestation = PieceExigeeFactory(
        certification=w.certification, libelle="Attestation d'employeur", depot_candidat=True
    )
    secret = PieceExigeeFactory(
        certification=w.certification,
        libelle="Note du jury",
        depot_certificateur=True,
        depot_of=False,
        depot_candidat=False,
        visible_of=False,
    )
    upload = SimpleUploadedFile("attestation.pdf", b"%PDF-1.4 a", content_type="application/pdf")
    document = add_document(dossier, upload, by=sophie, piece=attestation)
    assert document in Document.objects.visible_to(sophie)
    with pytest.raises(TransitionRefusee, match="Vous ne pouvez pas déposer « Note du jury »"):
        add_document(
            dossier,
            SimpleUploadedFile("note.pdf", b"%PDF-1.4 n", content_type="application/pdf"),
            by=sophie,
            piece=secret,
        )
    livret = SimpleUploadedFile("livret2.pdf", b"%PDF-1.4 l", content_type="application/pdf")
    with at(date(2026, 12, 4)):
        validation = deposer_validation(dossier, livret, by=sophie, le=date(2026, 12, 4))
    assert validation.deposee_par == sophie


def test_an_invited_accompanist_sees_only_the_inviting_certifiers_dossiers(
    django_capture_on_commit_callbacks,
):
    w, other = vae_world(), vae_world("CPNE voisine")
    mine = relais(w, siret="73282932000074")
    theirs = referencer(
        StructureSaisie(nom="x", siret="73282932000074", label_branche="Label"),
        by=other.gestionnaire,
    )
    here, there = accompanied(w, mine), accompanied(other, theirs)
    with django_capture_on_commit_callbacks(execute=True):
        invited = inviter(
            mine,
            first_name="Sophie",
            last_name="Marchal",
            email="sophie@relais.fr",
            by=w.gestionnaire,
            base_url="https://cqpilot.exemple.fr",
        )
    assert invited.has_role(Role.ACCOMPAGNATEUR_VAE)
    assert invited.organisation == mine.structure
    assert "accompagnateur VAE" in mail.outbox[-1].body
    assert list(Dossier.objects.visible_to(invited)) == [here]
    assert there in Dossier.objects.visible_to(aap_user(theirs, "admin@relais.fr"))
    with pytest.raises(InvitationRefusee, match="pas dans votre liste"):
        inviter(
            theirs,
            first_name="Paul",
            last_name="Martin",
            email="paul@relais.fr",
            by=w.gestionnaire,
            base_url="https://cqpilot.exemple.fr",
        )
    with pytest.raises(InvitationRefusee, match="Un compte existe déjà"):
        inviter(
            mine,
            first_name="Sophie",
            last_name="Marchal",
            email="SOPHIE@relais.fr",
            by=w.gestionnaire,
            base_url="https://cqpilot.exemple.fr",
        )


def test_the_gestionnaire_lists_names_and_invites_from_the_pages(
    client, django_capture_on_commit_callbacks
):
    w = vae_world()
    dossier = w.dossier()
    client.force_login(w.gestionnaire)
    page = client.post(
        reverse("vae:accompagnateur_list"),
        {"nom": "Atelier VAE", "label_branche": "Label CPNE 2026"},
        follow=True,
    )
    referencement = Referencement.objects.get()
    assert "Atelier VAE ajouté à vos accompagnateurs" in page.text
    assert "Label « Label CPNE 2026 »" in client.get(reverse("vae:accompagnateur_list")).text
    refused = client.post(reverse("vae:accompagnateur_list"), {"nom": "Sans rien"})
    assert "certifié Qualiopi pour la VAE ou labellisé" in refused.text
    client.post(
        reverse("vae:dossier_accompagnateur", args=[dossier.pk]),
        {"referencement": referencement.pk},
    )
    dossier.refresh_from_db()
    assert dossier.accompagnateur == referencement.structure
    assert (
        "Changer d'accompagnateur"
        in client.get(reverse("dossiers:dossier_detail", args=[dossier.pk])).text
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("vae:accompagnateur_inviter", args=[referencement.pk]),
            {"first_name": "Inès", "last_name": "Roche", "email": "ines@atelier.fr"},
        )
    assert mail.outbox[-1].to == ["ines@atelier.fr"]
    detail = client.get(reverse("vae:accompagnateur_detail", args=[referencement.pk])).text
    assert "ines@atelier.fr" in detail and dossier.candidat.nom_naissance.upper() in detail


def test_the_accompanist_reads_the_demande_gives_its_opinion_and_has_no_decision_button(client):
    w = vae_world()
    mine = relais(w)
    sophie = aap_user(mine)
    dossier = accompanied(w, mine)
    with at(date(2026, 12, 1)):
        demande = deposer(dossier, saisie(), by=w.gestionnaire)
    client.force_login(sophie)
    home = client.get(reverse("home")).text
    assert "Vos candidats en VAE" in home
    page = client.get(reverse("vae:demande_detail", args=[demande.pk])).text
    assert "Votre avis d'accompagnateur" in page
    assert reverse("vae:demande_pieces", args=[demande.pk]) not in page
    assert reverse("vae:demande_complete", args=[demande.pk]) not in page
    assert reverse("vae:demande_decider", args=[demande.pk]) not in page
    client.post(reverse("vae:demande_avis", args=[demande.pk]), {"avis": "Avis favorable."})
    demande.refresh_from_db()
    assert demande.avis_accompagnateur == "Avis favorable."
    assert client.post(reverse("vae:demande_decider", args=[demande.pk])).status_code == 403
    assert client.get(reverse("vae:accompagnateur_list")).status_code == 403


def test_an_accompanist_neither_imports_candidates_nor_sees_the_import_button(client):
    w = vae_world()
    sophie = aap_user(relais(w))
    client.force_login(sophie)
    assert "Importer un fichier" not in client.get(reverse("dossiers:candidat_list")).text
    assert client.get(reverse("dossiers:candidat_import")).status_code == 403
    assert client.get(reverse("dossiers:candidat_import_template")).status_code == 403
    assert "Nouveau candidat" in client.get(reverse("dossiers:candidat_list")).text
