from django.urls import path

from security import views

app_name = "two_factor"

urlpatterns = [
    path("setup/", views.two_factor_setup, name="setup"),
    path("verify/", views.two_factor_verify, name="verify"),
]
