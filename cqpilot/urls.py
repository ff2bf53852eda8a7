from django.contrib import admin
from django.urls import include, path

from cqpilot.api.api import api
from cqpilot.pilotage.views import enquete

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("api/", include("cqpilot.api.urls")),
    path("certifications/", include("cqpilot.referentiels.urls")),
    path("accrochage/", include("cqpilot.accrochage.urls")),
    path("jurys/intervenants/", include("cqpilot.intervenants.urls")),
    path("jurys/", include("cqpilot.jurys.urls")),
    path("evaluations/", include("cqpilot.evaluations.urls")),
    path("pilotage/", include("cqpilot.pilotage.urls")),
    path("donnees-personnelles/", include("cqpilot.rgpd.urls")),
    path("espace/", include("cqpilot.espace.urls")),
    path("vae/", include("cqpilot.vae.urls")),
    path("enquete/<str:token>/", enquete, name="enquete"),
    path("", include("cqpilot.delivrance.urls")),
    path("", include("cqpilot.dossiers.urls")),
    path("", include("cqpilot.core.urls")),
]
