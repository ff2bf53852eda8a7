from django import forms
from django.contrib.auth.forms import PasswordResetForm
from django.template.loader import render_to_string

from cqpilot.core.mail import send_after_commit


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
    )

    def __init__(self, *args, label: str = "Code", help_text: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].label = label
        self.fields["code"].help_text = help_text


class PasswordForm(forms.Form):
    password = forms.CharField(
        label="Mot de passe",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )


class BackgroundPasswordResetForm(PasswordResetForm):
    """Django's form, whose e-mail leaves from the task worker: the answer comes as fast whether
    or not an account has the address (the mail server's delay would tell), and never waits
    for the server."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict,
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        subject = "".join(render_to_string(subject_template_name, context).splitlines())
        body = render_to_string(email_template_name, context)
        send_after_commit(subject=subject, body=body, to=[to_email])
