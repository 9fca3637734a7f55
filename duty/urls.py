from django.urls import path

from . import inspection_views, month_views, views, visit_views

app_name = "duty"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("village/<int:village_id>/", views.roster_open, name="open"),
    path("rosters/<int:pk>/", views.roster_detail, name="roster"),
    # The daily duty log (值班日记)
    path("today/", views.today, name="today"),
    path("logs/<int:pk>/", views.log_detail, name="log"),
    path("logs/photos/<int:pk>/", views.photo, name="photo"),
    path("checkin/<str:token>/", views.check_in, name="checkin"),
    path("board/", views.board, name="board"),
    path("month/", month_views.month, name="month"),
    path("flags/", views.flags, name="flags"),
    path("village/<int:village_id>/office-code/", views.office_code, name="office-code"),
    # Unannounced inspections (一周一暗访)
    path("inspections/", inspection_views.inspection_list, name="inspections"),
    path("inspections/new/", inspection_views.inspection_new, name="inspection-new"),
    path("inspections/<int:pk>/", inspection_views.inspection_detail, name="inspection"),
    path("inspections/<int:pk>/edit/", inspection_views.inspection_edit, name="inspection-edit"),
    path("inspections/photos/<int:pk>/", inspection_views.inspection_photo, name="inspection-photo"),
    # Household visits (行村制)
    path("visits/", visit_views.coverage, name="visits"),
    path("visits/grid/<int:grid_id>/", visit_views.grid_page, name="visits-grid"),
    path("visits/new/", visit_views.visit_new, name="visit-new"),
    path("visits/<int:pk>/", visit_views.visit_detail, name="visit"),
    path("visits/photos/<int:pk>/", visit_views.visit_photo, name="visit-photo"),
    # The public pages: no log-in, published rosters only, names and the duty phone.
    path("public/<str:code>/", views.public, name="public-village"),
    path("public/<str:code>/print/", views.public_print, name="public-village-print"),
]
