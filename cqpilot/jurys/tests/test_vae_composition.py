"""A jury deliberating on a VAE dossier follows D6412-6 too: at least 2 voting members, one of
them qualified for the certification, as many women as men, and the candidate's accompanist
never sits for him; the certification may ask for professionals of the trade or drop the parity
(its VAE jury rules). Until the composition is regular, no decision is taken for that candidate;
the other candidates of the same jury are not concerned."""

from datetime import date

import pytest
from django.urls import reverse

from cqpilot.dossiers.models import VoieAcces
from cqpilot.jurys.deliberation import lignes, recuse
from cqpilot.jurys.services import JuryRefus, membres_of, open_deliberation
from cqpilot.vae.models import DemandeRecevabilite, ReglesJuryVae

from .factories import scenario
from .test_composition import decide, membre

pytestmark = pytest.mark.django_db


def vae_scenario(
    civilites=("madame", "monsieur", "madame", "monsieur"),
    *,
    accompagnateur: str = "",
    ancien_regime: bool = False,
):
    """Benali's dossier is a VAE one, its demande de recevabilité recorded (under the reform
    unless `ancien_regime`); Durand's is not VAE. Prési, Salah, Garnier, Texier."""
    s = scenario(2)
    vae = s.dossiers[0]
    vae.voie_acces = VoieAcces.VAE
    vae.save()
    DemandeRecevabilite.objects.create(
        dossier=vae,
        organisation=s.branche,
        accompagnateur=accompagnateur,
        ancien_regime=ancien_regime,
        declaration_honneur_le=date(2026, 6, 1),
        deposee_le=date(2026, 6, 1),
    )
    for nom, civilite in zip(["Prési", "Salah", "Garnier", "Texier"], civilites, strict=True):
        intervenant = membre(s, nom).intervenant
        intervenant.civilite = civilite
        intervenant.save()
    membre(s, "Garnier").intervenant.qualifie_pour.set([s.certification])
    return s


def problems(s, dossier):
    for ligne in lignes(s.jury, membres_of(s.jury)):
        if ligne.deliberation.dossier_id == dossier.pk:
            return ligne.composition.problems
    raise AssertionError("not on the jury")


def test_a_balanced_jury_with_a_qualified_person_deliberates():
    s = vae_scenario()
    open_deliberation(s.jury, by=s.gestionnaire)
    assert problems(s, s.dossiers[0]) == []
    decide(s, s.jury.deliberations.get(dossier=s.dossiers[0]))


def test_three_men_and_one_woman_refuse_the_vae_decision_only():
    s = vae_scenario(("madame", "monsieur", "monsieur", "monsieur"))
    open_deliberation(s.jury, by=s.gestionnaire)
    expected = (
        "Jury VAE : 1 femme et 3 hommes parmi les membres votants ; il en faut autant de chaque "
        "(art. D6412-6 du code du travail)."
    )
    assert problems(s, s.dossiers[0]) == [expected]
    assert problems(s, s.dossiers[1]) == []  # not a VAE dossier
    with pytest.raises(JuryRefus, match="Composition irrégulière pour BENALI"):
        decide(s, s.jury.deliberations.get(dossier=s.dossiers[0]))
    decide(s, s.jury.deliberations.get(dossier=s.dossiers[1]))


def test_an_unknown_civilite_is_to_be_entered_before_parity_can_be_checked():
    s = vae_scenario(("madame", "monsieur", "", "monsieur"))
    open_deliberation(s.jury, by=s.gestionnaire)
    assert problems(s, s.dossiers[0]) == [
        "Jury VAE : la parité entre femmes et hommes ne peut pas être vérifiée, civilité à "
        "renseigner pour Dominique Garnier."
    ]


def test_nobody_qualified_for_the_certification():
    s = vae_scenario()
    membre(s, "Garnier").intervenant.qualifie_pour.clear()
    open_deliberation(s.jury, by=s.gestionnaire)
    assert problems(s, s.dossiers[0]) == [
        "Jury VAE : 0 personne qualifiée pour la certification, 1 au moins (art. D6412-6 du "
        "code du travail)."
    ]


def test_the_accompanist_named_in_the_demande_never_sits_and_withdrawing_solves_it():
    s = vae_scenario(accompagnateur="SALAH  dominique")  # as typed: case, spaces, order differ
    open_deliberation(s.jury, by=s.gestionnaire)
    assert problems(s, s.dossiers[0]) == [
        "Dominique Salah a accompagné le candidat dans sa démarche de VAE : il ne peut pas "
        "siéger pour lui (art. D6412-6 du code du travail)."
    ]
    deliberation = s.jury.deliberations.get(dossier=s.dossiers[0])
    recuse(deliberation, membre(s, "Salah"), "Accompagnateur VAE du candidat")
    recuse(deliberation, membre(s, "Prési"), "Se retire pour la parité")
    # Garnier (qualified) and Texier remain: one woman, one man; but no president for him.
    assert "accompagné" not in " ".join(problems(s, s.dossiers[0]))


def test_the_certification_sets_its_own_vae_rules(client):
    s = vae_scenario(("madame", "monsieur", "monsieur", "monsieur"))
    s.certification.vae_ouverte = True
    s.certification.save()
    client.force_login(s.gestionnaire)
    page = client.get(reverse("referentiels:certification_detail", args=[s.certification.pk]))
    url = reverse("vae:regles_jury", args=[s.certification.pk])
    assert url in page.text
    assert client.get(url).status_code == 200
    assert not ReglesJuryVae.objects.filter(certification=s.certification).exists()  # GET writes
    client.post(
        url,
        {"membres_min": 2, "qualifies_min": 1, "professionnels_min": 1},  # parity unticked
    )
    regles = ReglesJuryVae.objects.get(certification=s.certification)
    assert (regles.parite_femmes_hommes, regles.professionnels_min) == (False, 1)
    open_deliberation(s.jury, by=s.gestionnaire)
    assert problems(s, s.dossiers[0]) == [
        "Jury VAE : 0 professionnel du métier, 1 au moins (règle de la certification)."
    ]
    intervenant = membre(s, "Texier").intervenant
    intervenant.professionnel = True
    intervenant.save()
    assert problems(s, s.dossiers[0]) == []


def test_the_old_regime_and_a_dossier_without_demande_are_not_checked():
    """Certifications not on France VAE stay under the old rules (Cerfa 12818); a VAE dossier
    made recevable before cqpilot recorded demandes is of an unknown regime."""
    s = vae_scenario(("madame", "madame", "madame", "monsieur"), ancien_regime=True)
    open_deliberation(s.jury, by=s.gestionnaire)
    assert problems(s, s.dossiers[0]) == []
    DemandeRecevabilite.objects.filter(dossier=s.dossiers[0]).delete()
    assert problems(s, s.dossiers[0]) == []
    DemandeRecevabilite.objects.create(
        dossier=s.dossiers[0],
        organisation=s.branche,
        declaration_honneur_le=date(2026, 6, 1),
        deposee_le=date(2026, 6, 1),
    )
    assert problems(s, s.dossiers[0])[0].startswith("Jury VAE : 3 femmes et 1 homme")
