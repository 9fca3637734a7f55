"""The API of household visits (行村制): visits (recorded through :func:`duty.visits.visit_record`,
a problem reported as a case), three-musts occasions, and coverage per grid for a month.
Scoped like every other endpoint; filterable by town, village, grid (with its child grids),
household, month, kind and visitor."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from cases.models import CaseKind
from governance.api.serializers import ChoiceDisplayField, ScopedModelSerializer
from governance.api.viewsets import ScopedQuerysetMixin
from governance.models import User
from governance.params import ID_MAX
from governance.scoping import VIEW, can, restrict
from grids.models import Grid, Town, Village

from .. import visit_selectors as vs
from .. import visits
from ..filters import MonthField, MonthFilter, id_filter, month_filter
from ..models import ThreeMust, Visit, VisitPhoto, month_bounds

# ---------------------------------------------------------------------------------------
# Filters
# ---------------------------------------------------------------------------------------


class _AreaFilter(django_filters.FilterSet):
    town = django_filters.ModelChoiceFilter(queryset=Town.objects.all(), label=_("town"))
    village = django_filters.ModelChoiceFilter(queryset=Village.objects.all(), label=_("village"))
    grid = id_filter(method="filter_grid", label=_("grid (with its child grids)"))
    household = id_filter("household_id", label=_("household"))

    def filter_grid(self, queryset, name, value):
        # the ids written out: the (grid, visited_at) index serves them (vs.subtree_ids)
        if not value:
            return queryset
        ids = Grid.objects.filter(Q(pk=value) | Q(parent_id=value), deleted_at__isnull=True)
        return queryset.filter(grid_id__in=list(ids.values_list("pk", flat=True)))


class VisitFilter(_AreaFilter):
    month = MonthFilter(method="filter_month", label=_("month (YYYY-MM)"))
    visitor = id_filter(method="filter_visitor", label=_("visitor (user id)"))
    cadre = id_filter(method="filter_visitor", label=_("visitor (user id)"))

    class Meta:
        model = Visit
        fields = ["town", "village", "grid", "household", "month", "kind", "visitor", "cadre"]

    def filter_month(self, queryset, name, value):
        if value is None:
            return queryset
        start, end = month_bounds(value)
        return queryset.filter(visited_at__gte=start, visited_at__lt=end)

    def filter_visitor(self, queryset, name, value):
        if value is None:
            return queryset
        through = Visit.visitors.through.objects.filter(user_id=value).values("visit_id")
        return queryset.filter(pk__in=through)


class ThreeMustFilter(_AreaFilter):
    open = django_filters.BooleanFilter(field_name="visit", lookup_expr="isnull", label=_("open"))
    month = month_filter("known_on")
    cadre = id_filter("reported_by_id", label=_("made known by (user id)"))

    class Meta:
        model = ThreeMust
        fields = ["town", "village", "grid", "household", "occasion", "open", "month", "cadre"]


# ---------------------------------------------------------------------------------------
# Serializers
# ---------------------------------------------------------------------------------------


class VisitPhotoSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = VisitPhoto
        fields = ["id", "url", "created_at"]

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, photo) -> str:
        path = reverse("duty:visit-photo", args=[photo.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


def visitor_choices(user):
    """The people an API user may name as fellow visitors: the cadres of the villages and
    the workers of the grids they see (whether one visits *this* household is the
    service's check)."""
    from governance.choices import Role

    villages = restrict(Village.objects.all(), user).values("pk")
    grids = restrict(Grid.objects.all(), user).values("pk")
    return User.objects.filter(
        Q(memberships__role=Role.VILLAGE_CADRE, memberships__village__in=villages)
        | Q(memberships__role=Role.GRID_WORKER, memberships__grid__in=grids),
        is_active=True,
        memberships__deleted_at__isnull=True,
    ).distinct()


@extend_schema_field(OpenApiTypes.INT)
class VisitorField(serializers.PrimaryKeyRelatedField):
    default_error_messages = {
        "does_not_exist": _("Not a cadre or grid worker who may visit with you (id {pk_value})."),
    }

    def get_queryset(self):
        request = self.context.get("request")
        return visitor_choices(request.user) if request else User.objects.none()


class VisitSerializer(ScopedModelSerializer):
    """A visit. Created by the one recording it (a cadre in their village, a grid worker in
    their grid), with fellow visitors among the village's cadres and the grid's workers;
    a three-musts visit answers the household's oldest open occasion, or ``three_must``."""

    household_name = serializers.StringRelatedField(source="household")
    kind_display = ChoiceDisplayField(source="kind")
    by_name = serializers.StringRelatedField(source="by")
    visitors = VisitorField(many=True, required=False, queryset=User.objects.none())
    visitor_names = serializers.SerializerMethodField()
    three_must = serializers.PrimaryKeyRelatedField(
        queryset=ThreeMust.objects.filter(deleted_at__isnull=True),
        required=False,
        allow_null=True,
        write_only=True,
        help_text=_(
            "The open three-musts occasion this visit answers (kind three_musts; by default the oldest)."
        ),
    )
    answers = serializers.SerializerMethodField(help_text=_("The three-musts occasion this visit answered."))
    case_number = serializers.CharField(
        source="case.tracking_number", read_only=True, default=None, allow_null=True
    )
    photos = VisitPhotoSerializer(many=True, read_only=True)
    visited_at = serializers.DateTimeField(required=False)

    class Meta:
        model = Visit
        fields = [
            "id",
            "household",
            "household_name",
            "town",
            "village",
            "grid",
            "visited_at",
            "kind",
            "kind_display",
            "found",
            "by",
            "by_name",
            "visitors",
            "visitor_names",
            "three_must",
            "answers",
            "log",
            "case",
            "case_number",
            "photos",
            "created_at",
        ]
        read_only_fields = ["town", "village", "grid", "by", "log", "case", "created_at"]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_visitor_names(self, visit) -> list[str]:
        return [str(u) for u in visit.visitors.all()]

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_answers(self, visit) -> int | None:
        row = getattr(visit, "three_must", None)
        return row.pk if row is not None else None


@extend_schema_field(OpenApiTypes.INT)
class CaseKindField(serializers.PrimaryKeyRelatedField):
    """A case kind the user may report as: the active kinds in their scope (as the pages
    offer them); another town's kind is "does not exist", like an unknown one."""

    def get_queryset(self):
        request = self.context.get("request")
        if request is None:
            return CaseKind.objects.none()
        return restrict(CaseKind.objects.filter(is_active=True), request.user)


class ReportSerializer(serializers.Serializer):
    kind = CaseKindField()
    description = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="")


class ThreeMustSerializer(ScopedModelSerializer):
    household_name = serializers.StringRelatedField(source="household")
    occasion_display = ChoiceDisplayField(source="occasion")
    reported_by_name = serializers.StringRelatedField(source="reported_by")
    overdue = serializers.SerializerMethodField()
    known_on = serializers.DateField(required=False)

    class Meta:
        model = ThreeMust
        fields = [
            "id",
            "household",
            "household_name",
            "town",
            "village",
            "grid",
            "occasion",
            "occasion_display",
            "note",
            "known_on",
            "due_on",
            "overdue",
            "reported_by",
            "reported_by_name",
            "visit",
            "created_at",
        ]
        read_only_fields = ["town", "village", "grid", "due_on", "reported_by", "visit", "created_at"]
        extra_kwargs = {"visit": {"allow_null": True}}

    def get_overdue(self, row) -> bool:
        from django.utils import timezone

        return row.visit_id is None and row.due_on < timezone.localdate()


class CoverageSerializer(serializers.Serializer):
    grid = serializers.IntegerField()
    grid_name = serializers.CharField()
    parent = serializers.IntegerField(allow_null=True)
    level = serializers.IntegerField()
    village = serializers.IntegerField()
    village_name = serializers.CharField()
    month = serializers.CharField()
    households = serializers.IntegerField()
    visited = serializers.IntegerField()
    due = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True, help_text=_("Households visited / households, 0–100."))


# ---------------------------------------------------------------------------------------
# Views
# ---------------------------------------------------------------------------------------


class VisitViewSet(
    ScopedQuerysetMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Household visits (走访纪实): list, read, record one (cadres in their village, grid
    workers in their grid; never for a time still to come), and report its problem as a
    case (``/report/``). Filter by town, village, grid, household, month, kind, visitor."""

    queryset = Visit.objects.filter(deleted_at__isnull=True).select_related(
        "household", "by", "case", "three_must"
    )
    serializer_class = VisitSerializer
    filterset_class = VisitFilter
    ordering_fields = ["visited_at", "created_at"]

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .order_by("-visited_at", "-id")
            .prefetch_related(
                "visitors",
                Prefetch("photos", queryset=VisitPhoto.objects.order_by("created_at", "id")),
            )
        )

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = visits.visit_record(
            actor=self.request.user,
            household=data["household"],
            visited_at=data.get("visited_at"),
            kind=data.get("kind", "routine"),
            found=data.get("found", ""),
            visitors=data.get("visitors", []),
            three_must=data.get("three_must"),
        )

    def create(self, request, *args, **kwargs):
        response = super().create(request, *args, **kwargs)
        fresh = self.get_queryset().get(pk=response.data["id"])
        response.data = self.get_serializer(fresh).data
        return response

    @extend_schema(request=ReportSerializer, responses=VisitSerializer)
    @action(detail=True, methods=["post"])
    def report(self, request, pk=None):
        """Report the problem found on this visit as a case (its visitors, once)."""
        visit = self.get_object()
        params = ReportSerializer(data=request.data, context={"request": request})
        params.is_valid(raise_exception=True)
        visits.visit_report(
            visit=visit,
            kind=params.validated_data["kind"],
            description=params.validated_data["description"],
            actor=request.user,
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=visit.pk)).data)


class ThreeMustViewSet(
    ScopedQuerysetMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Three-musts occasions (三必到: in hospital, an emergency, a wedding or funeral) made
    known; each is due a visit within three days and is answered by a three-musts visit.
    Made known by those who visit the household, or by the town office."""

    queryset = ThreeMust.objects.filter(deleted_at__isnull=True).select_related("household", "reported_by")
    serializer_class = ThreeMustSerializer
    filterset_class = ThreeMustFilter
    ordering_fields = ["due_on", "known_on", "created_at"]

    def get_queryset(self):
        return super().get_queryset().order_by("due_on", "id")

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = visits.three_must_add(
            actor=self.request.user,
            household=data["household"],
            occasion=data["occasion"],
            known_on=data.get("known_on"),
            note=data.get("note", ""),
        )


class CoverageParams(forms.Form):
    """The coverage's query: a bad month or an id past the database's integers is a field error."""

    month = MonthField(required=False)
    village = forms.IntegerField(required=False, min_value=1, max_value=ID_MAX)
    grid = forms.IntegerField(required=False, min_value=1, max_value=ID_MAX)


class CoverageViewSet(viewsets.ViewSet):
    """Visit coverage per grid for a month (default: this month): households, those
    visited at least once, still due, rate. A first-level grid counts its second-level
    grids' households. Within the user's scope; filter by village or grid."""

    serializer_class = CoverageSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("month", OpenApiTypes.STR, description="YYYY-MM"),
            OpenApiParameter("village", OpenApiTypes.INT),
            OpenApiParameter("grid", OpenApiTypes.INT),
        ],
        responses=CoverageSerializer(many=True),
    )
    def list(self, request, *args, **kwargs):
        from ..selectors import this_month

        if not can(request.user, VIEW, Visit):
            raise PermissionDenied
        params = CoverageParams(request.query_params)
        if not params.is_valid():
            raise serializers.ValidationError(params.errors)
        month = params.cleaned_data["month"] or this_month()
        cover = vs.coverage(
            request.user, month, village=params.cleaned_data["village"], grid=params.cleaned_data["grid"]
        )
        rows = [
            {
                "grid": row.area.pk,
                "grid_name": row.area.name,
                "parent": row.area.parent_id,
                "level": row.area.level,
                "village": row.area.village_id,
                "village_name": row.area.village.name,
                "month": f"{month:%Y-%m}",
                "households": row.figures.households,
                "visited": row.figures.visited,
                "due": row.figures.due,
                "rate": row.figures.rate,
            }
            for row in cover.grid_rows
        ]
        return Response(CoverageSerializer(rows, many=True).data)
