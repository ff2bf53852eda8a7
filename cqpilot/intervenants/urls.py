from django.urls import path

from . import views

app_name = "intervenants"

# Mounted under « jurys/intervenants/ », where these pages were before they had their own app.
urlpatterns = [
    path("", views.intervenant_list, name="intervenant_list"),
    path("nouveau/", views.intervenant_edit, name="intervenant_create"),
    path("<int:pk>/", views.intervenant_edit, name="intervenant_edit"),
    path("<int:pk>/candidats-suivis/", views.intervenant_candidats, name="intervenant_candidats"),
]
