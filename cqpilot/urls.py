from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("certifications/", include("cqpilot.referentiels.urls")),
    path("accrochage/", include("cqpilot.accrochage.urls")),
    path("jurys/", include("cqpilot.jurys.urls")),
    path("evaluations/", include("cqpilot.evaluations.urls")),
    path("", include("cqpilot.delivrance.urls")),
    path("", include("cqpilot.dossiers.urls")),
    path("", include("cqpilot.core.urls")),
]
