from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views, views_health
from .accounts import views as accounts_views

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "connexion/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"
    ),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "mot-de-passe/oublie/",
        accounts_views.ThrottledPasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "mot-de-passe/oublie/envoye/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "mot-de-passe/nouveau/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "mot-de-passe/nouveau/fait/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path(
        "mot-de-passe/changer/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "mot-de-passe/change/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("utilisateurs/", views.user_list, name="user_list"),
    path("utilisateurs/nouveau/", views.user_edit, name="user_create"),
    path("utilisateurs/<int:pk>/", views.user_edit, name="user_edit"),
    path("utilisateurs/<int:pk>/confirmer/", views.user_confirm, name="user_confirm"),
    path("organismes/<int:organisme_pk>/inviter/", views.user_invite, name="user_invite"),
    path("journal/", views.audit_log, name="audit_log"),
    path("sante/", views_health.sante, name="sante"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("", include("cqpilot.core.accounts.urls")),
]
