from django.urls import path

from . import views

app_name = "api_ui"

urlpatterns = [
    path("jetons/", views.jetons, name="jetons"),
    path("jetons/<int:pk>/revoquer/", views.revoquer, name="revoquer"),
    path("webhook/", views.webhook, name="webhook"),
    path("webhook/livraisons/<int:pk>/renvoyer/", views.renvoyer, name="renvoyer"),
]
