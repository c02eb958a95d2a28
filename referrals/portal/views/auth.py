from django.contrib.auth.views import LoginView

from referrals.portal.forms.auth import EmailAuthenticationForm


class EmailLoginView(LoginView):
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True
