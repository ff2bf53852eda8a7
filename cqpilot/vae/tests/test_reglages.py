"""The VAE settings of each certification (docs/vae.md): the decision period (2 months), the
effect of silence (acceptance) and the validity of the recevabilité (12 months) by default,
edited with the certification's other rules and shown on its page."""

import pytest
from django.urls import reverse

from cqpilot.referentiels.models import Certification

from .factories import vae_world

pytestmark = pytest.mark.django_db

FORM = {
    "intitule": "CQP Agent de propreté",
    "type": "CQP",
    "status": "active",
    "vae_ouverte": "on",
    "code_rncp_rs": "RNCP39990",
    "niveau": "NIV3",
    "blocs_optionnels_requis": 0,
}


def test_the_documented_defaults():
    certification = vae_world().certification
    assert certification.delai_recevabilite_vae_mois == 2
    assert certification.silence_recevabilite_vae == "acceptation"
    assert certification.validite_recevabilite_vae_mois == 12


def test_edited_with_the_certifications_rules_and_shown_on_its_page(client):
    w = vae_world()
    client.force_login(w.gestionnaire)
    url = reverse("referentiels:certification_edit", args=[w.certification.pk])
    form = client.get(url)
    assert "Délai de décision sur la recevabilité VAE (mois)" in form.text
    client.post(
        url,
        {
            **FORM,
            "certificateurs": [w.branche.pk],
            "delai_recevabilite_vae_mois": 3,
            "silence_recevabilite_vae": "sans_effet",
            "validite_recevabilite_vae_mois": 24,
        },
    )
    certification = Certification.objects.get(pk=w.certification.pk)
    assert (
        certification.delai_recevabilite_vae_mois,
        certification.silence_recevabilite_vae,
        certification.validite_recevabilite_vae_mois,
    ) == (3, "sans_effet", 24)
    page = client.get(reverse("referentiels:certification_detail", args=[certification.pk]))
    assert "Décision dans les 3 mois suivant la demande complète" in page.text
    assert "le silence est sans effet" in page.text
    assert "recevabilité valable 24 mois" in page.text


def test_left_empty_or_absent_they_keep_the_defaults(client):
    w = vae_world()
    client.force_login(w.gestionnaire)
    url = reverse("referentiels:certification_edit", args=[w.certification.pk])
    client.post(url, {**FORM, "certificateurs": [w.branche.pk]})
    certification = Certification.objects.get(pk=w.certification.pk)
    assert certification.code_rncp_rs == "RNCP39990"  # the form was saved
    assert certification.delai_recevabilite_vae_mois == 2
    assert certification.silence_recevabilite_vae == "acceptation"
    assert certification.validite_recevabilite_vae_mois == 12


def test_a_period_of_zero_months_is_refused(client):
    w = vae_world()
    client.force_login(w.gestionnaire)
    url = reverse("referentiels:certification_edit", args=[w.certification.pk])
    page = client.post(
        url, {**FORM, "certificateurs": [w.branche.pk], "delai_recevabilite_vae_mois": 0}
    )
    assert page.status_code == 200
    assert "supérieure ou égale à 1" in page.text
