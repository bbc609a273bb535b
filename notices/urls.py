from django.urls import path

from . import views

app_name = "notices"

urlpatterns = [
    path("", views.notice_list, name="list"),
    path("<int:pk>/", views.notice_detail, name="detail"),
    path("<int:pk>/reads/", views.notice_reads, name="reads"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:pk>/open/", views.notification_open, name="open"),
    path("inbox/read-all/", views.inbox_read_all, name="read_all"),
    path("preferences/", views.preferences, name="preferences"),
]
