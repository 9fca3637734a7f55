from rest_framework.routers import DefaultRouter

router = DefaultRouter()

from . import ranking  # noqa: E402

router.register("scoring/weights", ranking.WeightViewSet)
router.register("scoring/snapshots", ranking.SnapshotViewSet)
router.register("scoring/snapshot-rows", ranking.SnapshotRowViewSet)
