from django.urls import path

from companion import views

app_name = "companion"

urlpatterns = [
    path("<str:secret>/", views.patient_page, name="page"),
    path("<str:secret>/visit/", views.visit_preparation, name="visit"),
    path("<str:secret>/questions/", views.ask_question, name="questions"),
    path("<str:secret>/leave/", views.leave, name="leave"),
]
