"""The public board and tracking: open without login, throttled, no personal data."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from grids.models import Town, Village

from .. import services, transitions
from ..selectors import board_cases, case_by_tracking_number, holder_name, public_events, short
from .serializers import RateSerializer


class BoardCaseSerializer(serializers.Serializer):
    tracking_number = serializers.CharField()
    reported_at = serializers.DateTimeField(source="created_at")
    village = serializers.CharField(source="village.name")
    kind = serializers.CharField(source="kind.name")
    description = serializers.SerializerMethodField()
    held_by = serializers.SerializerMethodField()
    deadline = serializers.DateTimeField()
    state = serializers.CharField()
    state_display = serializers.CharField(source="get_state_display")
    is_closed = serializers.SerializerMethodField()
    is_overdue = serializers.SerializerMethodField()

    def get_description(self, obj) -> str:
        return short(obj.description)

    def get_held_by(self, obj) -> str:
        return holder_name(obj)

    def get_is_closed(self, obj) -> bool:
        return obj.state == "closed"

    def get_is_overdue(self, obj) -> bool:
        return obj.is_overdue


class PublicEventSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    move = serializers.CharField()
    move_display = serializers.CharField(source="get_move_display")
    to_state = serializers.CharField()


class TrackSerializer(BoardCaseSerializer):
    events = serializers.SerializerMethodField()
    can_rate = serializers.SerializerMethodField()
    satisfaction = serializers.CharField()

    def get_events(self, obj) -> list[dict]:
        return PublicEventSerializer(public_events(obj), many=True).data

    def get_can_rate(self, obj) -> bool:
        return transitions.can_be_rated(obj)


class PublicView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [AnonRateThrottle]


class BoardView(PublicView):
    """The public board of a town or village (by code): open problems and those crossed
    off in the last month."""

    @extend_schema(responses=BoardCaseSerializer(many=True))
    def get(self, request, scope: str, code: str):
        area = get_object_or_404(Town if scope == "town" else Village, code=code, deleted_at__isnull=True)
        filters = {"town_id": area.pk} if scope == "town" else {"village_id": area.pk}
        cases = list(board_cases(**filters)[:500])
        return Response(
            {"area": area.name, "code": area.code, "cases": BoardCaseSerializer(cases, many=True).data}
        )


class TrackView(PublicView):
    """A case's progress by its tracking number; POST rates the result."""

    @extend_schema(responses=TrackSerializer)
    def get(self, request, number: str):
        case = case_by_tracking_number(number)
        if case is None:
            return Response(
                {"detail": _("No case with this tracking number.")}, status=status.HTTP_404_NOT_FOUND
            )
        return Response(TrackSerializer(case).data)

    @extend_schema(request=RateSerializer, responses=TrackSerializer)
    def post(self, request, number: str):
        case = case_by_tracking_number(number)
        if case is None:
            return Response(
                {"detail": _("No case with this tracking number.")}, status=status.HTTP_404_NOT_FOUND
            )
        params = RateSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        services.case_rate(case=case, **params.validated_data)
        return Response(TrackSerializer(case_by_tracking_number(number)).data)
