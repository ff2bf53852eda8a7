from django import forms
from django.contrib.auth.password_validation import validate_password

from .models import OrganisationKind, Role, RoleGrant, User


class DateInput(forms.DateInput):
    """The browser's date picker, given the ISO date it expects."""

    input_type = "date"

    def __init__(self, **kwargs) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class UserForm(forms.ModelForm):
    roles = forms.ModelMultipleChoiceField(
        queryset=RoleGrant.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=True,
        label="Rôles",
    )
    password = forms.CharField(
        label="Mot de passe initial",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        required=False,
        help_text="Laissez vide pour conserver le mot de passe actuel.",
    )

    class Meta:
        model = User
        fields = [
            "username",
            "first_name",
            "last_name",
            "email",
            "organisation",
            "roles",
            "is_active",
        ]
        labels = {"username": "Identifiant", "is_active": "Compte actif"}

    def __init__(self, *args, by: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.by = by
        self.fields["email"].required = True
        # Only the platform's super-administrator places an account in another organisation;
        # everyone else creates accounts in their own (partner OFs' accounts are invited).
        if by.is_superuser:
            self.fields["organisation"].required = True
            self.fields["organisation"].initial = by.organisation_id
        else:
            del self.fields["organisation"]
        if self.instance.pk is None:
            self.fields["password"].required = True
            self.fields["password"].help_text = ""

    def clean(self) -> dict:
        data = super().clean()
        organisation = data.get("organisation") or self.by.organisation
        codes = {grant.code for grant in data.get("roles") or []}
        if organisation is not None and organisation.is_certificateur:
            if Role.ORGANISME_FORMATION in codes:
                self.add_error("roles", "Le rôle « Organisme de formation » est réservé aux OF.")
            if Role.ACCOMPAGNATEUR_VAE in codes:
                self.add_error(
                    "roles",
                    "Le rôle « Accompagnateur VAE » est réservé aux structures d'accompagnement.",
                )
        elif (
            organisation is not None
            and organisation.kind == OrganisationKind.ACCOMPAGNATEUR_VAE
            and codes - {Role.ACCOMPAGNATEUR_VAE, Role.ADMINISTRATEUR}
        ):
            self.add_error(
                "roles",
                "Un utilisateur d'une structure d'accompagnement VAE a le rôle « Accompagnateur "
                "VAE », et « Administrateur » s'il gère les comptes de la structure.",
            )
        elif (
            organisation is not None
            and organisation.kind == OrganisationKind.ORGANISME_FORMATION
            and codes - {Role.ORGANISME_FORMATION, Role.ADMINISTRATEUR}
        ):
            self.add_error(
                "roles",
                "Un utilisateur d'organisme de formation a le rôle « Organisme de formation », "
                "et « Administrateur » s'il gère les comptes de l'organisme.",
            )
        password = data.get("password")
        if password:
            try:
                validate_password(password, self.instance)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return data

    def save(self, commit: bool = True) -> User:
        user = super().save(commit=False)
        if "organisation" not in self.fields:
            user.organisation = self.by.organisation
        if self.cleaned_data.get("password"):
            user.set_password(self.cleaned_data["password"])
        if commit:
            user.save()
            self.save_m2m()
        return user


class InvitationForm(forms.Form):
    first_name = forms.CharField(label="Prénom", max_length=150)
    last_name = forms.CharField(label="Nom", max_length=150)
    email = forms.EmailField(label="Courriel")

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if (
            User.objects.filter(username__iexact=email).exists()
            or User.objects.filter(email__iexact=email).exists()
        ):
            raise forms.ValidationError("Un compte existe déjà avec cette adresse.")
        return email
