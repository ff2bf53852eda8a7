from django.urls import path

from . import views, views_accompagnement, views_conge, views_validation

app_name = "vae"

urlpatterns = [
    path("recevabilite/", views.demande_list, name="demande_list"),
    path("dossiers/<int:pk>/recevabilite/", views.demande_create, name="demande_create"),
    path("recevabilite/<int:pk>/", views.demande_detail, name="demande_detail"),
    path("recevabilite/<int:pk>/pieces/", views.demande_pieces, name="demande_pieces"),
    path("recevabilite/<int:pk>/complete/", views.demande_complete, name="demande_complete"),
    path("recevabilite/<int:pk>/decision/", views.demande_decider, name="demande_decider"),
    path("recevabilite/<int:pk>/avis/", views.demande_avis, name="demande_avis"),
    path("recevabilite/<int:pk>/lettre.pdf", views.demande_lettre, name="demande_lettre"),
    path(
        "dossiers/<int:pk>/validation/",
        views_validation.validation_deposer,
        name="validation_deposer",
    ),
    path(
        "dossiers/<int:pk>/resultat/",
        views_validation.resultat_notifier,
        name="resultat_notifier",
    ),
    path("accompagnateurs/", views_accompagnement.accompagnateur_list, name="accompagnateur_list"),
    path(
        "accompagnateurs/<int:pk>/",
        views_accompagnement.accompagnateur_detail,
        name="accompagnateur_detail",
    ),
    path(
        "accompagnateurs/<int:pk>/inviter/",
        views_accompagnement.accompagnateur_inviter,
        name="accompagnateur_inviter",
    ),
    path(
        "dossiers/<int:pk>/accompagnateur/",
        views_accompagnement.dossier_accompagnateur,
        name="dossier_accompagnateur",
    ),
    path("dossiers/<int:pk>/conge/", views_conge.conge_enregistrer, name="conge_enregistrer"),
    path(
        "certifications/<int:certification_pk>/jury-vae/",
        views_validation.regles_jury,
        name="regles_jury",
    ),
]
