from django.urls import path

from . import views

app_name = "rgpd"

urlpatterns = [
    path("", views.reglages, name="reglages"),
    path("candidats/<int:pk>/export/", views.candidat_export, name="candidat_export"),
    path("candidats/<int:pk>/effacer/", views.candidat_effacer, name="candidat_effacer"),
]
