from django.urls import path

from . import lists, stats, views

app_name = "cases"
urlpatterns = [
    path("", lists.case_list, name="list"),
    path("new/", views.case_new, name="new"),
    path("locate/", views.locate, name="locate"),
    path("stats/", stats.dashboard, name="stats"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/sheet/", views.case_sheet, name="sheet"),
    path("photos/<int:pk>/", views.photo, name="photo"),
]
