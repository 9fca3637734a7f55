import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import workdays
from ..filters import IntegerFilter
from ..models import AuditEntry, CalendarDay, CalendarYear, Membership
from ..scoping import resolve_scope
from .serializers import ChoiceDisplayField, ScopedModelSerializer
from .viewsets import ScopedModelViewSet, ScopedReadOnlyViewSet

NATIONWIDE_SUPERUSER_ONLY = _(
    "Nationwide days move every town's deadlines and are changed by a superuser only; choose your town."
)


class DeadlineQuerySerializer(serializers.Serializer):
    start = serializers.DateTimeField(label=_("start"))
    working_days = serializers.IntegerField(
        min_value=0, max_value=workdays.MAX_WORKING_DAYS, label=_("working days")
    )
    town = serializers.IntegerField(required=False, label=_("town (for its local closures)"))


class DeadlineSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    working_days = serializers.IntegerField()
    deadline = serializers.DateTimeField()
    working_dates = serializers.ListField(child=serializers.DateField())
    warnings = serializers.ListField(child=serializers.CharField())
    provisional_years = serializers.ListField(
        child=serializers.IntegerField(),
        help_text=_(
            "Years counted without their official schedule, on the statutory holidays alone: the "
            "deadline may move once the schedule is entered."
        ),
    )
    calendar_covered_until = serializers.IntegerField(allow_null=True)


class DeadlineView(APIView):
    """The end (23:59:59 Asia/Shanghai) of the n-th working day after the start's day, on
    the official PRC calendar (weekends and holidays off, make-up days on)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=[DeadlineQuerySerializer], responses=DeadlineSerializer)
    def get(self, request):
        params = DeadlineQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        town_id = params.validated_data.get("town")
        if (
            town_id is not None
            and town_id not in resolve_scope(request.user).ids("town")
            and not request.user.is_superuser
        ):
            raise serializers.ValidationError({"town": [_("Not one of your towns.")]})
        try:
            result = workdays.deadline(
                params.validated_data["start"], params.validated_data["working_days"], town_id=town_id
            )
        except workdays.OutOfRange as exc:
            raise serializers.ValidationError({"start": [str(exc)]}) from exc
        data = {
            "start": result.start,
            "working_days": result.working_days,
            "deadline": result.at,
            "working_dates": result.days,
            "warnings": result.warnings,
            "provisional_years": result.provisional_years,
            "calendar_covered_until": workdays.last_covered_year(),
        }
        return Response(DeadlineSerializer(data).data)


class CalendarDaySerializer(ScopedModelSerializer):
    kind_display = ChoiceDisplayField(source="kind")

    class Meta:
        model = CalendarDay
        fields = ["id", "date", "is_workday", "kind", "kind_display", "name", "town"]

    def validate(self, attrs):
        attrs = super().validate(attrs)
        request = self.context.get("request")
        town = attrs["town"] if "town" in attrs else getattr(self.instance, "town", None)
        if town is None and request is not None and not request.user.is_superuser:
            raise serializers.ValidationError({"town": [NATIONWIDE_SUPERUSER_ONLY]})
        return attrs


class CalendarDayFilter(django_filters.FilterSet):
    year = IntegerFilter(field_name="date__year", min_value=1, max_value=9999, label=_("year"))
    national = django_filters.BooleanFilter(field_name="town", lookup_expr="isnull")

    class Meta:
        model = CalendarDay
        fields = ["town", "kind", "is_workday"]


class CalendarDayViewSet(ScopedModelViewSet):
    """Holidays, make-up working days, local closures and corrections."""

    queryset = CalendarDay.objects.all()
    serializer_class = CalendarDaySerializer
    filterset_class = CalendarDayFilter
    ordering_fields = ["date"]


class CalendarYearSerializer(serializers.ModelSerializer):
    class Meta:
        model = CalendarYear
        fields = ["year", "source", "note", "loaded_at"]


class CalendarYearViewSet(ScopedReadOnlyViewSet):
    """Years whose official schedule is in the calendar."""

    queryset = CalendarYear.objects.all()
    permission_classes = [IsAuthenticated]
    serializer_class = CalendarYearSerializer
    pagination_class = None


class AuditEntrySerializer(serializers.ModelSerializer):
    actor = serializers.StringRelatedField(allow_null=True)  # null: a change no user made (a command)
    object_type = serializers.CharField(source="content_type.model")
    action_display = ChoiceDisplayField(source="action")

    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "at",
            "actor",
            "action",
            "action_display",
            "object_type",
            "object_id",
            "object_repr",
            "changes",
            "town",
            "request_id",
        ]


class AuditEntryFilter(django_filters.FilterSet):
    object_type = django_filters.CharFilter(field_name="content_type__model")
    since = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="gte")

    class Meta:
        model = AuditEntry
        fields = ["town", "action", "object_id", "actor"]


class AuditEntryViewSet(ScopedReadOnlyViewSet):
    queryset = AuditEntry.objects.select_related("actor", "content_type")
    serializer_class = AuditEntrySerializer
    filterset_class = AuditEntryFilter


class MembershipSerializer(serializers.ModelSerializer):
    role_display = ChoiceDisplayField(source="role")
    area = serializers.StringRelatedField()
    user = serializers.StringRelatedField()

    class Meta:
        model = Membership
        fields = [
            "id",
            "user",
            "role",
            "role_display",
            "town",
            "village",
            "grid",
            "department",
            "party_member",
            "area",
        ]


class MembershipViewSet(ScopedReadOnlyViewSet):
    queryset = Membership.objects.select_related(
        "user", "town", "village", "grid", "department", "party_member__resident"
    )
    serializer_class = MembershipSerializer
    filterset_fields = ["role", "user"]


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField()
    roles = serializers.ListField(child=serializers.CharField())
    towns = serializers.ListField(child=serializers.IntegerField())
    villages = serializers.ListField(child=serializers.IntegerField())
    grids = serializers.ListField(child=serializers.IntegerField())
    departments = serializers.ListField(child=serializers.IntegerField())


class MeView(APIView):
    """Who you are and what you can reach: for clients deciding what to show."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        scope = resolve_scope(request.user)
        data = {
            "username": request.user.username,
            "name": str(request.user),
            "roles": sorted(scope.roles),
            "towns": sorted(scope.ids("town")),
            "villages": sorted(scope.ids("village")),
            "grids": sorted(scope.ids("grid")),
            "departments": sorted(scope.ids("department")),
        }
        return Response(MeSerializer(data).data)
