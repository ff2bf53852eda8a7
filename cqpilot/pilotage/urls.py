from django.urls import path

from . import views

app_name = "pilotage"

urlpatterns = [
    path("", views.tableau_de_bord, name="tableau_de_bord"),
    path("renouvellement/", views.renouvellement, name="renouvellement"),
]
