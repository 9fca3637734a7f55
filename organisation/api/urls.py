from rest_framework.routers import DefaultRouter

router = DefaultRouter()

from . import responsibility  # noqa: E402  (三包, 十户一员, 三长五员)

router.register("organisation/responsibilities", responsibility.ResponsibilityViewSet)
router.register("organisation/informant-groups", responsibility.InformantGroupViewSet)
router.register("organisation/informants", responsibility.InformantViewSet)
router.register("organisation/service-posts", responsibility.ServicePostViewSet)
