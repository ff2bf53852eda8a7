"""Accounts of partner OFs that a certifier invites, and their confirmation by the OF.

A certifier must be able to give its partner OF an account without reading, through it, what
other certifiers entrusted to the same OF. So an invited account is limited to the inviting
certifier's dossiers (`User.limited_to_certifier`) until the OF's own administrator confirms it;
the invited person sets their password from the e-mailed link (Django's password reset token,
valid PASSWORD_RESET_TIMEOUT).
"""

from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from .mail import send_after_commit
from .models import Organisation, Role, RoleGrant, User


class InvitationRefusee(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def set_password_link(user: User, *, base_url: str) -> str:
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return f"{base_url.rstrip('/')}{path}"


def create_invited_account(
    organisation: Organisation,
    *,
    role: Role,
    first_name: str,
    last_name: str,
    email: str,
    certifier: Organisation,
) -> User:
    """An account without a usable password yet, with one role, limited to the inviting
    certifier's dossiers until its organisation's administrator confirms it. An address already
    in use, as login or e-mail, is refused (InvitationForm says so first)."""
    email = email.strip().lower()
    if (
        User.objects.filter(username__iexact=email).exists()
        or User.objects.filter(email__iexact=email).exists()
    ):
        raise InvitationRefusee("Un compte existe déjà avec cette adresse.")
    user = User(
        username=email,
        email=email,
        first_name=first_name,
        last_name=last_name,
        organisation=organisation,
        limited_to_certifier=certifier,
    )
    user.set_unusable_password()
    user.save()
    user.roles.set([RoleGrant.objects.get_or_create(code=role)[0]])
    return user


@transaction.atomic
def invite_of_account(
    organisme: Organisation,
    *,
    first_name: str,
    last_name: str,
    email: str,
    by: User,
    base_url: str,
) -> User:
    """Create the invited account (no usable password yet) and e-mail its link after commit."""
    certifier = by.organisation
    if by.is_superuser or certifier is None or not certifier.is_certificateur:
        raise InvitationRefusee("Seul un certificateur invite les comptes de ses partenaires.")
    if not Organisation.objects.habilitated_by(certifier).filter(pk=organisme.pk).exists():
        raise InvitationRefusee(f"{organisme} n'est habilité pour aucune de vos certifications.")
    user = create_invited_account(
        organisme,
        role=Role.ORGANISME_FORMATION,
        first_name=first_name,
        last_name=last_name,
        email=email,
        certifier=certifier,
    )
    link = set_password_link(user, base_url=base_url)
    message = (
        f"Bonjour {first_name},\n\n"
        f"{by.get_full_name() or by.username} ({certifier}) vous a créé un compte cqpilot pour "
        f"{organisme}. Choisissez votre mot de passe en suivant ce lien :\n\n{link}\n\n"
        f"Votre identifiant est {user.email}. Jusqu'à ce que l'administrateur de {organisme} "
        f"confirme ce compte, vous ne voyez que les dossiers des certifications de {certifier}.\n"
    )
    send_after_commit(subject="Votre compte cqpilot", body=message, to=[user.email])
    return user


@transaction.atomic
def confirm_account(user: User, *, by: User) -> None:
    """The OF's administrator (or the super-administrator) lifts the invitation's limit."""
    if not (
        by.is_superuser or (by.can_manage_users and by.organisation_id == user.organisation_id)
    ):
        raise InvitationRefusee("Seul l'administrateur de l'organisme confirme ses comptes.")
    if user.limited_to_certifier_id is None:
        raise InvitationRefusee(f"Le compte de {user} est déjà confirmé.")
    user.limited_to_certifier = None
    user.save(update_fields=["limited_to_certifier"])
