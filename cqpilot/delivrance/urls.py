from django.urls import path

from . import views

app_name = "delivrance"

urlpatterns = [
    path("delivrance/", views.registre, name="registre"),
    path("delivrance/documents/<int:pk>/", views.document_detail, name="document_detail"),
    path("delivrance/documents/<int:pk>/pdf/", views.document_pdf, name="document_pdf"),
    path(
        "delivrance/documents/<int:pk>/annulation/", views.document_cancel, name="document_cancel"
    ),
    path("delivrance/jurys/<int:jury_pk>/", views.jury_documents, name="jury_documents"),
    path("delivrance/jurys/<int:jury_pk>/documents.zip", views.jury_zip, name="jury_zip"),
    path("delivrance/lots/<int:pk>/", views.lot, name="lot"),
    path("delivrance/modele/", views.modele_edit, name="modele"),
    path("delivrance/modele/apercu/", views.modele_preview, name="modele_preview"),
    path("delivrance/emetteurs/<int:organisation_pk>", views.emetteur, name="emetteur"),
    path("delivrance/statuts/<int:organisation_pk>", views.statuts, name="statuts"),
    path(".well-known/jwks.json", views.jwks, name="jwks"),
    path("verifier/", views.verifier, name="verifier_form"),
    path("verifier/<str:code>", views.verifier, name="verifier"),
    path("verifier/<str:code>/badge.jwt", views.badge, name="badge"),
]
