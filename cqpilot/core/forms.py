from django import forms
from django.contrib.auth.password_validation import validate_password

from .models import Organisation, Role, RoleGrant, User


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
        managed = Organisation.objects.managed_by(by)
        if by.is_superuser or managed.exclude(pk=by.organisation_id).exists():
            self.fields["organisation"].queryset = managed
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
        elif organisation is not None and codes - {Role.ORGANISME_FORMATION}:
            self.add_error(
                "roles",
                "Un utilisateur d'organisme de formation n'a que le rôle « Organisme de formation ».",
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
