from django.urls import path

from . import views

app_name = "accrochage"

urlpatterns = [
    path("outil-autonome/", views.standalone, name="standalone"),
    path("outil-autonome/modele.xlsx", views.template_download, name="template"),
    path("outil-autonome/<int:pk>/", views.standalone_detail, name="standalone_detail"),
    path("outil-autonome/<int:pk>/flux.xml", views.standalone_download, name="standalone_download"),
]
