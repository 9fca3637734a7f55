"""Party-member points in the API: the ledger (manual entries, reversals, CSV or Excel),
the rules with their versions, theme party days with attendance, the yearly bars and
rectifications. Scoped like the pages: a member reads their own ledger, a village's
cadres their village's members', the town office and supervisors their town's."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from governance.api.permissions import ScopedPermission
from governance.api.serializers import ChoiceDisplayField, ScopedModelSerializer
from governance.api.viewsets import ScopedQuerysetMixin
from governance.scoping import CHANGE
from governance.sheets import FORMATS
from grids.models import PartyMember

from .. import points
from ..models import Attendance, PointEntry, PointRule, PointsBar, Rectification, ThemeDay
from ..points_filters import BarFilter, LedgerFilter, RectificationFilter, RuleFilter, ThemeDayFilter
from ..points_views import ledger_file

# ---------------------------------------------------------------------------------------
# Ledger
# ---------------------------------------------------------------------------------------


class EntrySerializer(ScopedModelSerializer):
    """A ledger entry; on a create (a manual entry) ``points`` may be left out: the rule's."""

    member_name = serializers.StringRelatedField(source="member", read_only=True)
    branch = serializers.IntegerField(source="member.branch_id", read_only=True)
    village_name = serializers.CharField(source="village.name", read_only=True)
    rule_name = serializers.CharField(source="rule.name", read_only=True)
    source_display = ChoiceDisplayField(source="source")
    points = serializers.IntegerField(
        min_value=points.POINTS_MIN, max_value=points.POINTS_MAX, required=False, allow_null=True
    )
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True)
    recorded_by_name = serializers.StringRelatedField(source="recorded_by", allow_null=True, read_only=True)
    reverses = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = PointEntry
        fields = [
            "id",
            "town",
            "village",
            "village_name",
            "member",
            "member_name",
            "branch",
            "rule",
            "rule_code",
            "rule_name",
            "points",
            "date",
            "source",
            "source_display",
            "source_key",
            "reason",
            "recorded_by",
            "recorded_by_name",
            "reverses",
            "created_at",
        ]
        read_only_fields = [
            "town",
            "village",
            "rule_code",
            "source",
            "source_key",
            "recorded_by",
            "created_at",
        ]


class MayRecord(ScopedPermission):
    """A manual entry is the town office's only (the ledger's own policy lets only the
    office change it; a village cadre reads it)."""

    def has_permission(self, request, view):
        if view.action == "create":
            return bool(request.user and request.user.is_authenticated) and (
                points.ledger_members_writable_by(request.user).exists()
            )
        return super().has_permission(request, view)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, allow_blank=True)


class LedgerViewSet(
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """The points ledger (党员积分). Entries are never changed: a correction is a reversal
    (``POST {id}/reverse/``, the town office). A create is a manual entry (rules of source
    manual or volunteering): the town office for its town's members, a village's cadres for
    their village's. Filter by town, village, branch, member, year and source; ``export/``
    gives the filtered ledger as CSV or Excel."""

    queryset = PointEntry.objects.select_related(
        "member__resident", "member__branch", "rule", "village", "recorded_by"
    )
    serializer_class = EntrySerializer
    filterset_class = LedgerFilter
    permission_classes = [MayRecord]
    ordering_fields = ["date", "points", "created_at"]

    def get_queryset(self):
        return super().get_queryset().order_by("-date", "-id")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = points.entry_record(
            member=data["member"],
            rule=data["rule"],
            date=data.get("date"),
            reason=data.get("reason", ""),
            points=data.get("points"),
            actor=self.request.user,
        )

    @extend_schema(request=ReasonSerializer, responses={201: EntrySerializer})
    @action(detail=True, methods=["post"])
    def reverse(self, request, pk=None):
        """Reverse the entry: a new entry with the opposite points and a reason."""
        entry = get_object_or_404(points.entries_for_user(request.user, CHANGE), pk=pk)
        body = ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        reversal = points.entry_reverse(entry=entry, reason=body.validated_data["reason"], actor=request.user)
        fresh = self.get_queryset().get(pk=reversal.pk)
        return Response(self.get_serializer(fresh).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[OpenApiParameter("file_format", str, enum=list(FORMATS), default="csv")],
        responses={(200, "text/csv"): OpenApiTypes.BINARY},
    )
    @action(detail=False, methods=["get"])
    def export(self, request, format=None):
        """The filtered ledger as CSV or Excel (cells that look like formulas are text)."""
        fmt = request.query_params.get("file_format", "csv")
        if fmt not in FORMATS:
            raise ValidationError({"file_format": [_("Choose csv or xlsx.")]})
        queryset = self.filter_queryset(self.get_queryset())
        filters = {k: v for k, v in request.query_params.items() if k != "file_format"}
        body = ledger_file(queryset=queryset, fmt=fmt, actor=request.user, filters=filters)
        response = HttpResponse(body, content_type=FORMATS[fmt])
        response["Content-Disposition"] = f'attachment; filename="points.{fmt}"'
        return response


# ---------------------------------------------------------------------------------------
# Rules
# ---------------------------------------------------------------------------------------


class RuleSerializer(ScopedModelSerializer):
    """One version of a rule (a rule is its town and code)."""

    source_display = ChoiceDisplayField(source="source")
    cap_period_display = ChoiceDisplayField(source="cap_period")
    cap = serializers.IntegerField(min_value=1, max_value=1000, required=False, allow_null=True)
    valid_until = serializers.DateField(read_only=True, allow_null=True)

    class Meta:
        model = PointRule
        fields = [
            "id",
            "town",
            "code",
            "name",
            "source",
            "source_display",
            "points",
            "cap",
            "cap_period",
            "cap_period_display",
            "valid_from",
            "valid_until",
            "created_at",
        ]
        read_only_fields = ["created_at"]


class VersionSerializer(serializers.Serializer):
    valid_from = serializers.DateField()
    name = serializers.CharField(max_length=64, required=False)
    points = serializers.IntegerField(
        min_value=points.POINTS_MIN, max_value=points.POINTS_MAX, required=False
    )
    cap = serializers.IntegerField(min_value=1, max_value=1000, required=False, allow_null=True, default=None)
    cap_period = serializers.ChoiceField(
        choices=PointRule._meta.get_field("cap_period").choices, required=False
    )


class RuleViewSet(
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Point rules, every version (``current=true``: the versions in force now or later).
    The town office creates a rule and changes one by a new version from a date
    (``POST {id}/versions/``): the version before ends the day before; an old version is
    never edited, so what was earned under it stays as it was."""

    queryset = PointRule.objects.all()
    serializer_class = RuleSerializer
    filterset_class = RuleFilter
    ordering_fields = ["code", "valid_from"]

    def get_queryset(self):
        return super().get_queryset().order_by("town_id", "code", "-valid_from")

    def perform_create(self, serializer):
        serializer.instance = points.rule_create(actor=self.request.user, **serializer.validated_data)

    @extend_schema(request=VersionSerializer, responses={201: RuleSerializer})
    @action(detail=True, methods=["post"])
    def versions(self, request, pk=None):
        """A new version of the rule from ``valid_from``."""
        rule = get_object_or_404(points.rules_for_user(request.user, CHANGE), pk=pk)
        body = VersionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        new = points.rule_new_version(rule=rule, actor=request.user, **body.validated_data)
        return Response(self.get_serializer(new).data, status=status.HTTP_201_CREATED)


# ---------------------------------------------------------------------------------------
# Theme party days
# ---------------------------------------------------------------------------------------


class _ScopedMemberField(serializers.PrimaryKeyRelatedField):
    """A party member the requesting user may see: one out of scope answers like an
    unknown id."""

    def get_queryset(self):
        request = self.context.get("request")
        if request is None:
            return PartyMember.objects.none()
        return points.members_for_user(request.user)


class AttendanceSerializer(serializers.ModelSerializer):
    member = _ScopedMemberField(queryset=PartyMember.objects.none())
    member_name = serializers.StringRelatedField(source="member", read_only=True)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    class Meta:
        model = Attendance
        fields = ["member", "member_name", "present", "note"]


class ThemeDaySerializer(ScopedModelSerializer):
    """A theme party day (主题党日) with each member of the branch present or absent (those
    left out of ``attendance`` are absent). The date and branch are fixed once recorded."""

    branch_name = serializers.CharField(source="branch.name", read_only=True)
    village_name = serializers.CharField(source="village.name", read_only=True)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    attendance = AttendanceSerializer(many=True, required=False)

    class Meta:
        model = ThemeDay
        fields = [
            "id",
            "town",
            "village",
            "village_name",
            "branch",
            "branch_name",
            "date",
            "topics",
            "note",
            "attendance",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            fields["branch"].read_only = True
            fields["date"].read_only = True
        return fields


def _attendance(rows) -> dict:
    return {row["member"].pk: (row["present"], row.get("note", "")) for row in rows or ()}


class ThemeDayViewSet(
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Theme party days with their attendance: a village's cadres (the branch) or the town
    office record them; attendance earns points through the daily collection. A member
    marked absent afterwards loses the day's points by a reversing entry."""

    queryset = ThemeDay.objects.filter(deleted_at__isnull=True).select_related("branch", "village")
    serializer_class = ThemeDaySerializer
    filterset_class = ThemeDayFilter
    ordering_fields = ["date"]

    def get_queryset(self):
        qs = super().get_queryset().order_by("-date", "branch_id")
        return qs.prefetch_related("attendance__member__resident")

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = points.theme_day_record(
            branch=data["branch"],
            date=data["date"],
            topics=data["topics"],
            note=data.get("note", ""),
            attendance=_attendance(data.get("attendance")),
            actor=self.request.user,
        )

    def perform_update(self, serializer):
        day = serializer.instance
        data = serializer.validated_data
        if "attendance" in data:
            attendance = _attendance(data["attendance"])
        else:
            attendance = {a.member_id: (a.present, a.note) for a in day.attendance.all()}
        points.theme_day_update(
            day=day,
            topics=data.get("topics", day.topics),
            note=data.get("note", day.note),
            attendance=attendance,
            actor=self.request.user,
        )
        serializer.instance = self.get_queryset().get(pk=day.pk)


# ---------------------------------------------------------------------------------------
# Bars and rectifications
# ---------------------------------------------------------------------------------------


class BarSerializer(ScopedModelSerializer):
    class Meta:
        model = PointsBar
        fields = ["id", "town", "year", "minimum", "updated_at"]
        read_only_fields = ["updated_at"]


class BarViewSet(
    ScopedQuerysetMixin, mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """The yearly points bar of each town: members below it are listed for rectification.
    The town office sets it (a create for a town and year already set changes it)."""

    queryset = PointsBar.objects.all()
    serializer_class = BarSerializer
    filterset_class = BarFilter

    def get_queryset(self):
        return super().get_queryset().order_by("-year", "town_id")

    def perform_create(self, serializer):
        serializer.instance = points.bar_set(actor=self.request.user, **serializer.validated_data)


class RectificationSerializer(ScopedModelSerializer):
    member_name = serializers.StringRelatedField(source="member", read_only=True)
    done_on = serializers.DateField(required=False, allow_null=True)
    result = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")

    class Meta:
        model = Rectification
        fields = [
            "id",
            "town",
            "village",
            "member",
            "member_name",
            "year",
            "points",
            "plan",
            "done_on",
            "result",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["town", "village", "points", "created_at", "updated_at"]

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list | tuple):
            fields["member"].read_only = True
            fields["year"].read_only = True
        return fields


class RectificationViewSet(
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Rectifications (整改) of members below the bar: the town office or the member's
    village's cadres record the plan, then when it was done and the result."""

    queryset = Rectification.objects.filter(deleted_at__isnull=True).select_related("member__resident")
    serializer_class = RectificationSerializer
    filterset_class = RectificationFilter

    def get_queryset(self):
        return super().get_queryset().order_by("-year", "member_id")

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = points.rectification_record(
            member=data["member"], year=data["year"], plan=data["plan"], actor=self.request.user
        )

    def perform_update(self, serializer):
        rect, data = serializer.instance, serializer.validated_data
        serializer.instance = points.rectification_update(
            rectification=rect,
            plan=data.get("plan", rect.plan),
            done_on=data.get("done_on", rect.done_on),
            result=data.get("result", rect.result),
            actor=self.request.user,
        )
