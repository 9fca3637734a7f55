from rest_framework.routers import DefaultRouter

from . import inspections, views, visits

router = DefaultRouter()
router.register("duty/rosters", views.RosterViewSet)
router.register("duty/shifts", views.ShiftViewSet)
router.register("duty/amendments", views.AmendmentViewSet)
router.register("duty/settings", views.DutySettingsViewSet)
router.register("duty/logs", views.DutyLogViewSet)
router.register("duty/log-amendments", views.LogAmendmentViewSet)
router.register("duty/flags", views.DutyFlagViewSet)
router.register("duty/visits", visits.VisitViewSet)
router.register("duty/three-musts", visits.ThreeMustViewSet)
router.register("duty/coverage", visits.CoverageViewSet, basename="duty-coverage")
router.register("duty/inspections", inspections.InspectionViewSet)
