from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from governance.api.serializers import ChoiceDisplayField, ScopedModelSerializer
from governance.choices import Role
from governance.models import User
from governance.scoping import restrict
from grids.models import Village

from ..models import Amendment, DutySettings, Roster, Shift


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
    published_by_name = serializers.StringRelatedField(source="published_by")
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
    by_name = serializers.StringRelatedField(source="by")
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
