from rest_framework.routers import DefaultRouter

router = DefaultRouter()

from . import matters  # noqa: E402  (四议一审两公开)

router.register("affairs/matters", matters.MatterViewSet)

from . import disclosures  # noqa: E402  (阳光三务)

router.register("affairs/disclosures", disclosures.DisclosureViewSet)

from . import council  # noqa: E402  (村民议事厅, 评理说事)

router.register("affairs/topics", council.TopicViewSet)
router.register("affairs/meetings", council.MeetingViewSet)
router.register("affairs/council-members", council.MemberViewSet)
router.register("affairs/hearings", council.HearingViewSet)
