"""The composition is checked for each candidate's deliberation: the members recused for him
neither vote nor count, so a recusal can break the parity or the quorum for that candidate."""

import pytest
from django.urls import reverse

from cqpilot.jurys.deliberation import BlocSaisie, lignes, record_votes, recuse, save_decision
from cqpilot.jurys.models import VoteChoice
from cqpilot.jurys.pv import close, sign
from cqpilot.jurys.services import JuryRefus, membres_of, open_deliberation

from .factories import pdf_text, scenario

pytestmark = pytest.mark.django_db
PARITY = "Parité non respectée : 2 employeurs et 1 salarié présents."


def decide(s, deliberation):
    deliberation.refresh_from_db()
    return save_decision(
        deliberation,
        revision=deliberation.revision,
        decision="totale",
        blocs={b.pk: BlocSaisie("valide") for b in s.blocs},
        unanimite=True,
        by=s.gestionnaire,
    )


def membre(s, nom):
    return s.jury.membres.get(intervenant__nom=nom)


def recused_trainer(candidats=1):
    """Texier (collège salariés) trains the candidates' OF: recused for each of them."""
    s = scenario(candidats)
    membre(s, "Texier").intervenant.organismes.set([s.of])
    open_deliberation(s.jury, by=s.gestionnaire)
    return s


def test_a_recusal_that_breaks_parity_refuses_the_decision_with_the_reason():
    s = recused_trainer()

    with pytest.raises(JuryRefus) as refusal:
        decide(s, s.jury.deliberations.get())

    assert refusal.value.message.startswith(f"Composition irrégulière pour BENALI Marie : {PARITY}")
    assert s.jury.deliberations.get().decision == ""


def test_a_member_of_the_other_college_withdrawing_restores_parity_for_that_candidate():
    s = recused_trainer()
    deliberation = s.jury.deliberations.get()
    recuse(deliberation, membre(s, "Garnier"), "Se retire pour rétablir la parité")

    decide(s, deliberation)

    [ligne] = lignes(s.jury, membres_of(s.jury))
    assert ligne.composition.problems == []
    assert ligne.adoption.explanation == "2 pour, 0 contre sur 2."


def test_votes_wait_for_a_regular_composition():
    s = recused_trainer()

    with pytest.raises(JuryRefus, match="Composition irrégulière pour BENALI Marie"):
        record_votes(s.jury.deliberations.get(), {membre(s, "Salah").pk: VoteChoice.POUR})


def test_closing_names_the_candidate_whose_composition_a_late_recusal_broke():
    s = scenario(2)
    open_deliberation(s.jury, by=s.gestionnaire)
    benali, durand = s.jury.deliberations.order_by("dossier__candidat__nom_naissance")
    decide(s, benali)
    decide(s, durand)
    recuse(benali, membre(s, "Texier"), "Ancien tuteur du candidat")

    with pytest.raises(JuryRefus) as refusal:
        close(s.jury, by=s.gestionnaire)

    assert refusal.value.message == (
        f"Le jury ne peut pas être clos. BENALI Marie : composition irrégulière ({PARITY[:-1]})."
    )


def test_the_deliberation_card_shows_the_candidates_composition(client):
    s = recused_trainer()
    client.force_login(s.gestionnaire)
    deliberation = s.jury.deliberations.get()

    card = client.get(reverse("jurys:deliberation_candidat", args=[s.jury.pk, deliberation.pk]))

    assert "Délibèrent pour ce candidat : 3 membres votants (2 employeurs, 1 salarié)" in card.text
    assert PARITY in card.text


def test_the_pv_prints_the_composition_of_each_candidates_deliberation():
    s = recused_trainer(2)
    benali, durand = s.jury.deliberations.order_by("dossier__candidat__nom_naissance")
    for deliberation in (benali, durand):
        recuse(deliberation, membre(s, "Garnier"), "Se retire pour rétablir la parité")
        decide(s, deliberation)
    close(s.jury, by=s.gestionnaire)

    text = pdf_text(sign(s.jury, by=s.president))

    assert "Composition pour chaque candidat" in text
    for nom in ("BENALI Marie", "DURAND Marie"):
        assert (
            f"{nom} — 2 membres votants (1 employeur, 1 salarié) : composition régulière ; "
            "récusé(e)s : Dominique Garnier, Dominique Texier." in text
        )
