from rest_framework.routers import DefaultRouter

router = DefaultRouter()

from . import ranking  # noqa: E402

router.register("scoring/weights", ranking.WeightViewSet)
router.register("scoring/snapshots", ranking.SnapshotViewSet)
router.register("scoring/snapshot-rows", ranking.SnapshotRowViewSet)

from . import points  # noqa: E402

router.register("scoring/ledger", points.LedgerViewSet, basename="scoring-ledger")
router.register("scoring/rules", points.RuleViewSet)
router.register("scoring/theme-days", points.ThemeDayViewSet)
router.register("scoring/bars", points.BarViewSet)
router.register("scoring/rectifications", points.RectificationViewSet)

from . import assessment, redlist  # noqa: E402

router.register("scoring/assessments", assessment.AssessmentViewSet)
router.register("scoring/redlist", redlist.RedListViewSet)

from . import bulletin  # noqa: E402

router.register("scoring/bulletins", bulletin.BulletinViewSet)
