"""Who votes for a candidate: the members present with voix délibérative who are not recused
for him. The counts the screens show and the PV prints are theirs."""

import pytest
from django.urls import reverse

from cqpilot.jurys.deliberation import BlocSaisie, lignes, record_votes, save_decision
from cqpilot.jurys.models import ReglesJury, VoteChoice
from cqpilot.jurys.pv import close, sign
from cqpilot.jurys.services import JuryRefus, membres_of, open_deliberation, set_presence

from .factories import expert, pdf_text, scenario

pytestmark = pytest.mark.django_db


def only_ligne(s):
    [ligne] = lignes(s.jury, membres_of(s.jury))
    return ligne


def test_an_expert_without_voix_deliberative_is_not_a_voter():
    s = scenario(1)
    vasseur = expert(s)
    open_deliberation(s.jury, by=s.gestionnaire)

    ligne = only_ligne(s)

    assert vasseur not in ligne.electeurs
    assert len(ligne.electeurs) == 4
    with pytest.raises(JuryRefus, match="Paul Vasseur siège comme expert"):
        record_votes(ligne.deliberation, {vasseur.pk: VoteChoice.POUR})


def test_the_votes_page_gives_an_expert_no_vote_selector(client):
    s = scenario(1)
    vasseur = expert(s)
    open_deliberation(s.jury, by=s.gestionnaire)
    client.force_login(s.gestionnaire)

    page = client.get(reverse("jurys:votes", args=[s.jury.pk, s.jury.deliberations.get().pk]))

    assert f'name="vote-{vasseur.pk}"' not in page.text
    assert "Expert, sans voix délibérative" in page.text


def test_unanimity_and_the_signed_pv_count_only_the_real_voters(client):
    """An expert, a recused member and an absent one: two voters remain, as the card, the
    votes and the PV say."""
    s = scenario(1)
    ReglesJury.objects.create(certification=s.certification, parite=False)
    expert(s)
    s.jury.membres.get(intervenant__nom="Texier").intervenant.organismes.set([s.of])
    set_presence(s.jury.membres.get(intervenant__nom="Garnier"), False)
    open_deliberation(s.jury, by=s.gestionnaire)
    deliberation = s.jury.deliberations.get()
    client.force_login(s.gestionnaire)

    card = client.get(reverse("jurys:deliberation_candidat", args=[s.jury.pk, deliberation.pk]))
    assert "Adoptée à l'unanimité des 2 votants" in card.text
    save_decision(
        deliberation,
        revision=0,
        decision="totale",
        blocs={b.pk: BlocSaisie("valide") for b in s.blocs},
        unanimite=True,
        by=s.gestionnaire,
    )

    assert sorted(deliberation.votes.values_list("membre__intervenant__nom", flat=True)) == [
        "Prési",
        "Salah",
    ]
    assert only_ligne(s).adoption.explanation == "2 pour, 0 contre sur 2."
    close(s.jury, by=s.gestionnaire)
    text = pdf_text(sign(s.jury, by=s.president))
    assert "2 pour, 0 contre sur 2" in text


def test_the_vote_of_a_member_who_left_is_not_counted():
    s = scenario(1)
    open_deliberation(s.jury, by=s.gestionnaire)
    deliberation = s.jury.deliberations.get()
    membres = {m.intervenant.nom: m for m in membres_of(s.jury)}
    record_votes(deliberation, {m.pk: VoteChoice.POUR for m in membres.values()})

    set_presence(membres["Garnier"], False)

    assert only_ligne(s).adoption.explanation == "3 pour, 0 contre sur 3."
