from django.urls import path

from . import views, views_pieces

app_name = "dossiers"

urlpatterns = [
    path("organismes/", views.organisme_list, name="organisme_list"),
    path("organismes/nouveau/", views.organisme_edit, name="organisme_create"),
    path("organismes/<int:pk>/", views.organisme_edit, name="organisme_edit"),
    path("organismes/habilitations.xlsx", views.habilitations_xlsx, name="habilitations_xlsx"),
    path("habilitations/nouvelle/", views.habilitation_edit, name="habilitation_create"),
    path("habilitations/<int:pk>/", views.habilitation_edit, name="habilitation_edit"),
    path("candidats/", views.candidat_list, name="candidat_list"),
    path("candidats/nouveau/", views.candidat_edit, name="candidat_create"),
    path("candidats/import/", views.candidat_import, name="candidat_import"),
    path("candidats/import/<int:pk>/", views.candidat_import_detail, name="candidat_import_detail"),
    path(
        "candidats/import/modele.xlsx",
        views.candidat_import_template,
        name="candidat_import_template",
    ),
    path("candidats/<int:pk>/", views.candidat_detail, name="candidat_detail"),
    path("candidats/<int:pk>/modifier/", views.candidat_edit, name="candidat_edit"),
    path("candidats/<int:pk>/equivalences/", views.equivalence_add, name="equivalence_add"),
    path(
        "candidats/<int:candidat_pk>/dossiers/nouveau/", views.dossier_create, name="dossier_create"
    ),
    path(
        "candidats/<int:candidat_pk>/dossiers/nouveau/blocs/",
        views.dossier_blocs,
        name="dossier_blocs",
    ),
    path("dossiers/", views.dossier_list, name="dossier_list"),
    path("dossiers/<int:pk>/", views.dossier_detail, name="dossier_detail"),
    path("dossiers/<int:pk>/etat/", views.dossier_transition, name="dossier_transition"),
    path("dossiers/<int:pk>/financements/", views.financement_create, name="financement_create"),
    path("dossiers/<int:pk>/documents/", views.document_add, name="document_add"),
    path("documents/<int:pk>/", views.document_download, name="document_download"),
    path("documents/<int:pk>/verification/", views.document_check, name="document_check"),
    path("certifications/<int:pk>/pieces-exigees/", views_pieces.piece_list, name="piece_list"),
    path(
        "certifications/<int:certification_pk>/pieces-exigees/nouvelle/",
        views_pieces.piece_edit,
        name="piece_create",
    ),
    path("pieces-exigees/<int:pk>/", views_pieces.piece_edit, name="piece_edit"),
    path("pieces-exigees/<int:pk>/supprimer/", views_pieces.piece_delete, name="piece_delete"),
]
