from rest_framework.routers import DefaultRouter

router = DefaultRouter()

from . import responsibility  # noqa: E402  (三包, 十户一员, 三长五员)

router.register("organisation/responsibilities", responsibility.ResponsibilityViewSet)
router.register("organisation/informant-groups", responsibility.InformantGroupViewSet)
router.register("organisation/informants", responsibility.InformantViewSet)
router.register("organisation/service-posts", responsibility.ServicePostViewSet)

from . import officers  # noqa: E402  (officers sent in: 平安书记, 第一书记)

router.register("organisation/officers", officers.OfficerViewSet)
router.register("organisation/postings", officers.PostingViewSet)
router.register("organisation/officer-activities", officers.ActivityViewSet)
router.register("organisation/night-visits", officers.NightVisitViewSet)
router.register("organisation/night-visit-matters", officers.NightVisitMatterViewSet)
router.register("organisation/officer-assessments", officers.AssessmentViewSet)

from . import secretaries  # noqa: E402  (secretaries' files, commitments, reviews: 先锋书记, 承诺述职评议考核)

router.register("organisation/secretary-files", secretaries.SecretaryFileViewSet)
router.register("organisation/commitments", secretaries.CommitmentViewSet)
router.register("organisation/reviews", secretaries.ReviewViewSet)

from . import tasks  # noqa: E402  (the weekly task list, 周清单)

router.register("organisation/task-lists", tasks.TaskListViewSet)
router.register("organisation/tasks", tasks.TaskViewSet)
router.register("organisation/task-assignments", tasks.AssignmentViewSet)
