from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    path(settings.ADMIN_URL, admin.site.urls),
    # OpenAPI 3 schema and its browsable docs (assets served from drf-spectacular-sidecar).
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/v1/reports/", include("reports.api_urls")),
    path("reports/", include("reports.urls")),
    # The apps' URLs are included here, e.g.:
    #   path("api/v1/", include("referrals.api.urls")),
    #   path("", include("referrals.urls")),
]
