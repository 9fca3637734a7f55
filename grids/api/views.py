from django.db.models import Exists, OuterRef
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from governance.api.viewsets import ScopedModelViewSet
from governance.sheets import FORMATS

from .. import filters, selectors
from ..models import Department, Grid, Household, PartyBranch, PartyMember, Resident, Town, Village
from ..transfer import TransferError, export_residents, import_residents
from . import serializers as s


class TownViewSet(ScopedModelViewSet):
    queryset = Town.objects.all()
    serializer_class = s.TownSerializer
    filterset_fields = ["code"]
    ordering_fields = ["code", "name"]


class VillageViewSet(ScopedModelViewSet):
    queryset = Village.objects.all()
    serializer_class = s.VillageSerializer
    filterset_class = filters.VillageFilter
    ordering_fields = ["code", "name"]


class GridViewSet(ScopedModelViewSet):
    queryset = Grid.objects.all()
    serializer_class = s.GridSerializer
    filterset_class = filters.GridFilter
    ordering_fields = ["code", "name", "level"]

    @extend_schema(
        parameters=[
            OpenApiParameter("lat", float, required=True),
            OpenApiParameter("lng", float, required=True),
        ],
        responses=s.GridSerializer,
    )
    @action(detail=False, methods=["get"])
    def locate(self, request, format=None):
        """The grid (most specific) whose boundary holds a point, among those you can see."""
        params = s.LocateSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        grid = selectors.grid_at_point(
            lat=params.validated_data["lat"], lng=params.validated_data["lng"], queryset=self.get_queryset()
        )
        if grid is None:
            return Response(
                {"detail": _("No grid of yours holds this point.")}, status=status.HTTP_404_NOT_FOUND
            )
        return Response(self.get_serializer(self.get_queryset().get(pk=grid.pk)).data)


class DepartmentViewSet(ScopedModelViewSet):
    queryset = Department.objects.all()
    serializer_class = s.DepartmentSerializer
    filterset_class = filters.DepartmentFilter
    ordering_fields = ["code", "name"]


class HouseholdViewSet(ScopedModelViewSet):
    queryset = Household.objects.all()
    serializer_class = s.HouseholdSerializer
    filterset_class = filters.HouseholdFilter
    personal_lookup_params = ("phone",)  # throttled (governance.api.throttles)
    ordering_fields = ["number", "head_name", "updated_at"]


class ImportSerializer(serializers.Serializer):
    file = serializers.FileField()
    dry_run = serializers.BooleanField(default=True)


class ResidentViewSet(ScopedModelViewSet):
    queryset = Resident.objects.select_related("household").annotate(
        has_party_member=Exists(
            PartyMember.objects.filter(resident_id=OuterRef("pk"), deleted_at__isnull=True)
        )
    )
    serializer_class = s.ResidentSerializer
    filterset_class = filters.ResidentFilter
    personal_lookup_params = ("id_number", "phone")  # throttled (governance.api.throttles)
    ordering_fields = ["name", "birth_date", "updated_at"]

    @extend_schema(
        parameters=[OpenApiParameter("file_format", str, enum=list(FORMATS), default="csv")],
        responses={(200, "text/csv"): OpenApiTypes.BINARY},
    )
    @action(detail=False, methods=["get"])
    def export(self, request, format=None):
        """Households and residents in the import's own format (CSV or Excel), filtered and
        scoped like the list; personal data masked unless you may see it."""
        fmt = request.query_params.get("file_format", "csv")
        if fmt not in FORMATS:
            raise ValidationError({"file_format": [_("Choose csv or xlsx.")]})
        queryset = self.filter_queryset(self.get_queryset())
        body = export_residents(queryset=queryset, user=request.user, fmt=fmt)
        response = HttpResponse(body, content_type=FORMATS[fmt])
        response["Content-Disposition"] = f'attachment; filename="residents.{fmt}"'
        return response

    @extend_schema(request={"multipart/form-data": ImportSerializer}, responses=OpenApiTypes.OBJECT)
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[MultiPartParser, FormParser])
    def import_file(self, request, format=None):
        """Import households and residents from CSV or Excel. ``dry_run`` (default true)
        reports every bad row; a real run writes all rows or none."""
        params = ImportSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        upload = params.validated_data["file"]
        try:
            result = import_residents(
                data=upload.read(),
                filename=upload.name,
                actor=request.user,
                dry_run=params.validated_data["dry_run"],
            )
        except TransferError as exc:
            raise ValidationError({"file": [str(exc)]}) from exc
        return Response(
            result.as_dict(), status=status.HTTP_200_OK if result.ok else status.HTTP_400_BAD_REQUEST
        )


class PartyBranchViewSet(ScopedModelViewSet):
    queryset = PartyBranch.objects.all()
    serializer_class = s.PartyBranchSerializer
    filterset_class = filters.PartyBranchFilter


class PartyMemberViewSet(ScopedModelViewSet):
    queryset = PartyMember.objects.select_related("resident").prefetch_related("covered_households")
    serializer_class = s.PartyMemberSerializer
    filterset_class = filters.PartyMemberFilter
