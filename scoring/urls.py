from django.urls import path  # noqa: F401  (the scoring pages add their routes here)

from . import bulletin_views, points_views, ranking_views

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

# Quarterly bulletins (一季一通报); their public pages need no log-in.
urlpatterns += [
    path("bulletins/", bulletin_views.bulletin_list, name="bulletins"),
    path("bulletins/<int:pk>/", bulletin_views.bulletin_page, name="bulletin"),
    path("bulletins/<int:pk>/pdf/", bulletin_views.bulletin_pdf_view, name="bulletin-pdf"),
    path("bulletins/<int:pk>/publish/", bulletin_views.bulletin_publish_view, name="bulletin-publish"),
    path("public/bulletins/<str:code>/", bulletin_views.public_list, name="public-town-bulletins"),
    path("public/bulletins/<str:code>/<int:pk>/", bulletin_views.public_page, name="public-town-bulletin"),
    path(
        "public/bulletins/<str:code>/<int:pk>/pdf/",
        bulletin_views.public_pdf,
        name="public-town-bulletin-pdf",
    ),
]

# Party-member points (党员积分制)
urlpatterns += [
    path("points/me/", points_views.my_points, name="points-me"),
    path("points/", points_views.ledger, name="points-ledger"),
    path("points/new/", points_views.entry_new, name="points-entry-new"),
    path("points/<int:pk>/reverse/", points_views.entry_reverse, name="points-entry-reverse"),
    path("points/rules/", points_views.rules, name="points-rules"),
    path("points/rules/new/", points_views.rule_new, name="points-rule-new"),
    path("points/rules/<int:pk>/version/", points_views.rule_version, name="points-rule-version"),
    path("points/theme-days/", points_views.theme_days, name="theme-days"),
    path("points/theme-days/new/", points_views.theme_day_new, name="theme-day-new"),
    path("points/theme-days/<int:pk>/", points_views.theme_day, name="theme-day"),
    path("points/bar/", points_views.bar, name="points-bar"),
    path("points/rectifications/new/", points_views.rectification_new, name="rectification-new"),
    path("points/rectifications/<int:pk>/", points_views.rectification, name="rectification"),
]

# Cadres' year-end assessment (年终考绩)
from . import assessment_views  # noqa: E402

urlpatterns += [
    path("assessments/", assessment_views.assessment_list, name="assessments"),
    path("assessments/generate/", assessment_views.assessment_generate, name="assessment-generate"),
    path("assessments/<int:pk>/", assessment_views.assessment_sheet, name="assessment"),
    path("assessments/<int:pk>/grade/", assessment_views.assessment_grade, name="assessment-grade"),
    path(
        "assessments/<int:pk>/evidence/<str:figure>/",
        assessment_views.assessment_evidence,
        name="assessment-evidence",
    ),
]

# Red and black list (红黑榜); the public pages need no log-in.
from . import redlist_views  # noqa: E402

urlpatterns += [
    path("redlist/", redlist_views.redlist, name="redlist"),
    path("redlist/new/", redlist_views.redlist_new, name="redlist-new"),
    path("redlist/<int:pk>/", redlist_views.redlist_entry, name="redlist-entry"),
    path(
        "public/redlist/village/<str:code>/",
        redlist_views.redlist_public,
        {"kind": "village"},
        name="redlist-public-village",
    ),
    path(
        "public/redlist/village/<str:code>/print/",
        redlist_views.redlist_public_print,
        {"kind": "village"},
        name="redlist-public-village-print",
    ),
    path("public/redlist/<str:code>/", redlist_views.redlist_public, name="redlist-public"),
    path("public/redlist/<str:code>/print/", redlist_views.redlist_public_print, name="redlist-public-print"),
]
