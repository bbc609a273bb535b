from django.urls import path

from . import help_views, views

app_name = "members"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("units/<int:pk>/", views.unit_detail, name="unit"),
    path("members/", views.directory, name="directory"),
    path("members/<int:pk>/", views.member_detail, name="member"),
    path("me/", views.my_profile, name="me"),
    # Help requests (连心桥): private to the member, their branch's liaison and organisers.
    path("help/", help_views.help_mine, name="help_mine"),
    path("help/new/", help_views.help_new, name="help_new"),
    path("help/queue/", help_views.help_queue, name="help_queue"),
    path("help/<int:pk>/", help_views.help_detail, name="help_detail"),
    path("help/<int:pk>/take/", help_views.help_take, name="help_take"),
    path("help/<int:pk>/notes/", help_views.help_note, name="help_note"),
    path("help/<int:pk>/resolve/", help_views.help_resolve, name="help_resolve"),
]
