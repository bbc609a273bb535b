from django.urls import path

from . import views

app_name = "sharing"

urlpatterns = [
    path("", views.feed, name="feed"),
    path("new/", views.new_post, name="new"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/like/", views.like, name="like"),
    path("<int:pk>/comments/", views.comment, name="comment"),
    path("<int:pk>/hide/", views.hide_post, name="hide"),
    path("comments/<int:pk>/hide/", views.hide_comment, name="hide_comment"),
]
