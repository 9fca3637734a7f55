from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("towns", views.TownViewSet)
router.register("villages", views.VillageViewSet)
router.register("grids", views.GridViewSet)
router.register("departments", views.DepartmentViewSet)
router.register("households", views.HouseholdViewSet)
router.register("residents", views.ResidentViewSet)
router.register("party-branches", views.PartyBranchViewSet)
router.register("party-members", views.PartyMemberViewSet)

urlpatterns = router.urls
