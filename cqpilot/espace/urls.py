from django.urls import path

from . import views, views_login_link
from .views_amenagements import amenagement_demander, amenagement_justificatif
from .views_recours import recours_deposer
from .views_vae import conge_enregistrer as vae_conge
from .views_vae import demande_deposer as vae_demande
from .views_vae import lettre as vae_lettre

app_name = "espace"

urlpatterns = [
    path("", views.accueil, name="accueil"),
    path("dossiers/<int:pk>/pieces/<int:piece_pk>/", views.piece_deposer, name="piece_deposer"),
    path("pieces/<int:pk>/", views.document, name="document"),
    path("convocations/<int:pk>/", views.convocation_download, name="convocation"),
    path("convocations/<int:pk>/agenda.ics", views.convocation_ics, name="convocation_ics"),
    path(
        "dossiers/<int:pk>/amenagement/",
        amenagement_demander,
        name="amenagement_demander",
    ),
    path(
        "amenagements/<int:pk>/justificatif/",
        amenagement_justificatif,
        name="amenagement_justificatif",
    ),
    path("documents/<int:pk>/", views.document_delivre, name="document_delivre"),
    path("resultats/<int:pk>/recours/", recours_deposer, name="recours_deposer"),
    path("dossiers/<int:pk>/recevabilite/", vae_demande, name="vae_demande"),
    path("recevabilite/<int:pk>/lettre.pdf", vae_lettre, name="vae_lettre"),
    path("dossiers/<int:pk>/conge-vae/", vae_conge, name="vae_conge"),
    path("inviter/<int:candidat_pk>/", views.inviter, name="inviter"),
    path("connexion/lien/", views_login_link.demander, name="lien_connexion"),
    path("connexion/lien/envoye/", views_login_link.envoye, name="lien_connexion_envoye"),
    path("connexion/lien/<str:token>/", views_login_link.utiliser, name="lien_connexion_utiliser"),
]
