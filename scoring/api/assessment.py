"""Cadres' year-end assessments (年终考绩) in the API: the list and one assessment with its
figures, the town office's generation of a year and its grade, and the list as CSV or
Excel. Scoped like the pages: a cadre reads their own, supervisors and the town office
their town's."""

from __future__ import annotations

import django_filters
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from governance.api.serializers import ChoiceDisplayField
from governance.api.viewsets import ScopedQuerysetMixin
from governance.filters import IntegerFilter
from governance.sheets import FORMATS
from grids.models import Town, Village

from .. import assessment as service
from ..assessment_views import export_file
from ..choices import Grade
from ..models import Assessment


class AssessmentFilter(django_filters.FilterSet):
    town = django_filters.ModelChoiceFilter(queryset=Town.objects.all(), label=_("town"))
    village = django_filters.ModelChoiceFilter(queryset=Village.objects.all(), label=_("village"))
    year = IntegerFilter(field_name="year", label=_("year"), min_value=2000, max_value=2100)
    graded = django_filters.BooleanFilter(
        field_name="assessed_at", lookup_expr="isnull", exclude=True, label=_("graded")
    )

    class Meta:
        model = Assessment
        fields = ["town", "village", "year", "graded"]


class AssessmentSerializer(serializers.ModelSerializer):
    village_name = serializers.CharField(source="village.name", read_only=True)
    cadre_name = serializers.StringRelatedField(source="cadre", read_only=True)
    figures = serializers.JSONField(
        read_only=True,
        help_text=_(
            "duty_days {rostered, served, missed dates, logs}, hours {total, days, average}, "
            "on_time {signed, on_time, late}, absences {inspected, absent, ids}, visits {count, ids}, "
            "cases {solved, in_time, ids, late}, points {member, total}: the ids are the evidence"
        ),
    )
    computed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    # blank until the town grades it: declared so the schema admits ""
    grade = serializers.ChoiceField(choices=Grade.choices, allow_blank=True, read_only=True)
    grade_display = ChoiceDisplayField(source="grade")
    assessed_by = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    assessed_by_name = serializers.StringRelatedField(source="assessed_by", read_only=True, allow_null=True)
    assessed_at = serializers.DateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = Assessment
        fields = [
            "id",
            "town",
            "village",
            "village_name",
            "cadre",
            "cadre_name",
            "year",
            "figures",
            "computed_at",
            "grade",
            "grade_display",
            "comment",
            "assessed_by",
            "assessed_by_name",
            "assessed_at",
        ]
        read_only_fields = fields


class GenerateSerializer(serializers.Serializer):
    town = serializers.PrimaryKeyRelatedField(queryset=Town.objects.none())
    year = serializers.IntegerField(min_value=service.FIRST_YEAR, max_value=2100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        self.fields["town"].queryset = service.office_towns(request.user) if request else Town.objects.none()


class GeneratedSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    refreshed = serializers.IntegerField()
    frozen = serializers.IntegerField()


class GradeSerializer(serializers.Serializer):
    grade = serializers.ChoiceField(choices=Grade.choices)
    comment = serializers.CharField(max_length=2000)


class AssessmentViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """Cadres' year-end assessments: each village cadre's figures of a year from the
    records (with the ids of their evidence) and the town office's grade and comment.
    The town office generates a town's year (``generate/``: new ones, and the figures of
    those not yet graded refreshed) and grades one (``{id}/grade/``: from then on its
    figures are frozen). ``export/`` gives the filtered list as CSV or Excel."""

    queryset = Assessment.objects.select_related("village", "cadre", "assessed_by")
    serializer_class = AssessmentSerializer
    filterset_class = AssessmentFilter
    ordering_fields = ["year", "village", "assessed_at"]

    def get_queryset(self):
        return super().get_queryset().order_by("-year", "village__code", "cadre_id")

    @extend_schema(request=GenerateSerializer, responses={200: GeneratedSerializer})
    @action(detail=False, methods=["post"])
    def generate(self, request):
        """Generate (or refresh, while not graded) the town's assessments of a year."""
        if not service.office_towns(request.user).exists():
            raise PermissionDenied(_("Only the town office assesses its town's cadres."))
        body = GenerateSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        counts = service.generate(actor=request.user, **body.validated_data)
        return Response(GeneratedSerializer(counts).data)

    @extend_schema(request=GradeSerializer, responses={200: AssessmentSerializer})
    @action(detail=True, methods=["post"])
    def grade(self, request, pk=None):
        """The town office's grade and comment; the figures are frozen from then on."""
        a = get_object_or_404(self.get_queryset(), pk=pk)
        body = GradeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        service.grade(assessment=a, actor=request.user, **body.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=a.pk)).data, status=status.HTTP_200_OK)

    @extend_schema(
        parameters=[OpenApiParameter("file_format", str, enum=list(FORMATS), default="csv")],
        responses={(200, "text/csv"): OpenApiTypes.BINARY},
    )
    @action(detail=False, methods=["get"])
    def export(self, request, format=None):
        """The filtered assessments as CSV or Excel (cells that look like formulas are text)."""
        fmt = request.query_params.get("file_format", "csv")
        if fmt not in FORMATS:
            raise ValidationError({"file_format": [_("Choose csv or xlsx.")]})
        queryset = self.filter_queryset(self.get_queryset())
        filters = {k: v for k, v in request.query_params.items() if k != "file_format"}
        body = export_file(queryset=queryset, fmt=fmt, actor=request.user, filters=filters)
        response = HttpResponse(body, content_type=FORMATS[fmt])
        response["Content-Disposition"] = f'attachment; filename="assessments.{fmt}"'
        return response
