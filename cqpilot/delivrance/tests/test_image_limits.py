"""A logo or a signature is drawn on every document: bounded in weight and in pixels."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from cqpilot.core.tests.factories import OrganisationFactory
from cqpilot.delivrance.forms import ModeleForm
from cqpilot.delivrance.models import ModeleParchemin

pytestmark = pytest.mark.django_db


def png(width: int, height: int) -> bytes:
    output = io.BytesIO()
    Image.new("L", (width, height), 255).save(output, "PNG")  # one grey: compresses to nothing
    return output.getvalue()


def form_with(**images: bytes) -> ModeleForm:
    modele = ModeleParchemin.objects.create(organisation=OrganisationFactory())
    files = {name: SimpleUploadedFile(f"{name}.png", content) for name, content in images.items()}
    return ModeleForm({"prefixe": "CQP"}, files, instance=modele)


def test_a_logo_and_a_signature_within_the_limits_are_accepted(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    form = form_with(logo=png(400, 200), signature=png(600, 200))
    assert form.is_valid(), form.errors


def test_a_logo_beyond_the_weight_limit_is_refused(settings):
    settings.IMAGE_MAX_SIZE = 1024
    form = form_with(logo=png(40, 20) + b"\0" * 3000)  # what follows the PNG's end is ignored
    assert form.errors["logo"] == ["Le fichier pèse 3 Ko : 1 Ko au plus. Réduisez l'image."]


def test_a_signature_of_too_many_pixels_is_refused(settings):
    """A 20,000 × 20,000 grey PNG weighs about 400 KB; drawn in a PDF, it takes 400 MB."""
    settings.IMAGE_MAX_PIXELS = 1_000_000
    form = form_with(signature=png(2_000, 1_000))
    assert form.errors["signature"] == [
        "L'image fait 2\u202f000 × 1\u202f000 pixels : 1\u202f000\u202f000 pixels au plus "
        "(4 000 × 4 000 par exemple). Réduisez-la."
    ]
