"""What a role allows, in one place: pages, API, menus and buttons all ask these permissions.

A permission answers "may this user do this kind of thing at all?". Which objects they may do it
to is the other half of the authorization layer: each area's querysets (`visible_to(user)`,
`manageable_by(user)`), so that an object outside the user's scope is a 404 by construction.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied

from .models import OrganisationKind, Role, User


@dataclass(frozen=True)
class Permission:
    name: str
    allows: Callable[[User], bool]
    refusal: str  # French, shown to the user (403 page, API error)

    def __call__(self, user) -> bool:
        return bool(user is not None and user.is_authenticated and self.allows(user))

    def check(self, user) -> None:
        if not self(user):
            raise PermissionDenied(self.refusal)


def _is_certifier_manager(user: User) -> bool:
    return user.is_certificateur_manager


def _is_certifier_staff(user: User) -> bool:
    return user.is_superuser or user.is_certificateur_staff


def _edits_dossiers(user: User) -> bool:
    if user.is_superuser:
        return True
    if _of_kind(user, OrganisationKind.ACCOMPAGNATEUR_VAE):
        # its accompanists; its administrator manages its accounts, not its dossiers
        return is_accompagnateur_vae(user)
    return user.has_role(Role.ADMINISTRATEUR, Role.GESTIONNAIRE, Role.ORGANISME_FORMATION)


def _is_of_user(user: User) -> bool:
    return (
        user.organisation is not None
        and user.organisation.kind == OrganisationKind.ORGANISME_FORMATION
        and user.has_role(Role.ORGANISME_FORMATION, Role.ADMINISTRATEUR)
    )


def _of_kind(user: User, kind: str) -> bool:
    return user.organisation is not None and user.organisation.kind == kind


def is_accompagnateur_vae(user: User) -> bool:
    """A user of a VAE accompanist (AAP) structure, with the role: the dossiers it accompanies."""
    return (
        user.organisation is not None
        and user.organisation.kind == OrganisationKind.ACCOMPAGNATEUR_VAE
        and user.has_role(Role.ACCOMPAGNATEUR_VAE)
    )


def _manages_personal_data(user: User) -> bool:
    # The retention periods, exports and erasures are a certifier's own, as its controller.
    return (
        user.is_certificateur_manager
        and user.organisation is not None
        and user.organisation.is_certificateur
    )


def is_candidat_account(user: User) -> bool:
    """A candidate's own account (espace candidat): no organisation, linked to a Candidat."""
    if user.is_superuser or user.organisation_id is not None:
        return False
    try:
        user.candidat  # noqa: B018 - the reverse one-to-one is cached on the user
    except ObjectDoesNotExist:
        return False
    return True


MANAGE_CERTIFICATIONS = Permission(
    "manage_certifications",
    _is_certifier_manager,
    "Réservé aux gestionnaires du certificateur.",
)
CERTIFIER_STAFF = Permission(
    "certifier_staff",
    _is_certifier_staff,
    "Réservé aux équipes du certificateur.",
)
EDIT_DOSSIERS = Permission(
    "edit_dossiers",
    _edits_dossiers,
    "Votre compte ne peut pas modifier les candidats ni les dossiers.",
)
MANAGE_USERS = Permission(
    "manage_users",
    lambda user: user.can_manage_users,
    "Réservé aux administrateurs.",
)
MANAGE_PERSONAL_DATA = Permission(
    "manage_personal_data",
    _manages_personal_data,
    "Réservé aux gestionnaires du certificateur.",
)
PARTNER_OF = Permission(
    "partner_of",
    _is_of_user,
    "Réservé aux organismes de formation.",
)
ACCOMPAGNATEUR_VAE = Permission(
    "accompagnateur_vae",
    is_accompagnateur_vae,
    "Réservé aux accompagnateurs VAE.",
)
IMPORT_CANDIDATS = Permission(
    "import_candidats",
    lambda user: _edits_dossiers(user) and not _of_kind(user, OrganisationKind.ACCOMPAGNATEUR_VAE),
    "Réservé aux gestionnaires du certificateur et aux organismes de formation.",
)
FOLLOW_VAE = Permission(
    "follow_vae",
    lambda user: user.is_certificateur_manager or is_accompagnateur_vae(user),
    "Réservé aux gestionnaires du certificateur et aux accompagnateurs VAE.",
)
CANDIDAT = Permission(
    "candidat",
    is_candidat_account,
    "Réservé aux candidats, dans leur espace.",
)

ALL = (
    MANAGE_CERTIFICATIONS,
    CERTIFIER_STAFF,
    EDIT_DOSSIERS,
    MANAGE_USERS,
    MANAGE_PERSONAL_DATA,
    PARTNER_OF,
    ACCOMPAGNATEUR_VAE,
    IMPORT_CANDIDATS,
    FOLLOW_VAE,
    CANDIDAT,
)


def requires(permission: Permission) -> Callable:
    """View decorator: signed in (else the login page), then the permission (else 403)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def checked(request, *args, **kwargs):
            permission.check(request.user)
            return view(request, *args, **kwargs)

        return login_required(checked)

    return decorator


class Can:
    """`{% if can.manage_certifications %}` in templates: a button shows only when its view
    would accept the user."""

    def __init__(self, user) -> None:
        self._user = user

    def __getattr__(self, name: str) -> bool:
        for permission in ALL:
            if permission.name == name:
                return permission(self._user)
        raise AttributeError(name)
