from django.urls import path  # noqa: F401  (the village affairs pages add their routes here)

app_name = "affairs"
urlpatterns: list = []

# Major decisions by 四议一审两公开
from . import matter_views  # noqa: E402

urlpatterns += [
    path("matters/", matter_views.matter_list, name="matters"),
    path("matters/new/", matter_views.matter_new, name="matter-new"),
    path("matters/reviews/", matter_views.review_queue, name="matter-reviews"),
    path("matters/<int:pk>/", matter_views.matter_detail, name="matter"),
    path("public/<str:code>/matters/", matter_views.public, name="public-matters"),
    path("public/<str:code>/matters/print/", matter_views.public_print, name="public-matters-print"),
]
