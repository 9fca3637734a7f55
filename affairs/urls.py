from django.urls import path  # noqa: F401  (the village affairs pages add their routes here)

app_name = "affairs"
urlpatterns: list = []

# 阳光三务: party, village and finance affairs disclosed per period
from . import disclosure_views  # noqa: E402

urlpatterns += [
    path("disclosures/", disclosure_views.disclosure_list, name="disclosures"),
    path("disclosures/new/", disclosure_views.disclosure_new, name="disclosure-new"),
    path("disclosures/<int:pk>/", disclosure_views.disclosure_detail, name="disclosure"),
    path("disclosures/<int:pk>/edit/", disclosure_views.disclosure_edit, name="disclosure-edit"),
    path("disclosures/<int:pk>/board-photo/", disclosure_views.board_photo, name="disclosure-board-photo"),
    path("public/<str:code>/disclosures/", disclosure_views.public, name="disclosures-public"),
    path(
        "public/<str:code>/disclosures/<int:pk>/print/",
        disclosure_views.public_print,
        name="disclosure-print",
    ),
]

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

# The villagers' council (村民议事厅) and public hearings (评理说事)
from . import council_views  # noqa: E402

urlpatterns += [
    path("topics/", council_views.topic_list, name="topics"),
    path("topics/new/", council_views.topic_new, name="topic-new"),
    path("topics/<int:pk>/", council_views.topic_detail, name="topic"),
    path("meetings/new/", council_views.meeting_new, name="meeting-new"),
    path("council/", council_views.council, name="council"),
    path("hearings/", council_views.hearing_list, name="hearings"),
    path("hearings/new/", council_views.hearing_new, name="hearing-new"),
    path("hearings/<int:pk>/", council_views.hearing_detail, name="hearing"),
    path("public/<str:code>/topics/", council_views.public, name="public-topics"),
]
