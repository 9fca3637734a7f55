from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.permissions import AllowAny

from cases import lists as case_lists
from cases import views as case_views

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("cases/", include("cases.urls")),
    # Rosters; their public page (/duty/public/<village code>/) needs no log-in.
    path("duty/", include("duty.urls")),
    path("scoring/", include("scoring.urls")),
    path("affairs/", include("affairs.urls")),
    path("organisation/", include("organisation.urls")),
    path("open311/v2/", include("cases.open311_urls")),
    path("board/town/<str:code>/", case_lists.board, {"scope": "town"}, name="board-town"),
    path("board/village/<str:code>/", case_lists.board, {"scope": "village"}, name="board-village"),
    path("board/town/<str:code>/print/", case_lists.board_print, {"scope": "town"}, name="board-town-print"),
    path(
        "board/village/<str:code>/print/",
        case_lists.board_print,
        {"scope": "village"},
        name="board-village-print",
    ),
    path("areas/", include("grids.urls")),
    path("photos/<int:pk>/", case_views.public_photo, name="public-photo"),
    path("track/", case_views.track, name="track-search"),
    path("track/<str:number>/", case_views.track, name="track"),
    path("api/v1/", include("governance.api.urls")),
    # The schema and its docs describe the API, not its data: open to all.
    path("api/schema/", SpectacularAPIView.as_view(permission_classes=[AllowAny]), name="schema"),
    path(
        "api/docs/",
        SpectacularSwaggerView.as_view(url_name="schema", permission_classes=[AllowAny]),
        name="api-docs",
    ),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
