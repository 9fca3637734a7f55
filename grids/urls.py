from django.urls import path

from . import views

app_name = "grids"
urlpatterns = [
    path("map/", views.area_map, name="map"),
    path("villages/<str:code>/", views.village_detail, name="village"),
    path("grids/<int:pk>/", views.grid_detail, name="grid"),
]
