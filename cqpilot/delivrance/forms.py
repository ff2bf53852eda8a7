from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from cqpilot.core.uploads import size_problem, thousands

from .layout_css import clean_layout_css
from .models import ModeleParchemin


class ModeleForm(forms.ModelForm):
    class Meta:
        model = ModeleParchemin
        fields = [
            "prefixe",
            "signataire_nom",
            "signataire_qualite",
            "lieu_delivrance",
            "logo",
            "signature",
            "texte",
            "css",
        ]
        widgets = {"css": forms.Textarea(attrs={"rows": 6, "spellcheck": "false"})}
        help_texts = {
            "css": (
                "S'applique à l'en-tête (logo, certificateur), au titre et au texte libre : "
                "polices, couleurs, tailles, marges, bordures, alignement ; @page pour le format "
                "et les marges du papier. Le titulaire, les mentions obligatoires, le QR code et "
                "la signature gardent la mise en page de cqpilot. Ni url(), ni @import : le logo "
                "et la signature se déposent ci-dessus."
            )
        }

    def clean_logo(self):
        return checked_image(self.cleaned_data["logo"])

    def clean_signature(self):
        return checked_image(self.cleaned_data["signature"])

    def clean_prefixe(self) -> str:
        prefixe = self.cleaned_data["prefixe"].strip().upper()
        if not prefixe.replace("-", "").isalnum():
            raise forms.ValidationError("Lettres et chiffres seulement, par exemple CQP.")
        return prefixe

    def clean_css(self) -> str:
        """What the PDF would leave out is refused here, line by line, rather than dropped
        without a word."""
        css = self.cleaned_data["css"]
        if ignored := clean_layout_css(css).ignored:
            raise forms.ValidationError(ignored)
        return css


def checked_image(image):
    """A logo or a signature, drawn on every document: bounded in weight, and in pixels since a
    small PNG may unpack to a gigapixel image when the PDF is drawn."""
    if not isinstance(image, UploadedFile):  # unchanged or cleared
        return image
    if problem := size_problem(image, settings.IMAGE_MAX_SIZE):
        raise forms.ValidationError(f"{problem} Réduisez l'image.")
    width, height = image.image.size  # read by forms.ImageField, which checked it is an image
    if width * height > settings.IMAGE_MAX_PIXELS:
        raise forms.ValidationError(
            f"L'image fait {thousands(width)} × {thousands(height)} pixels : "
            f"{thousands(settings.IMAGE_MAX_PIXELS)} pixels au plus (4 000 × 4 000 par exemple). "
            "Réduisez-la."
        )
    return image
