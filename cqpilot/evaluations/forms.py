from django import forms

from cqpilot.core.forms import DateInput
from cqpilot.core.models import Organisation, OrganisationKind, User
from cqpilot.referentiels.models import Certification, ReferentielVersion, VersionStatus

from .models import SessionEvaluation


class SessionForm(forms.ModelForm):
    class Meta:
        model = SessionEvaluation
        fields = [
            "certification",
            "version",
            "date_debut",
            "date_fin",
            "heure",
            "deroulement",
            "lieu",
            "code_postal",
            "organisateur",
        ]
        widgets = {
            "date_debut": DateInput(),
            "date_fin": DateInput(),
            "heure": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        certifications = Certification.objects.visible_to(user)
        if "version" in self.fields:
            self.fields["certification"].queryset = certifications
            self.fields["version"].queryset = ReferentielVersion.objects.filter(
                certification__in=certifications, status=VersionStatus.PUBLIEE
            ).select_related("certification")
            self.fields["version"].label_from_instance = lambda v: (
                f"{v.certification.intitule} — version {v.numero}"
            )
        self.fields["organisateur"].queryset = Organisation.objects.filter(
            kind=OrganisationKind.ORGANISME_FORMATION,
            habilitations__certification__in=certifications,
            habilitations__scope__in=["evaluer", "les_deux"],
        ).distinct()

    def clean(self):
        data = super().clean()
        version, certification = data.get("version"), data.get("certification")
        if version and certification and version.certification_id != certification.pk:
            self.add_error("version", "Ce référentiel n'est pas celui de la certification.")
        if (
            data.get("date_fin")
            and data.get("date_debut")
            and data["date_fin"] < data["date_debut"]
        ):
            self.add_error("date_fin", "Le dernier jour précède le premier.")
        code_postal = data.get("code_postal", "")
        if code_postal and not (code_postal.isdigit() and len(code_postal) == 5):
            self.add_error("code_postal", "Le code postal comporte 5 chiffres.")
        return data


class SessionEditForm(SessionForm):
    """A session's dates, place, déroulement and organiser. Its certification and référentiel
    stay: its épreuves come from them."""

    class Meta(SessionForm.Meta):
        fields = [f for f in SessionForm.Meta.fields if f not in ("certification", "version")]
