from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from core.views import FaviconView

urlpatterns = [
    path("favicon.ico", FaviconView.as_view(), name="favicon"),
    path(settings.ADMIN_URL, admin.site.urls),
    # OpenAPI 3 schema and its browsable docs (assets served from drf-spectacular-sidecar).
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file: the CSP allows no inline script.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="schema", template_name="security/swagger_ui.html"
        ),
        name="api-docs",
    ),
    path("api/v1/reports/", include("reports.api_urls")),
    path("api/v1/", include("companion.api_urls")),
    path("api/v1/", include("referrals.api.urls")),
    path("reports/", include("reports.urls")),
    # Two-factor authentication: enrol an authenticator app, confirm a code each session.
    path("accounts/2fa/", include("security.urls")),
    # The patient's companion page: no account, a link and a date-of-birth check.
    path("patient/", include("companion.urls")),
    path("", include("companion.portal_urls")),
    # Each person's notifications (the same news as their e-mails).
    path("inbox/", include("inbox.urls")),
    # The clinicians' portal: log-in by e-mail and password reset, then each role's pages.
    path("accounts/", include("referrals.portal.auth_urls")),
    path("", include("referrals.portal.urls")),
]

# A failure outside a DRF view still answers JSON under /api/.
handler500 = "referrals.api.exceptions.server_error"
