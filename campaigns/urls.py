from django.urls import path

from . import views

app_name = "campaigns"

urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("wall/", views.banner_wall, name="wall"),
    path("<int:pk>/", views.results, name="results"),
    path("<int:pk>/print/", views.results_print, name="print"),
    path("<int:pk>/results.xlsx", views.results_xlsx, name="xlsx"),
    path("stories/", views.story_list, name="stories"),
    path("stories/nominate/", views.story_nominate, name="nominate"),
    path("stories/<int:pk>/", views.story_detail, name="story"),
    path("stories/<int:pk>/like/", views.story_like, name="like"),
]
