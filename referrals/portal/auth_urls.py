"""Log-in by e-mail, log-out and password reset: Django's views, the portal's templates."""

from django.urls import include, path

from referrals.portal.views.auth import EmailLoginView

urlpatterns = [
    path("login/", EmailLoginView.as_view(), name="login"),
    path("", include("django.contrib.auth.urls")),
]
