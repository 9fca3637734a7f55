from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from governance.api.serializers import MASKED_HELP, ChoiceDisplayField, PersonalField, ScopedModelSerializer
from governance.scoping import can_see_personal

from ..choices import HOUSEHOLD_FLAGS
from ..models import Department, Grid, Household, PartyBranch, PartyMember, Resident, Town, Village
from ..validators import validate_id_number, validate_phone

BIRTH_DATE_HELP = _(
    "Shown only to users who may see this town's personal data (null otherwise): with the last "
    "four digits of the ID number it would rebuild the rest. birth_year is shown to all."
)
AREA_FIELDS = ["id", "name", "code", "boundary", "centre_lat", "centre_lng", "created_at", "updated_at"]


class TownSerializer(ScopedModelSerializer):
    class Meta:
        model = Town
        fields = [*AREA_FIELDS, "county"]


class VillageSerializer(ScopedModelSerializer):
    kind_display = ChoiceDisplayField(source="kind")

    class Meta:
        model = Village
        fields = [*AREA_FIELDS, "town", "kind", "kind_display"]


class GridSerializer(ScopedModelSerializer):
    class Meta:
        model = Grid
        fields = [*AREA_FIELDS, "village", "parent", "level", "leader"]
        read_only_fields = ["level"]


class DepartmentSerializer(ScopedModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "town", "name", "code", "phone", "created_at", "updated_at"]


class HouseholdSerializer(ScopedModelSerializer):
    phone = PersonalField(help_text=MASKED_HELP, validators=[validate_phone])
    flags = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Household
        fields = [
            "id",
            "town",
            "village",
            "grid",
            "number",
            "head_name",
            "address",
            "phone",
            *HOUSEHOLD_FLAGS,
            "flags",
            "latitude",
            "longitude",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["town", "village"]


class ResidentSerializer(ScopedModelSerializer):
    id_number = PersonalField(help_text=MASKED_HELP, validators=[validate_id_number], label=_("ID number"))
    phone = PersonalField(help_text=MASKED_HELP, validators=[validate_phone], label=_("phone"))
    residency_display = ChoiceDisplayField(source="residency")
    is_party_member = serializers.SerializerMethodField()
    birth_year = serializers.SerializerMethodField()

    class Meta:
        model = Resident
        fields = [
            "id",
            "town",
            "village",
            "household",
            "name",
            "gender",
            "birth_date",
            "birth_year",
            "relation",
            "residency",
            "residency_display",
            "id_number",
            "phone",
            "is_party_member",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["town", "village"]
        extra_kwargs = {"birth_date": {"help_text": BIRTH_DATE_HELP}}

    def get_birth_year(self, obj) -> int | None:
        return obj.birth_date.year if obj.birth_date else None

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is not None and not can_see_personal(request.user, instance.town_id):
            # The date of birth is digits 7-14 of the ID number: beside its last four and
            # the town's region code it would rebuild the masked number.
            data["birth_date"] = None
        return data

    def get_is_party_member(self, obj) -> bool:
        # Lists annotate it (one query for the page); a single object asks once.
        flag = getattr(obj, "has_party_member", None)
        if flag is None:
            flag = PartyMember.objects.filter(resident_id=obj.pk, deleted_at__isnull=True).exists()
        return flag


class PartyBranchSerializer(ScopedModelSerializer):
    class Meta:
        model = PartyBranch
        fields = ["id", "town", "village", "grid", "name", "kind", "created_at", "updated_at"]
        read_only_fields = ["town"]


class PartyMemberSerializer(ScopedModelSerializer):
    name = serializers.CharField(source="resident.name", read_only=True)

    class Meta:
        model = PartyMember
        fields = [
            "id",
            "town",
            "village",
            "resident",
            "name",
            "branch",
            "joined_on",
            "is_central_household",
            "covered_households",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["town", "village"]


class LocateSerializer(serializers.Serializer):
    lat = serializers.FloatField(min_value=-90, max_value=90, label=_("latitude"))
    lng = serializers.FloatField(min_value=-180, max_value=180, label=_("longitude"))
