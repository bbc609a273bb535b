from django.urls import path

from . import views

app_name = "members"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("units/<int:pk>/", views.unit_detail, name="unit"),
    path("members/", views.directory, name="directory"),
    path("members/<int:pk>/", views.member_detail, name="member"),
    path("me/", views.my_profile, name="me"),
]
