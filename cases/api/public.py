"""The public board and tracking: open without login, no personal data. Rating needs the
reporter's rating code."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from governance.api.throttles import PublicThrottle
from grids.models import Town, Village

from .. import services
from ..choices import Satisfaction
from ..selectors import awaits_rating, board_page, case_by_tracking_number, holder_name, public_events, short
from .serializers import RateSerializer


class BoardCaseSerializer(serializers.Serializer):
    tracking_number = serializers.CharField()
    reported_at = serializers.DateTimeField(source="created_at")
    village = serializers.CharField(source="village.name")
    kind = serializers.CharField(source="kind.name")
    description = serializers.SerializerMethodField()
    held_by = serializers.SerializerMethodField()
    deadline = serializers.DateTimeField(allow_null=True)
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


class BoardPageSerializer(serializers.Serializer):
    """One page of a board: the area, the total, where the other pages are, the rows."""

    area = serializers.CharField()
    code = serializers.CharField()
    count = serializers.IntegerField(help_text="cases on the board, all pages")
    page = serializers.IntegerField()
    pages = serializers.IntegerField()
    page_size = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    cases = BoardCaseSerializer(many=True)


class PublicEventSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    move = serializers.CharField()
    move_display = serializers.CharField(source="get_move_display")
    to_state = serializers.CharField()


class TrackSerializer(BoardCaseSerializer):
    events = serializers.SerializerMethodField()
    can_rate = serializers.SerializerMethodField(
        help_text="The result awaits the reporter's rating (POST with the rating code)."
    )
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices, allow_blank=True)

    @extend_schema_field(PublicEventSerializer(many=True))
    def get_events(self, obj):
        return PublicEventSerializer(public_events(obj), many=True).data

    def get_can_rate(self, obj) -> bool:
        return awaits_rating(obj)


class PublicView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [PublicThrottle]


def _not_found():
    return Response({"detail": _("No case with this tracking number.")}, status=status.HTTP_404_NOT_FOUND)


class BoardView(PublicView):
    """The public board of a town or village (by code): open problems and those crossed
    off in the last month, newest first, 50 a page (``?page=``)."""

    @extend_schema(responses=BoardPageSerializer)
    def get(self, request, scope: str, code: str):
        area = (
            (Town if scope == "town" else Village).objects.filter(code=code, deleted_at__isnull=True).first()
        )
        if area is None:
            return Response({"detail": _("No such town or village.")}, status=status.HTTP_404_NOT_FOUND)
        page = board_page(scope=scope, area_id=area.pk, number=request.query_params.get("page"))

        def link(number):
            if number is None:
                return None
            query = request.GET.copy()
            query["page"] = number
            return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")

        data = {
            "area": area.name,
            "code": area.code,
            "count": page.paginator.count,
            "page": page.number,
            "pages": page.paginator.num_pages,
            "page_size": page.paginator.per_page,
            "next": link(page.next_page_number() if page.has_next() else None),
            "previous": link(page.previous_page_number() if page.has_previous() else None),
            "cases": BoardCaseSerializer(page.object_list, many=True).data,
        }
        return Response(data)


class TrackView(PublicView):
    """A case's progress by its tracking number; POST rates the result, with the
    reporter's rating code (from the receipt or the request to rate)."""

    @extend_schema(responses=TrackSerializer)
    def get(self, request, number: str):
        case = case_by_tracking_number(number)
        if case is None:
            return _not_found()
        return Response(TrackSerializer(case).data)

    @extend_schema(request=RateSerializer, responses=TrackSerializer)
    def post(self, request, number: str):
        case = case_by_tracking_number(number)
        if case is None:
            return _not_found()
        params = RateSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        try:
            services.case_rate_with_code(case=case, **params.validated_data)
        except services.WrongRatingCode as exc:
            return Response(exc.message_dict, status=status.HTTP_403_FORBIDDEN)
        return Response(TrackSerializer(case_by_tracking_number(number)).data)
