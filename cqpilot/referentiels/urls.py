from django.urls import path

from . import views

app_name = "referentiels"

urlpatterns = [
    path("", views.certification_list, name="certification_list"),
    path("nouvelle/", views.certification_edit, name="certification_create"),
    path("<int:pk>/", views.certification_detail, name="certification_detail"),
    path("<int:pk>/modifier/", views.certification_edit, name="certification_edit"),
    path("<int:pk>/supprimer/", views.certification_delete, name="certification_delete"),
    path("branches/<int:pk>/pro-a/", views.pro_a_edit, name="pro_a_edit"),
    path("<int:pk>/versions/nouvelle/", views.version_create, name="version_create"),
    path("versions/<int:pk>/", views.version_detail, name="version_detail"),
    path("versions/<int:pk>/modifier/", views.version_edit, name="version_edit"),
    path("versions/<int:pk>/publier/", views.version_publish, name="version_publish"),
    path("versions/<int:pk>/copier/", views.version_copy, name="version_copy"),
    path("versions/<int:pk>/supprimer/", views.version_delete, name="version_delete"),
    path("versions/<int:pk>/comparer/", views.version_diff, name="version_diff"),
    path("versions/<int:pk>/referentiel.pdf", views.version_pdf, name="version_pdf"),
    path("versions/<int:pk>/referentiel.xlsx", views.version_xlsx, name="version_xlsx"),
    path(
        "versions/<int:version_pk>/<slug:kind>/nouveau/",
        views.content_edit,
        name="content_create",
    ),
    path(
        "versions/<int:version_pk>/<slug:kind>/<int:pk>/",
        views.content_edit,
        name="content_edit",
    ),
    path(
        "versions/<int:version_pk>/<slug:kind>/<int:pk>/supprimer/",
        views.content_delete,
        name="content_delete",
    ),
    path("import-rncp/", views.rncp_import, name="rncp_import"),
    path("import-rncp/<int:pk>/", views.rncp_import_detail, name="rncp_import_detail"),
    path("import-rncp/<int:pk>/confirmer/", views.rncp_import_confirm, name="rncp_import_confirm"),
    path("import-rncp/<int:pk>/annuler/", views.rncp_import_cancel, name="rncp_import_cancel"),
]
