from django.urls import path

from . import views, views_depots

app_name = "accrochage"

urlpatterns = [
    path("", views_depots.a_accrocher, name="a_accrocher"),
    path("depot/", views_depots.deposer, name="deposer"),
    path("passages/<int:pk>/correction/", views_depots.corriger, name="corriger"),
    path("fichiers/<int:pk>.xml", views_depots.fichier_download, name="fichier"),
    path("fichiers/<int:pk>/accuse/", views_depots.fichier_rapport, name="fichier_rapport"),
    path("reglages/", views_depots.reglages, name="reglages"),
    path("outil-autonome/", views.standalone_page, name="standalone"),
    path("outil-autonome/modele.xlsx", views.template_download, name="template"),
    path("outil-autonome/depots/<int:pk>/", views.standalone_depot, name="standalone_depot"),
    path(
        "outil-autonome/depots/<int:pk>/fichiers.zip", views.standalone_zip, name="standalone_zip"
    ),
    path(
        "outil-autonome/depots/<int:pk>/lignes-en-erreur.xlsx",
        views.standalone_errors,
        name="standalone_errors",
    ),
    path("outil-autonome/<int:pk>/", views.standalone_detail, name="standalone_detail"),
    path("outil-autonome/<int:pk>/flux.xml", views.standalone_download, name="standalone_download"),
    path(
        "outil-autonome/<int:pk>/rejetes.xlsx",
        views.standalone_rejected,
        name="standalone_rejected",
    ),
]
