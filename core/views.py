"""Views every part of the site shares."""

from django.templatetags.static import static
from django.views.generic import RedirectView


class FaviconView(RedirectView):
    """/favicon.ico, which browsers ask for by themselves: the static icon (its hashed name in
    production, so not a permanent redirect)."""

    permanent = False

    def get_redirect_url(self, *args, **kwargs) -> str:
        return static("favicon.ico")
