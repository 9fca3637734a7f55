from rest_framework.routers import DefaultRouter

router = DefaultRouter()

from . import matters  # noqa: E402  (四议一审两公开)

router.register("affairs/matters", matters.MatterViewSet)

from . import disclosures  # noqa: E402  (阳光三务)

router.register("affairs/disclosures", disclosures.DisclosureViewSet)
