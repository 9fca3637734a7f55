from django.urls import path  # noqa: F401  (the scoring pages add their routes here)

app_name = "scoring"
urlpatterns: list = []
