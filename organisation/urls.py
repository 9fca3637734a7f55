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

# Who answers for every household (三包, 十户一员, 三长五员)
from . import map_views  # noqa: E402

urlpatterns += [
    path("map/", map_views.overview, name="map"),
    path("map/assign/", map_views.link_new, name="map-assign"),
    path("map/assign-grid/", map_views.grid_assign, name="map-assign-grid"),
    path("map/household/<int:pk>/", map_views.household, name="map-household"),
    path("map/links/<int:pk>/close/", map_views.link_close, name="map-link-close"),
    path("map/mine/", map_views.mine, name="map-mine"),
    path("map/informants/", map_views.informants, name="informants"),
    path("map/informants/groups/new/", map_views.group_new, name="informant-group-new"),
    path("map/informants/groups/<int:pk>/", map_views.informant_group, name="informant-group"),
    path("map/informants/new/", map_views.informant_new, name="informant-new"),
    path("map/informants/<int:pk>/close/", map_views.informant_close, name="informant-close"),
    path("map/posts/", map_views.posts, name="posts"),
    path("map/posts/new/", map_views.post_new, name="post-new"),
    path("map/posts/<int:pk>/close/", map_views.post_close, name="post-close"),
    path("public/card/<str:code>/", map_views.public_card, name="public-card"),
]

# The village secretaries' files (先锋书记) and 承诺述职评议考核
from . import files_views  # noqa: E402

urlpatterns += [
    path("files/", files_views.file_list, name="files"),
    path("files/new/", files_views.file_new, name="file-new"),
    path("files/<int:pk>/", files_views.file_detail, name="file"),
    path("files/<int:pk>/print/", files_views.file_print, name="file-print"),
    path("commitments/", files_views.commitment_terms, name="commitments"),
    path("commitments/new/", files_views.commitment_new, name="commitment-new"),
    path(
        "commitments/<int:village_id>/<int:term_start>/",
        files_views.commitment_term,
        name="commitment-term",
    ),
    path("commitments/item/<int:pk>/", files_views.commitment_detail, name="commitment"),
    path("commitments/evidence/<int:pk>/", files_views.evidence_photo, name="commitment-photo"),
    path("reviews/", files_views.review_list, name="reviews"),
    path("reviews/new/", files_views.review_new, name="review-new"),
    path("reviews/<int:pk>/", files_views.review_detail, name="review"),
    path("public/<str:code>/commitments/", files_views.public_commitments, name="public-commitments"),
    path(
        "public/<str:code>/commitments/photo/<int:pk>/",
        files_views.public_photo,
        name="public-commitment-photo",
    ),
]

# The weekly task list (周清单)
from . import tasks_views  # noqa: E402

urlpatterns += [
    path("tasks/", tasks_views.list_index, name="tasklists"),
    path("tasks/new/", tasks_views.list_new, name="tasklist-new"),
    path("tasks/week/", tasks_views.my_week, name="tasks-week"),
    path("tasks/<int:pk>/", tasks_views.list_detail, name="tasklist"),
    path("tasks/<int:pk>/issue/", tasks_views.list_issue, name="tasklist-issue"),
    path("tasks/<int:pk>/copy/", tasks_views.list_copy, name="tasklist-copy"),
    path("tasks/<int:pk>/add/", tasks_views.task_new, name="task-new"),
    path("tasks/task/<int:pk>/edit/", tasks_views.task_edit, name="task-edit"),
    path("tasks/task/<int:pk>/remove/", tasks_views.task_remove, name="task-remove"),
    path("tasks/assignment/<int:pk>/", tasks_views.assignment_detail, name="assignment"),
    path("tasks/assignment/<int:pk>/photo/", tasks_views.assignment_photo, name="assignment-photo"),
    path("public/<str:code>/week/", tasks_views.public_week, name="public-town-week"),
]
