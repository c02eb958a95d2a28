from django.urls import path

from inbox import views

app_name = "inbox"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:pk>/", views.notification_open, name="open"),
    path("read-all/", views.mark_all_read, name="mark-all-read"),
]
