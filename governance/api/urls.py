from django.urls import include, path
from rest_framework.routers import DefaultRouter

from affairs.api.urls import router as affairs_router
from cases.api import public
from cases.api.urls import router as cases_router
from duty.api.urls import router as duty_router
from grids.api.urls import router as grids_router
from organisation.api.urls import router as organisation_router
from scoring.api.urls import router as scoring_router

from . import views

router = DefaultRouter()
router.registry.extend(grids_router.registry)
router.registry.extend(cases_router.registry)
router.registry.extend(duty_router.registry)
router.registry.extend(scoring_router.registry)
router.registry.extend(affairs_router.registry)
router.registry.extend(organisation_router.registry)
router.register("calendar/days", views.CalendarDayViewSet)
router.register("calendar/years", views.CalendarYearViewSet)
router.register("audit", views.AuditEntryViewSet)
router.register("memberships", views.MembershipViewSet)

urlpatterns = [
    path(
        "public/board/town/<str:code>/",
        public.BoardView.as_view(),
        {"scope": "town"},
        name="public-board-town",
    ),
    path(
        "public/board/village/<str:code>/",
        public.BoardView.as_view(),
        {"scope": "village"},
        name="public-board-village",
    ),
    path("public/track/<str:number>/", public.TrackView.as_view(), name="public-track"),
    path("calendar/deadline/", views.DeadlineView.as_view(), name="calendar-deadline"),
    path("me/", views.MeView.as_view(), name="me"),
    path("", include(router.urls)),
]
