from django.http import HttpRequest
from django.urls import reverse

from .accounts.mfa import SESSION_KEY as MFA_PENDING
from .models import OrganisationKind, Role
from .permissions import (
    ACCOMPAGNATEUR_VAE,
    CANDIDAT,
    CERTIFIER_STAFF,
    MANAGE_CERTIFICATIONS,
    MANAGE_PERSONAL_DATA,
    MANAGE_USERS,
    Can,
)


def navigation(request: HttpRequest) -> dict:
    """The main menu, built from what the signed-in user may do."""
    user = getattr(request, "user", None)
    if (
        user is None
        or not user.is_authenticated
        or getattr(request, "session", {}).get(MFA_PENDING)
    ):
        # signed out, or still owing the second factor: nothing to offer yet
        return {"nav_items": [], "can": Can(None)}
    if CANDIDAT(user):  # a candidate's account reaches its espace only (espace.middleware)
        return {
            "nav_items": [
                {"label": "Mon espace", "url": reverse("espace:accueil"), "active": True}
            ],
            "can": Can(user),
        }
    items = [("Accueil", reverse("home"))]
    if CERTIFIER_STAFF(user):
        items.append(("Certifications", reverse("referentiels:certification_list")))
    items.append(("Candidats", reverse("dossiers:candidat_list")))
    items.append(("Dossiers", reverse("dossiers:dossier_list")))
    if ACCOMPAGNATEUR_VAE(user):
        items.append(("Recevabilité VAE", reverse("vae:demande_list")))
    if MANAGE_CERTIFICATIONS(user) or (CERTIFIER_STAFF(user) and user.has_role(Role.EVALUATEUR)):
        items.append(("Évaluations", reverse("evaluations:session_list")))
    if MANAGE_CERTIFICATIONS(user) or (CERTIFIER_STAFF(user) and user.has_role(Role.MEMBRE_JURY)):
        items.append(("Jurys", reverse("jurys:jury_list")))
    if MANAGE_CERTIFICATIONS(user):
        items.append(("Organismes de formation", reverse("dossiers:organisme_list")))
        items.append(("Recevabilité VAE", reverse("vae:demande_list")))
        items.append(("Délivrance", reverse("delivrance:registre")))
        items.append(("Pilotage", reverse("pilotage:tableau_de_bord")))
        # « À accrocher » is a certifier's own list; the super-administrator has the tool only.
        accrochage = "accrochage:a_accrocher" if user.organisation else "accrochage:standalone"
        items.append(("Accrochage", reverse(accrochage)))
        items.append(("Import RNCP / RS", reverse("referentiels:rncp_import")))
    if MANAGE_PERSONAL_DATA(user):
        items.append(("Données personnelles", reverse("rgpd:reglages")))
    if (
        MANAGE_USERS(user)
        and user.organisation
        and user.organisation.kind == OrganisationKind.ORGANISME_FORMATION
    ):
        # an OF's administrator keeps its record (OrganisationQuerySet.editable_by)
        items.append(
            ("Mon organisme", reverse("dossiers:organisme_edit", args=[user.organisation.pk]))
        )
    if MANAGE_USERS(user):
        items.append(("Utilisateurs", reverse("user_list")))
        items.append(("Journal", reverse("audit_log")))
    current = request.path
    nav = []
    for label, url in items:
        active = current == url if url == "/" else current.startswith(url)
        nav.append({"label": label, "url": url, "active": active})
    return {"nav_items": nav, "can": Can(user)}
