from django.urls import path

from . import views

app_name = "lessons"

urlpatterns = [
    path("", views.lesson_list, name="list"),
    path("<int:pk>/", views.lesson_detail, name="detail"),
    path("<int:pk>/learned/", views.lesson_learned, name="learned"),
    path("<int:pk>/check/", views.lesson_check, name="check"),
    path("<int:pk>/like/", views.lesson_like, name="like"),
    path("<int:pk>/reflections/", views.reflection_create, name="reflect"),
    path("reflections/<int:pk>/like/", views.reflection_like, name="reflection_like"),
    path("reflections/<int:pk>/hide/", views.reflection_hide, name="reflection_hide"),
    path("me/", views.my_study, name="my_study"),
    path("plans/", views.plan_list, name="plans"),
    path("plans/<int:pk>/", views.plan_detail, name="plan"),
    path("plans/<int:pk>/progress/", views.plan_progress, name="plan_progress"),
    path("plans/<int:pk>/progress.xlsx", views.plan_export, name="plan_export"),
    path("sessions/", views.session_list, name="sessions"),
    path("sessions/<int:pk>/", views.session_detail, name="session"),
    path("sessions/<int:pk>/sign-in/", views.session_sign_in, name="session_sign_in"),
    path("sessions/<int:pk>/make-up/", views.session_makeup, name="session_makeup"),
]
