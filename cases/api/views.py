from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from governance.api.permissions import ScopedPermission
from governance.api.viewsets import ScopedQuerysetMixin
from governance.scoping import VIEW, can, restrict

from .. import services
from ..filters import CaseFilter
from ..models import Case, CaseKind
from . import serializers as s


def conflict(exc: services.MoveNotAllowed) -> Response:
    return Response(
        {
            "detail": _("This move is not allowed now."),
            "move": exc.move,
            "state": exc.case.state,
            "allowed_moves": exc.allowed,
        },
        status=status.HTTP_409_CONFLICT,
    )


class CasePermission(ScopedPermission):
    """Reporting a case and making a move need only sight of cases: who may report where
    is the serializer's scoped choice of village and grid, and which move who may make is
    cases.transitions."""

    def has_permission(self, request, view):
        if view.action in ("create", "move"):
            return bool(request.user and request.user.is_authenticated) and can(request.user, VIEW, Case)
        return super().has_permission(request, view)

    def has_object_permission(self, request, view, obj):
        return view.action == "move" or super().has_object_permission(request, view, obj)


class CaseKindViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    queryset = CaseKind.objects.filter(is_active=True)
    serializer_class = s.CaseKindSerializer
    filterset_fields = ["town", "is_four_reports", "code"]


class CaseViewSet(
    ScopedQuerysetMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Cases: report (POST), list and filter, see one with its timeline, make a move."""

    queryset = Case.objects.select_related("kind", "village", "department", "claimed_by")
    serializer_class = s.CaseSerializer
    permission_classes = [CasePermission]
    filterset_class = CaseFilter
    ordering_fields = ["created_at", "deadline", "updated_at"]

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "retrieve":
            queryset = queryset.prefetch_related("events__actor", "periods")
        return queryset

    def get_serializer_class(self):
        return s.CaseDetailSerializer if self.action == "retrieve" else s.CaseSerializer

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        on_spot = data.pop("solved_on_spot", False)
        solution = data.pop("solution", "")
        serializer.instance = services.case_report(
            actor=self.request.user,
            data=data,
            solved_on_spot=on_spot,
            solution=solution,
            attachments=self.request.FILES.getlist("photos"),
        )

    @extend_schema(request=s.MoveSerializer, responses=s.CaseDetailSerializer)
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        """Make one move of the state machine; 409 with the allowed moves if it is not
        allowed now (also when someone else moved the case first)."""
        case = self.get_object()
        params = s.MoveSerializer(data=request.data)
        params.fields["department"].queryset = restrict(params.fields["department"].queryset, request.user)
        params.is_valid(raise_exception=True)
        try:
            services.case_move(
                case=case,
                move=params.validated_data["move"],
                actor=request.user,
                note=params.validated_data["note"],
                department=params.validated_data.get("department"),
                attachments=request.FILES.getlist("photos"),
            )
        except services.MoveNotAllowed as exc:
            return conflict(exc)
        case = self.get_queryset().prefetch_related("events__actor", "periods").get(pk=case.pk)
        return Response(s.CaseDetailSerializer(case, context=self.get_serializer_context()).data)
