from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from governance.api.serializers import ChoiceDisplayField, ScopedModelSerializer
from governance.choices import Role
from governance.models import User
from governance.scoping import restrict
from grids.models import Village

from ..models import (
    Amendment,
    DutyFlag,
    DutyLog,
    DutySettings,
    ElderlyHelp,
    Errand,
    LogAmendment,
    PatrolFinding,
    PolicyTalk,
    Roster,
    Shift,
    SpotCheck,
    Visit,
)


def cadre_choices(user):
    """The people an API user may name on a roster: the cadres of the villages they see
    (whether one is a cadre of *this* roster's village is the service's check)."""
    villages = restrict(Village.objects.all(), user).values("pk")
    return User.objects.filter(
        is_active=True,
        memberships__role=Role.VILLAGE_CADRE,
        memberships__village__in=villages,
        memberships__deleted_at__isnull=True,
    ).distinct()


@extend_schema_field(OpenApiTypes.INT)
class CadreField(serializers.PrimaryKeyRelatedField):
    default_error_messages = {
        "does_not_exist": _("Not a village cadre you may put on duty (id {pk_value})."),
    }

    def to_representation(self, value):
        return getattr(value, "pk", value)  # a roster's days carry the ids themselves

    def get_queryset(self):
        request = self.context.get("request")
        return cadre_choices(request.user) if request else User.objects.none()


class ShiftSerializer(serializers.ModelSerializer):
    person_name = serializers.StringRelatedField(source="person")
    position_display = ChoiceDisplayField(source="position")

    class Meta:
        model = Shift
        fields = ["id", "roster", "date", "person", "person_name", "position", "position_display"]
        read_only_fields = fields


class DaySerializer(serializers.Serializer):
    """One day of a roster: who is on duty, and the second person (null: nobody)."""

    date = serializers.DateField()
    cadre = CadreField(allow_null=True)
    cadre_name = serializers.CharField(read_only=True)
    second = CadreField(allow_null=True, required=False, default=None)
    second_name = serializers.CharField(read_only=True)


def roster_days(roster) -> list[dict]:
    shifts = getattr(roster, "live_shifts", None)
    if shifts is None:
        shifts = roster.shifts.filter(deleted_at__isnull=True).select_related("person")
    days: dict = {}
    for shift in shifts:
        day = days.setdefault(
            shift.date,
            {"date": shift.date, "cadre": None, "cadre_name": "", "second": None, "second_name": ""},
        )
        key = "cadre" if shift.position == "lead" else "second"
        day[key], day[f"{key}_name"] = shift.person_id, str(shift.person)
    return [days[d] for d in sorted(days)]


class RosterSerializer(ScopedModelSerializer):
    village_name = serializers.CharField(source="village.name", read_only=True)
    town = serializers.IntegerField(source="village.town_id", read_only=True)
    state_display = ChoiceDisplayField(source="state")
    published_by_name = serializers.StringRelatedField(source="published_by", allow_null=True)
    days = serializers.SerializerMethodField()
    month = serializers.DateField(
        help_text=_("the month's first day (any day of the month is taken as its month)")
    )

    class Meta:
        model = Roster
        fields = [
            "id",
            "town",
            "village",
            "village_name",
            "month",
            "duty_phone",
            "state",
            "state_display",
            "published_at",
            "published_by",
            "published_by_name",
            "days",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["state", "published_at", "published_by", "created_at", "updated_at"]

    def get_days(self, obj) -> list[dict]:
        return DaySerializer(roster_days(obj), many=True).data

    def get_fields(self):
        fields = super().get_fields()
        if (
            self.instance is not None
            and not isinstance(self.instance, list | tuple)
            and "view" in self.context
        ):
            # Where a roster is and for which month are fixed once it exists.
            if self.context["view"].action in ("update", "partial_update"):
                fields["village"].read_only = True
                fields["month"].read_only = True
        return fields


class DaysSerializer(serializers.Serializer):
    days = DaySerializer(many=True, allow_empty=False, max_length=31)


class FillSerializer(serializers.Serializer):
    people = serializers.ListField(
        child=CadreField(), allow_empty=False, max_length=31, help_text=_("the cadres, in their turn")
    )
    days_each = serializers.IntegerField(min_value=1, max_value=31, default=1)
    include_weekends = serializers.BooleanField(default=False)


class AmendmentSerializer(ScopedModelSerializer):
    replaced = CadreField()
    replacement = CadreField()
    replaced_name = serializers.StringRelatedField(source="replaced")
    replacement_name = serializers.StringRelatedField(source="replacement")
    by_name = serializers.StringRelatedField(source="by", allow_null=True)
    reason = serializers.CharField(max_length=200, allow_blank=True)

    class Meta:
        model = Amendment
        fields = [
            "id",
            "roster",
            "date",
            "replaced",
            "replaced_name",
            "replacement",
            "replacement_name",
            "reason",
            "by",
            "by_name",
            "at",
        ]
        read_only_fields = ["by", "at"]


class DutySettingsSerializer(ScopedModelSerializer):
    class Meta:
        model = DutySettings
        fields = ["id", "town", "publish_by_day", "updated_at"]
        read_only_fields = ["updated_at"]


# ---------------------------------------------------------------------------------------
# Duty logs
# ---------------------------------------------------------------------------------------


class ErrandSerializer(serializers.ModelSerializer):
    class Meta:
        model = Errand
        fields = ["id", "what", "for_whom", "opened_in", "opened_on", "done_in", "done_on"]
        read_only_fields = fields


class SpotCheckSerializer(serializers.ModelSerializer):
    household_number = serializers.CharField(source="household.number", read_only=True)

    class Meta:
        model = SpotCheck
        fields = ["id", "household", "household_number", "passed", "note"]
        read_only_fields = fields


class LogVisitSerializer(serializers.ModelSerializer):
    """A visit of a log's item 5 (the household visit itself: /api/v1/duty/visits/)."""

    household_number = serializers.CharField(source="household.number", read_only=True)
    kind_display = ChoiceDisplayField(source="kind")
    case_number = serializers.CharField(
        source="case.tracking_number", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = Visit
        fields = [
            "id",
            "household",
            "household_number",
            "visited_at",
            "kind",
            "kind_display",
            "found",
            "case",
            "case_number",
        ]
        read_only_fields = fields


class TalkSerializer(serializers.ModelSerializer):
    class Meta:
        model = PolicyTalk
        fields = ["id", "topic", "audience", "people"]
        read_only_fields = fields


class ElderlySerializer(serializers.ModelSerializer):
    class Meta:
        model = ElderlyHelp
        fields = ["id", "who", "what"]
        read_only_fields = fields


class FindingSerializer(serializers.ModelSerializer):
    case_number = serializers.CharField(
        source="case.tracking_number", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = PatrolFinding
        fields = ["id", "note", "case", "case_number"]
        read_only_fields = fields


class LogAmendmentSerializer(ScopedModelSerializer):
    item_display = ChoiceDisplayField(source="item")
    by_name = serializers.StringRelatedField(source="by", allow_null=True)
    reason = serializers.CharField(max_length=200, allow_blank=True)
    correction = serializers.CharField(max_length=2000, allow_blank=True)

    class Meta:
        model = LogAmendment
        fields = ["id", "log", "item", "item_display", "correction", "reason", "by", "by_name", "at"]
        read_only_fields = ["by", "at"]


class DutyLogSerializer(serializers.ModelSerializer):
    """A duty log with its nine items; ``items_done`` counts them as the pages do."""

    village_name = serializers.CharField(source="village.name", read_only=True)
    town = serializers.IntegerField(source="village.town_id", read_only=True)
    cadre_name = serializers.StringRelatedField(source="cadre")
    state_display = ChoiceDisplayField(source="state")
    check_in_method_display = ChoiceDisplayField(source="check_in_method")
    hours = serializers.FloatField(read_only=True, allow_null=True)
    items_done = serializers.SerializerMethodField()
    errands = serializers.SerializerMethodField()
    findings = FindingSerializer(many=True, read_only=True)
    spot_checks = SpotCheckSerializer(many=True, read_only=True)
    visits = LogVisitSerializer(source="log_visits", many=True, read_only=True)
    talks = TalkSerializer(many=True, read_only=True)
    elderly = ElderlySerializer(many=True, read_only=True)
    amendments = LogAmendmentSerializer(many=True, read_only=True)

    class Meta:
        model = DutyLog
        fields = [
            "id",
            "town",
            "village",
            "village_name",
            "date",
            "cadre",
            "cadre_name",
            "off_roster_reason",
            "state",
            "state_display",
            "check_in_at",
            "check_in_method",
            "check_in_method_display",
            "check_in_reason",
            "check_in_latitude",
            "check_in_longitude",
            "check_out_at",
            "hours",
            "errands",
            "patrol_route",
            "findings",
            "spot_checks",
            "visits",
            "talks",
            "board_updated",
            "board_note",
            "elderly",
            "summary",
            "signed_at",
            "items_done",
            "amendments",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_items_done(self, obj) -> int:
        from ..selectors import progress

        return progress(obj)

    @extend_schema_field(ErrandSerializer(many=True))
    def get_errands(self, obj):
        """The errands taken on or done in this log."""
        rows = {e.pk: e for e in [*obj.errands_opened.all(), *obj.errands_done.all()]}
        return ErrandSerializer(sorted(rows.values(), key=lambda e: (e.opened_on, e.pk)), many=True).data


class PhotoPairSerializer(serializers.Serializer):
    """A photo of the flagged day and the earlier photo it is the same picture as."""

    SOURCE = _('Where the photo is: "log" (a duty log\'s) or "visit" (a household visit\'s).')
    photo = serializers.IntegerField(help_text=_("The photo's id (a log photo or a visit photo)."))
    photo_source = serializers.CharField(help_text=SOURCE)
    earlier = serializers.IntegerField()
    earlier_source = serializers.CharField(help_text=SOURCE)
    earlier_date = serializers.DateField()
    bits = serializers.IntegerField(help_text=_("How many of the 64 bits of their perceptual hashes differ."))


class FlagEvidenceSerializer(serializers.Serializer):
    """What a flag rests on (duty.motions); each kind gives its own keys, none for a
    missing log."""

    logs = serializers.ListField(child=serializers.IntegerField(), required=False)
    # repeated text
    earlier_date = serializers.DateField(required=False)
    texts = serializers.ListField(
        child=serializers.ChoiceField(choices=["whole", "summary", "finding"]), required=False
    )
    # reused photo
    photos = serializers.ListField(child=serializers.IntegerField(), required=False)
    visit_photos = serializers.ListField(child=serializers.IntegerField(), required=False)
    pairs = PhotoPairSerializer(many=True, required=False)
    # check-in far
    distance_m = serializers.IntegerField(required=False)
    limit_m = serializers.IntegerField(required=False)
    office = serializers.ListField(child=serializers.FloatField(), min_length=2, max_length=2, required=False)
    check_in = serializers.ListField(
        child=serializers.FloatField(), min_length=2, max_length=2, required=False
    )
    # check-in late
    check_in_at = serializers.DateTimeField(required=False)
    limit = serializers.CharField(required=False)
    # signed in one sitting
    signed_at = serializers.ListField(child=serializers.DateTimeField(), required=False)
    span_minutes = serializers.IntegerField(required=False)
    # spot checks that always pass
    checks = serializers.IntegerField(required=False)
    since = serializers.DateField(required=False)
    until = serializers.DateField(required=False)


@extend_schema_field(FlagEvidenceSerializer)
class EvidenceField(serializers.JSONField):
    """The flag's evidence as stored (its shape declared for the schema)."""


class DutyFlagSerializer(serializers.ModelSerializer):
    village_name = serializers.CharField(source="village.name", read_only=True)
    kind_display = ChoiceDisplayField(source="kind")
    dismissed_by_name = serializers.StringRelatedField(source="dismissed_by", allow_null=True)
    evidence = EvidenceField(read_only=True)

    class Meta:
        model = DutyFlag
        fields = [
            "id",
            "kind",
            "kind_display",
            "village",
            "village_name",
            "date",
            "log",
            "reason",
            "evidence",
            "created_at",
            "dismissed_at",
            "dismissed_by",
            "dismissed_by_name",
            "dismiss_reason",
        ]
        read_only_fields = fields


class DismissSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, allow_blank=True)
