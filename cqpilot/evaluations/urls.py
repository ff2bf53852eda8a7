from django.urls import path

from . import views, views_amenagements

app_name = "evaluations"

urlpatterns = [
    path("", views.session_list, name="session_list"),
    path("nouvelle/", views.session_create, name="session_create"),
    path("<int:pk>/", views.session_detail, name="session_detail"),
    path("<int:pk>/modifier/", views.session_edit, name="session_edit"),
    path("<int:pk>/supprimer/", views.session_delete, name="session_delete"),
    path("<int:pk>/inscriptions/", views.session_enrol, name="session_enrol"),
    path(
        "<int:pk>/inscriptions/<int:inscription_pk>/desinscrire/",
        views.session_unenrol,
        name="session_unenrol",
    ),
    path(
        "<int:pk>/epreuves/<int:epreuve_pk>/evaluateurs/",
        views.epreuve_assign,
        name="epreuve_assign",
    ),
    path(
        "<int:pk>/epreuves/<int:epreuve_pk>/evaluateurs/<int:affectation_pk>/retirer/",
        views.epreuve_unassign,
        name="epreuve_unassign",
    ),
    path("<int:pk>/convocations/", views.convocations_send, name="convocations_send"),
    path(
        "<int:pk>/convocations/<int:inscription_pk>.pdf",
        views.convocation_download,
        name="convocation_download",
    ),
    path("epreuves/<int:epreuve_pk>/saisie/", views.saisie, name="saisie"),
    path("amenagements/", views_amenagements.amenagement_list, name="amenagement_list"),
    path(
        "amenagements/<int:pk>/",
        views_amenagements.amenagement_decider,
        name="amenagement_decider",
    ),
    path(
        "amenagements/<int:pk>/justificatif/",
        views_amenagements.amenagement_justificatif,
        name="amenagement_justificatif",
    ),
]
