from django.urls import path

from . import views

app_name = "duty"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("village/<int:village_id>/", views.roster_open, name="open"),
    path("rosters/<int:pk>/", views.roster_detail, name="roster"),
    # The public pages: no log-in, published rosters only, names and the duty phone.
    path("public/<str:code>/", views.public, name="public-village"),
    path("public/<str:code>/print/", views.public_print, name="public-village-print"),
]
