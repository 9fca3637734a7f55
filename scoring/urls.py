from django.urls import path  # noqa: F401  (the scoring pages add their routes here)

from . import ranking_views

app_name = "scoring"
urlpatterns: list = []

# Village rankings (一月一排名)
urlpatterns += [
    path("ranking/", ranking_views.ranking_page, name="ranking"),
    path("ranking/compute/", ranking_views.compute_view, name="ranking-compute"),
    path("ranking/<int:pk>/publish/", ranking_views.publish_view, name="ranking-publish"),
    path("ranking/<int:pk>/village/<int:village_id>/", ranking_views.village_page, name="ranking-village"),
    path("weights/", ranking_views.weights_page, name="weights"),
]
