from django.urls import path

from . import views

urlpatterns = [
    path("connexion/code/", views.mfa_verify, name="mfa_verify"),
    path("compte/securite/", views.account_security, name="account_security"),
    path("compte/confirmer/", views.reauthenticate, name="reauthenticate"),
    path("compte/double-authentification/", views.mfa_setup, name="mfa_setup"),
    path("compte/double-authentification/codes/", views.mfa_codes, name="mfa_codes"),
    path(
        "compte/double-authentification/nouveaux-codes/",
        views.mfa_regenerate,
        name="mfa_regenerate",
    ),
    path("compte/double-authentification/desactiver/", views.mfa_disable, name="mfa_disable"),
]
