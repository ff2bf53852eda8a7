"""Limits per calendar year (R6412-3): one request for the same certification, three for
different certifications, requests for blocs excepted; counted on what the instructing
certifier knows (its own requests, for the same person), the rest covered by the candidate's
déclaration sur l'honneur, recorded with its date."""

from datetime import date

import pytest

from cqpilot.vae.recevabilite import VaeRefus, deposer

from .factories import candidate, saisie, vae_world

pytestmark = pytest.mark.django_db


def test_one_request_per_calendar_year_for_the_same_certification():
    w = vae_world()
    person = candidate()
    w.demande(w.dossier(person), on=date(2026, 1, 1))
    with pytest.raises(VaeRefus) as refusal:
        w.demande(w.dossier(person), on=date(2026, 12, 31))
    assert refusal.value.message == (
        "Une demande de recevabilité pour « CQP Agent de propreté » a déjà été déposée le "
        "01/01/2026 pour ce candidat : une seule demande par année civile pour la même "
        "certification (article R6412-3 du Code du travail). Une demande portant sur des blocs "
        "de compétences reste possible."
    )
    w.demande(w.dossier(person), on=date(2027, 1, 1))  # a new calendar year


def test_three_certifications_a_year_and_not_a_fourth():
    w = vae_world()
    person = candidate()
    w.demande(w.dossier(person), on=date(2026, 2, 1))
    for n, day in ((2, date(2026, 3, 1)), (3, date(2026, 4, 1))):
        certification, version = w.certification_bis(f"CQP n°{n}")
        w.demande(w.dossier(person, certification, version), on=day)
    fourth, version = w.certification_bis("CQP n°4")
    with pytest.raises(VaeRefus, match=r"pour 3 certifications différentes .* au plus 3 par année"):
        w.demande(w.dossier(person, fourth, version), on=date(2026, 5, 1))
    w.demande(w.dossier(person, fourth, version), on=date(2027, 1, 4))


def test_requests_for_blocs_are_neither_limited_nor_counted():
    w = vae_world()
    person = candidate()
    w.demande(w.dossier(person), on=date(2026, 2, 1), blocs=[w.blocs[0]])
    w.demande(w.dossier(person), on=date(2026, 3, 1), blocs=[w.blocs[1]])
    w.demande(w.dossier(person), on=date(2026, 4, 1))  # the whole certification: the first
    w.demande(w.dossier(person), on=date(2026, 5, 1), blocs=[w.blocs[0]])


def test_another_record_of_the_same_person_with_the_same_certifier_counts():
    w = vae_world()
    first = candidate(nom_naissance="Lefèvre", prenom1="Anne")
    again = candidate(nom_naissance="LEFEVRE", prenom1="anne")  # entered twice
    w.demande(w.dossier(first), on=date(2026, 2, 1))
    with pytest.raises(VaeRefus, match="une seule demande par année civile"):
        w.demande(w.dossier(again), on=date(2026, 6, 1))


def test_another_certifiers_requests_are_never_read():
    """Isolation: the same person's request with another certifier is neither counted nor
    revealed; the candidate's déclaration sur l'honneur covers it."""
    w, other = vae_world(), vae_world("CPNE voisine")
    other.certification.intitule = w.certification.intitule
    other.certification.save()
    other.demande(other.dossier(candidate(nom_naissance="Roux")), on=date(2026, 2, 1))
    w.demande(w.dossier(candidate(nom_naissance="Roux")), on=date(2026, 3, 1))


def test_the_declaration_on_honour_is_required_and_its_date_recorded():
    w = vae_world()
    dossier = w.dossier()
    with pytest.raises(VaeRefus, match="déclare sur l'honneur"):
        deposer(dossier, saisie(declaration_honneur=False), by=w.gestionnaire, on=date(2026, 3, 2))
    demande = deposer(dossier, saisie(), by=w.gestionnaire, on=date(2026, 3, 2))
    assert demande.declaration_honneur_le == date(2026, 3, 2)


def test_the_candidate_files_through_the_same_service_within_the_same_limits():
    w = vae_world()
    person = candidate()
    demande = deposer(w.dossier(person), saisie(), by=person.compte, on=date(2026, 3, 2))
    assert demande.organisation == w.branche  # the certification's certifier instructs it
    assert demande.deposee_par == person.compte
    with pytest.raises(VaeRefus, match="une seule demande par année civile"):
        deposer(w.dossier(person), saisie(), by=person.compte, on=date(2026, 9, 2))


def test_nobody_else_files_and_only_on_an_inscribed_vae_dossier():
    w, other = vae_world(), vae_world("CPNE voisine")
    stranger = candidate()
    with pytest.raises(
        VaeRefus, match="Réservé au candidat, à son accompagnateur VAE et aux gestionnaires"
    ):
        deposer(w.dossier(), saisie(), by=other.gestionnaire, on=date(2026, 3, 2))
    with pytest.raises(VaeRefus, match="Réservé au candidat"):
        deposer(w.dossier(), saisie(), by=stranger.compte, on=date(2026, 3, 2))
    with pytest.raises(VaeRefus, match="se dépose sur un dossier inscrit"):
        deposer(w.dossier(state="brouillon"), saisie(), by=w.gestionnaire, on=date(2026, 3, 2))
    with pytest.raises(VaeRefus, match="pas les deux"):
        deposer(
            w.dossier(),
            saisie(reference_france_vae="FVAE-123", ancien_regime=True),
            by=w.gestionnaire,
            on=date(2026, 3, 2),
        )
    with pytest.raises(VaeRefus, match="au moins une expérience"):
        deposer(w.dossier(), saisie(experiences=[]), by=w.gestionnaire, on=date(2026, 3, 2))
