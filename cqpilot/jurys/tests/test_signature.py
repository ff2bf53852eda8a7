"""The PV is signed in cqpilot by the signers the certification's rules require, each with his
own account, after a confirmation page and his password again; it is locked and hashed when the
last one signs."""

import hashlib

import pytest
from django.urls import reverse

from cqpilot.core.models import Role
from cqpilot.core.tests.accounts import confirm_identity
from cqpilot.core.tests.factories import UserFactory
from cqpilot.intervenants.models import Civilite
from cqpilot.jurys.deliberation import BlocSaisie, save_decision
from cqpilot.jurys.models import JuryStatus, ReglesJury, SignaturesPV
from cqpilot.jurys.pv import close, reopen, sign
from cqpilot.jurys.services import JuryRefus, open_deliberation, set_secretaire

from .factories import pdf_text, scenario

pytestmark = pytest.mark.django_db


def membre(s, nom):
    return s.jury.membres.select_related("intervenant").get(intervenant__nom=nom)


def with_account(s, nom, civilite=Civilite.MONSIEUR):
    """The member's own cqpilot account, as each signer needs."""
    person = membre(s, nom).intervenant
    person.user = UserFactory(organisation=s.branche, roles=[Role.MEMBRE_JURY])
    person.civilite = civilite
    person.save()
    return person.user


def decided(signatures=SignaturesPV.PRESIDENT, secretaire="Salah"):
    s = scenario(1)
    ReglesJury.objects.create(certification=s.certification, signatures_pv=signatures)
    president = membre(s, "Prési").intervenant
    president.civilite = Civilite.MADAME
    president.save()
    if secretaire:
        with_account(s, secretaire)
        set_secretaire(membre(s, secretaire))
    open_deliberation(s.jury, by=s.gestionnaire)
    save_decision(
        s.jury.deliberations.get(),
        revision=0,
        decision="totale",
        blocs={b.pk: BlocSaisie("valide") for b in s.blocs},
        unanimite=True,
        by=s.gestionnaire,
    )
    return s


def test_president_and_secretary_each_sign_and_the_last_signature_locks_the_pv():
    s = decided(SignaturesPV.PRESIDENT_SECRETAIRE)
    secretary = membre(s, "Salah").intervenant.user
    close(s.jury, by=s.gestionnaire)

    first = sign(s.jury, by=s.president)
    s.jury.refresh_from_db()
    assert s.jury.status == JuryStatus.CLOS and first.signed_at is None
    assert [sig.qualite for sig in first.signatures.all()] == ["présidente du jury"]

    pv = sign(s.jury, by=secretary)

    s.jury.refresh_from_db()
    assert s.jury.status == JuryStatus.SIGNE
    with pv.fichier.open("rb") as file:
        assert hashlib.sha256(file.read()).hexdigest() == pv.sha256
    text = pdf_text(pv)
    assert "Signé électroniquement dans cqpilot par Anne Prési, présidente du jury, le" in text
    assert "par Dominique Salah, secrétaire de séance, le" in text
    assert "PROJET" not in text


def test_every_member_present_with_a_vote_signs_when_the_rules_say_so():
    s = decided(SignaturesPV.MEMBRES_PRESENTS, secretaire="")
    others = [with_account(s, nom) for nom in ("Salah", "Garnier", "Texier")]
    close(s.jury, by=s.gestionnaire)

    for user in [s.president, *others[:2]]:
        sign(s.jury, by=user)
        s.jury.refresh_from_db()
        assert s.jury.status == JuryStatus.CLOS
    sign(s.jury, by=others[2])

    s.jury.refresh_from_db()
    assert s.jury.status == JuryStatus.SIGNE
    assert s.jury.pvs.get().signatures.count() == 4


def test_only_the_required_signers_sign_and_each_once():
    s = decided(SignaturesPV.PRESIDENT_SECRETAIRE)
    texier = with_account(s, "Texier")
    close(s.jury, by=s.gestionnaire)

    with pytest.raises(JuryRefus, match="Votre signature n'est pas requise sur ce PV"):
        sign(s.jury, by=texier)
    sign(s.jury, by=s.president)
    with pytest.raises(JuryRefus, match="Vous avez déjà signé ce PV"):
        sign(s.jury, by=s.president)


def test_closing_is_refused_while_a_required_signer_could_not_sign():
    s = decided(SignaturesPV.PRESIDENT_SECRETAIRE, secretaire="")

    with pytest.raises(JuryRefus, match="Désignez le secrétaire de séance"):
        close(s.jury, by=s.gestionnaire)
    salah = membre(s, "Salah")
    set_secretaire(salah)
    with pytest.raises(JuryRefus, match="Dominique Salah n'a pas de compte cqpilot"):
        close(s.jury, by=s.gestionnaire)


def test_closing_is_refused_while_a_signers_account_cannot_reach_the_jury():
    s = decided(SignaturesPV.PRESIDENT_SECRETAIRE)
    membre(s, "Salah").intervenant.user.roles.clear()  # an account without the jury role

    with pytest.raises(JuryRefus, match="Le compte cqpilot de Dominique Salah n'a pas accès"):
        close(s.jury, by=s.gestionnaire)


def test_reopening_the_deliberation_discards_the_signatures_already_given():
    s = decided(SignaturesPV.PRESIDENT_SECRETAIRE)
    close(s.jury, by=s.gestionnaire)
    sign(s.jury, by=s.president)

    reopen(s.jury, by=s.gestionnaire)
    close(s.jury, by=s.gestionnaire)

    assert not s.jury.pvs.get().signatures.exists()


def test_the_president_is_printed_as_president_for_a_man():
    s = decided()
    person = membre(s, "Prési").intervenant
    person.civilite = Civilite.MONSIEUR
    person.save()
    close(s.jury, by=s.gestionnaire)

    text = pdf_text(sign(s.jury, by=s.president))

    assert "par Anne Prési, président du jury, le" in text


def test_signing_goes_through_a_confirmation_page_naming_what_is_signed(client):
    s = decided(SignaturesPV.PRESIDENT_SECRETAIRE)
    close(s.jury, by=s.gestionnaire)
    client.force_login(s.president)
    confirm_identity(client)
    url = reverse("jurys:jury_sign", args=[s.jury.pk])

    detail = client.get(reverse("jurys:jury_detail", args=[s.jury.pk]))
    page = client.get(url)

    assert f'<a class="button" href="{url}">Signer le PV</a>' in detail.text
    assert "Vous signez le PV version 1 en qualité de présidente du jury." in page.text
    assert "BENALI Marie" in page.text
    s.jury.refresh_from_db()
    assert s.jury.status == JuryStatus.CLOS and not s.jury.pvs.get().signatures.exists()


def test_the_jury_page_shows_the_signatures_given_and_awaited(client):
    s = decided(SignaturesPV.PRESIDENT_SECRETAIRE)
    close(s.jury, by=s.gestionnaire)
    client.force_login(s.president)
    confirm_identity(client)

    answer = client.post(reverse("jurys:jury_sign", args=[s.jury.pk]), follow=True)

    assert "Signature enregistrée. Le PV attend encore : Dominique Salah" in answer.text
    assert "Anne Prési, présidente du jury : signé le" in answer.text
    assert "Dominique Salah, secrétaire de séance : en attente" in answer.text


def test_the_last_signer_who_no_longer_sees_the_signed_jury_lands_on_the_jury_list(client):
    s = decided()
    close(s.jury, by=s.gestionnaire)
    client.force_login(s.president)  # a jury member sees his juries until their PV is signed
    confirm_identity(client)

    answer = client.post(reverse("jurys:jury_sign", args=[s.jury.pk]), follow=True)

    assert answer.status_code == 200
    assert answer.redirect_chain[-1][0] == reverse("jurys:jury_list")
    assert "PV signé. Empreinte SHA-256" in answer.text
