from django import forms

from cqpilot.core.forms import DateInput
from cqpilot.core.models import User
from cqpilot.intervenants.models import Intervenant
from cqpilot.referentiels.models import Certification

from .models import Jury, JuryMembre, ReglesJury, RoleJury


class JuryForm(forms.ModelForm):
    class Meta:
        model = Jury
        fields = ["certification", "date", "lieu"]
        widgets = {"date": DateInput()}

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["certification"].queryset = Certification.objects.visible_to(user)


class ReglesJuryForm(forms.ModelForm):
    class Meta:
        model = ReglesJury
        fields = [
            "parite",
            "membres_min_par_college",
            "quorum",
            "majorite",
            "voix_preponderante_president",
            "part_externes_min",
            "double_evaluation",
            "validation_cpne",
            "signatures_pv",
        ]


class MembreForm(forms.Form):
    intervenant = forms.ModelChoiceField(queryset=Intervenant.objects.none())
    role = forms.ChoiceField(label="Rôle", choices=RoleJury.choices, initial=RoleJury.MEMBRE)

    def __init__(self, *args, jury: Jury, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["intervenant"].queryset = Intervenant.objects.filter(
            organisation=jury.organisation
        ).exclude(pk__in=JuryMembre.objects.filter(jury=jury).values("intervenant"))
