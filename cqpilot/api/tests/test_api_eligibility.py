"""The API enrols with the screens' eligibility: the same refusals, and the same avertissements,
returned beside the dossier instead of blocking it."""

from datetime import date

import pytest

from .factories import ApiClient, world

pytestmark = pytest.mark.django_db


def _post_dossier(client, w, **fields):
    return client.post(
        "/dossiers",
        {
            "candidat": w.dossier_a.candidat_id,
            "version": w.version.pk,
            "date_inscription": "2026-11-02",
            **fields,
        },
    )


def test_a_vae_dossier_below_the_expected_experience_is_created_with_its_avertissement():
    w = world()
    w.certification.vae_ouverte, w.certification.experience_min_vae_mois = True, 12
    w.certification.save()
    client = ApiClient(w.users["of_a"])

    created = _post_dossier(client, w, voie_acces="VAE", experience_mois=6)

    assert created.status_code == 201, created.content
    assert created.json()["avertissements"] == [
        "Expérience en rapport avec la certification : 6 mois, pour 12 mois attendus par "
        f"{w.certification.intitule}. Ce n'est pas un motif de refus (aucune durée minimale "
        "depuis la loi du 21 décembre 2022) : le certificateur en juge à la recevabilité."
    ]
    changed = client.patch(f"/dossiers/{created.json()['id']}", {"experience_mois": 12})
    assert changed.json()["avertissements"] == []


def test_a_vae_enrolment_after_the_registration_end_is_refused_with_the_reason():
    w = world()
    w.certification.vae_ouverte = True
    w.certification.date_fin_enregistrement = date(2029, 12, 18)
    w.certification.save()
    client = ApiClient(w.users["of_a"])

    refused = _post_dossier(client, w, voie_acces="VAE", date_inscription="2035-01-01")

    assert refused.status_code == 422
    assert refused.json()["erreurs"] == [
        {
            "champ": "voie_acces",
            "message": f"L'enregistrement de {w.certification.intitule} au RNCP a pris fin le "
            "18/12/2029 : une inscription en VAE n'est plus possible au 01/01/2035.",
        }
    ]


def test_apprenticeship_on_an_unregistered_certification_is_refused():
    w = world()
    w.certification.code_rncp_rs, w.certification.niveau = "", ""
    w.certification.save()
    client = ApiClient(w.users["of_a"])

    refused = _post_dossier(client, w, voie_acces="FORMATION_INITIALE_APPRENTISSAGE")

    assert refused.status_code == 422
    assert "ne se prépare pas en apprentissage" in refused.json()["erreurs"][0]["message"]
