from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from governance.api.serializers import MASKED_HELP, ChoiceDisplayField, PersonalField, ScopedModelSerializer
from grids.models import Department
from grids.validators import validate_phone

from ..choices import Move, Satisfaction
from ..models import Case, CaseEvent, CaseKind, CasePeriod, rating_code
from ..transitions import USER_MOVES, allowed_moves


class CaseKindSerializer(serializers.ModelSerializer):
    class Meta:
        model = CaseKind
        fields = ["id", "town", "code", "name", "description", "group", "is_four_reports", "is_active"]


class CaseEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(
        read_only=True, allow_null=True, help_text=_("who made the move; none for the sweep and the reporter")
    )
    move_display = ChoiceDisplayField(source="move")

    class Meta:
        model = CaseEvent
        fields = ["id", "at", "actor", "move", "move_display", "from_state", "to_state", "note"]


class CasePeriodSerializer(serializers.ModelSerializer):
    class Meta:
        model = CasePeriod
        fields = ["level", "village", "department", "started_at", "deadline", "ended_at", "met", "outcome"]


class CaseSerializer(ScopedModelSerializer):
    reporter_contact = PersonalField(
        help_text=MASKED_HELP, validators=[validate_phone], label=_("reporter contact")
    )
    state_display = ChoiceDisplayField(source="state")
    level_display = ChoiceDisplayField(source="level")
    kind_name = serializers.CharField(source="kind.name", read_only=True)
    village_name = serializers.CharField(source="village.name", read_only=True)
    claimed_by = serializers.CharField(
        read_only=True, allow_null=True, help_text=_("who claimed it, if anyone")
    )
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices, allow_blank=True, read_only=True)
    rating_code = serializers.SerializerMethodField(
        help_text=_(
            "Only in the answer to the report (the receipt): the code the reporter rates the result "
            "with. Give it to the reporter; it is not shown again."
        )
    )
    department_name = serializers.CharField(source="department.name", read_only=True, default="")
    allowed_moves = serializers.SerializerMethodField()
    solved_on_spot = serializers.BooleanField(write_only=True, required=False, default=False)
    solution = serializers.CharField(required=False, allow_blank=True, max_length=2000)

    class Meta:
        model = Case
        fields = [
            "id",
            "tracking_number",
            "town",
            "village",
            "village_name",
            "grid",
            "household",
            "latitude",
            "longitude",
            "address",
            "source",
            "kind",
            "kind_name",
            "description",
            "reporter_name",
            "reporter_contact",
            "is_anonymous",
            "state",
            "state_display",
            "level",
            "level_display",
            "claimed_by",
            "department",
            "department_name",
            "deadline",
            "supervised_at",
            "solved_at",
            "solution",
            "closed_at",
            "satisfaction",
            "created_at",
            "updated_at",
            "allowed_moves",
            "solved_on_spot",
            "rating_code",
        ]
        read_only_fields = ["town", "department"]

    def get_allowed_moves(self, obj) -> list[str]:
        request = self.context.get("request")
        return allowed_moves(obj, request.user) if request else []

    def get_rating_code(self, obj) -> str | None:
        view = self.context.get("view")
        return rating_code(obj) if getattr(view, "action", None) == "create" else None


class CaseDetailSerializer(CaseSerializer):
    events = CaseEventSerializer(many=True, read_only=True)
    periods = CasePeriodSerializer(many=True, read_only=True)

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "events", "periods"]


class MoveSerializer(serializers.Serializer):
    move = serializers.ChoiceField(choices=[(move, Move(move).label) for move in USER_MOVES])
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    department = serializers.PrimaryKeyRelatedField(queryset=Department.objects.all(), required=False)


class RateSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=32, help_text=_("the reporter's rating code, from the receipt"))
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="")
