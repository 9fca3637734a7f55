from django.urls import path  # noqa: F401  (each part of the app adds its routes below)

app_name = "organisation"
urlpatterns: list = []

# Officers sent in from outside (平安书记, 第一书记)
from . import officer_views  # noqa: E402

urlpatterns += [
    path("officers/", officer_views.officer_list, name="officers"),
    path("officers/new/", officer_views.officer_new, name="officer-new"),
    path("officers/groups/new/", officer_views.group_new, name="officer-group-new"),
    path("officers/mine/", officer_views.my_work, name="officer-mine"),
    path("officers/<int:pk>/", officer_views.officer_detail, name="officer"),
    path("officers/<int:pk>/activities/new/", officer_views.activity_new, name="officer-activity-new"),
    path("officers/night-visits/<int:pk>/", officer_views.night_visit, name="night-visit"),
]
