from django.urls import path

from . import views
from .views_recours import recours_detail, recours_list

app_name = "jurys"

urlpatterns = [
    path("", views.jury_list, name="jury_list"),
    path("nouveau/", views.jury_create, name="jury_create"),
    path("<int:pk>/", views.jury_detail, name="jury_detail"),
    path("<int:pk>/membres/", views.membre_add, name="membre_add"),
    path(
        "<int:pk>/membres/<int:membre_pk>/presence/", views.membre_presence, name="membre_presence"
    ),
    path(
        "<int:pk>/membres/<int:membre_pk>/secretaire/",
        views.membre_secretaire,
        name="membre_secretaire",
    ),
    path("<int:pk>/candidats/", views.dossiers_add, name="dossiers_add"),
    path("<int:pk>/etape/<str:step>/", views.jury_step, name="jury_step"),
    path("<int:pk>/signature/", views.jury_sign, name="jury_sign"),
    path("<int:pk>/cpne/", views.jury_cpne, name="jury_cpne"),
    path("<int:pk>/pv/v<int:numero>.pdf", views.pv_download, name="pv_download"),
    path("<int:pk>/deliberation/", views.deliberation, name="deliberation"),
    path(
        "<int:pk>/deliberation/<int:deliberation_pk>/",
        views.deliberation_candidat,
        name="deliberation_candidat",
    ),
    path("<int:pk>/deliberation/<int:deliberation_pk>/votes/", views.votes, name="votes"),
    path("regles/<int:certification_pk>/", views.regles_edit, name="regles_edit"),
    path("recours/", recours_list, name="recours_list"),
    path("recours/<int:pk>/", recours_detail, name="recours_detail"),
]
