from django.urls import path  # noqa: F401  (the village affairs pages add their routes here)

app_name = "affairs"
urlpatterns: list = []
