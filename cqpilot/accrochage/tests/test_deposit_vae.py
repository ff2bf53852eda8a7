"""A VAE holder's passage carries modaliteAcces VAE with the kind of VAE the CDC knows
(voieAccessVAE: CONGES_VAE or VAE_CLASSIQUE): the dossier's own when given, otherwise a VAE
without congé VAE, that is VAE_CLASSIQUE; another access route never carries a kind of VAE."""

import pytest

from cqpilot.dossiers.models import Dossier, VoieAcces, VoieVae

from .factories import deposits
from .test_deposit_contents import written

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("version", ["1.1.2", "2026"])
def test_a_vae_passage_says_vae_and_its_kind_valid_against_the_schema(version):
    d = deposits(version)
    Dossier.objects.filter(pk=d.parchemin.dossier_id).update(voie_acces=VoieAcces.VAE, voie_vae="")
    Dossier.objects.filter(pk=d.attestation.dossier_id).update(
        voie_acces=VoieAcces.VAE, voie_vae=VoieVae.CONGES_VAE
    )

    passages = written(d)

    routes = {
        p.titulaire.nom_naissance: (p.modalite_acces, p.voie_vae) for _code, p in passages.values()
    }
    assert routes == {"Benali": ("VAE", "VAE_CLASSIQUE"), "Durand": ("VAE", "CONGES_VAE")}


def test_another_access_route_never_carries_a_kind_of_vae():
    d = deposits("2026")
    Dossier.objects.filter(pk=d.parchemin.dossier_id).update(
        voie_acces=VoieAcces.CANDIDAT_LIBRE, voie_vae=VoieVae.CONGES_VAE
    )

    passages = written(d)

    benali = [p for _code, p in passages.values() if p.titulaire.nom_naissance == "Benali"]
    assert [(p.modalite_acces, p.voie_vae) for p in benali] == [("CANDIDAT_LIBRE", "")]
