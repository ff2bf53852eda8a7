"""A candidate's account reaches its espace, its account pages and the public pages; every
staff page is refused by default, even one whose querysets would show the candidate's own rows
(a dossier's staff page shows its history, its internal notes)."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from cqpilot.core.permissions import CANDIDAT

# Outside the espace: the account's own pages and what anybody may read without an account.
REACHABLE = {
    "login",
    "logout",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "password_change",
    "password_change_done",
    "account_security",
    "reauthenticate",
    "mfa_verify",
    "mfa_setup",
    "mfa_codes",
    "mfa_regenerate",
    "mfa_disable",
    "delivrance:verifier_form",
    "delivrance:verifier",
    "delivrance:badge",
    "delivrance:jwks",
    "delivrance:emetteur",
    "delivrance:statuts",
    "enquete",
    "sante",
    "favicon",
    # the one-time login link (login_link.py): asked for and used before the login
    "espace:lien_connexion",
    "espace:lien_connexion_envoye",
    "espace:lien_connexion_utiliser",
}
STAFF_ONLY = {"espace:inviter"}


class CandidatSpaceMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not CANDIDAT(request.user):
            return None
        name = request.resolver_match.view_name
        if name == "home":
            return redirect("espace:accueil")
        if name in REACHABLE or (name.startswith("espace:") and name not in STAFF_ONLY):
            return None
        raise PermissionDenied("Votre espace candidat ne donne pas accès à cette page.")
