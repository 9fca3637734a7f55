"""The API of 阳光三务 disclosures: list, read, begin a draft, change a draft, publish it,
begin a correction of a published one. Scoped like every other endpoint (a village's
cadres write their own village's); filterable by town, village, kind, period (any day
in it) and published. Writes go through :mod:`affairs.disclosures`."""

from __future__ import annotations

import django_filters
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from governance.api.serializers import ChoiceDisplayField, ScopedModelSerializer
from governance.api.viewsets import ScopedQuerysetMixin
from grids.models import Town, Village

from .. import disclosures as ds
from ..models import Disclosure

# ---------------------------------------------------------------------------------------
# Filters
# ---------------------------------------------------------------------------------------


class DisclosureFilter(django_filters.FilterSet):
    town = django_filters.ModelChoiceFilter(queryset=Town.objects.all(), label=_("town"))
    village = django_filters.ModelChoiceFilter(queryset=Village.objects.all(), label=_("village"))
    period = django_filters.DateFilter(method="filter_period", label=_("period (any day in it, YYYY-MM-DD)"))
    published = django_filters.BooleanFilter(
        field_name="published_at", lookup_expr="isnull", exclude=True, label=_("published")
    )

    class Meta:
        model = Disclosure
        fields = ["town", "village", "kind", "period", "published"]

    def filter_period(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(period_start__lte=value, period_end__gte=value)


# ---------------------------------------------------------------------------------------
# Serializers
# ---------------------------------------------------------------------------------------


class ItemSerializer(serializers.Serializer):
    item = serializers.CharField(max_length=100)
    income = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, default=0)
    spending = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, default=0)


class TotalsSerializer(serializers.Serializer):
    income = serializers.DecimalField(max_digits=14, decimal_places=2)
    spending = serializers.DecimalField(max_digits=14, decimal_places=2)
    balance = serializers.DecimalField(max_digits=14, decimal_places=2)


class DisclosureSerializer(ScopedModelSerializer):
    """A disclosure. Begun as a draft for one period of the town's cadence (monthly or
    quarterly); changed while a draft; published, it never changes (a correction is a new
    disclosure, ``corrects``). Finances list their items; the totals are computed."""

    kind_display = ChoiceDisplayField(source="kind")
    village_name = serializers.CharField(source="village.name", read_only=True)
    items = ItemSerializer(many=True, required=False)
    totals = serializers.SerializerMethodField()
    corrected_by = serializers.SerializerMethodField(
        help_text=_("The correction of this disclosure, once published.")
    )
    board_photo = serializers.SerializerMethodField()
    signed_off_on = serializers.DateField(required=False, allow_null=True)
    public_url = serializers.SerializerMethodField()

    class Meta:
        model = Disclosure
        fields = [
            "id",
            "town",
            "village",
            "village_name",
            "kind",
            "kind_display",
            "period_start",
            "period_end",
            "title",
            "body",
            "items",
            "totals",
            "signed_off_by",
            "signed_off_on",
            "corrects",
            "correction_reason",
            "corrected_by",
            "published_at",
            "board_confirmed_at",
            "board_photo",
            "public_url",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "town",
            "corrects",
            "correction_reason",
            "published_at",
            "board_confirmed_at",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {
            "corrects": {"allow_null": True},
            "body": {"required": False, "allow_blank": True},
            "title": {"required": False, "allow_blank": True},
        }

    @extend_schema_field(TotalsSerializer)
    def get_totals(self, disclosure) -> dict:
        t = ds.totals(disclosure.items)
        return {"income": f"{t.income:.2f}", "spending": f"{t.spending:.2f}", "balance": f"{t.balance:.2f}"}

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_corrected_by(self, disclosure) -> int | None:
        row = getattr(disclosure, "corrected_by", None)
        return row.pk if row is not None and row.published_at and not row.deleted_at else None

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_board_photo(self, disclosure) -> str | None:
        if not disclosure.board_photo:
            return None
        path = reverse("affairs:disclosure-board-photo", args=[disclosure.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_public_url(self, disclosure) -> str | None:
        if not disclosure.published_at:
            return None
        path = reverse("affairs:disclosure-print", args=[disclosure.village.code, disclosure.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def validate_items(self, value):
        return [
            {
                "item": row["item"],
                "income": str(row.get("income", 0)),
                "spending": str(row.get("spending", 0)),
            }
            for row in value
        ]


class CorrectSerializer(serializers.Serializer):
    correction_reason = serializers.CharField(max_length=300)


# ---------------------------------------------------------------------------------------
# Views
# ---------------------------------------------------------------------------------------


class DisclosureViewSet(
    ScopedQuerysetMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """阳光三务 disclosures: a village's party affairs, village affairs and finances per
    period of its town's cadence. A village's cadres begin and change drafts, publish them
    (finances need the supervision committee's sign-off) and begin corrections of
    published ones (``/correct/``); the town office, supervisors and clients read. Filter
    by town, village, kind, period (any day in it) and published."""

    queryset = Disclosure.objects.filter(deleted_at__isnull=True).select_related(
        "village", "corrects", "corrected_by"
    )
    serializer_class = DisclosureSerializer
    filterset_class = DisclosureFilter
    ordering_fields = ["period_end", "published_at", "created_at"]

    def get_queryset(self):
        return super().get_queryset().order_by("-period_end", "village_id", "kind", "-id")

    def perform_create(self, serializer):
        data = serializer.validated_data
        village = data["village"]
        if not ds.writable_villages(self.request.user).filter(pk=village.pk).exists():
            raise PermissionDenied(_("You do not keep this village's disclosures."))
        serializer.instance = ds.disclosure_create(
            village=village,
            kind=data["kind"],
            period_start=data["period_start"],
            period_end=data["period_end"],
            title=data.get("title", ""),
            body=data.get("body", ""),
            items=data.get("items", []),
            signed_off_by=data.get("signed_off_by", ""),
            signed_off_on=data.get("signed_off_on"),
            actor=self.request.user,
        )

    def perform_update(self, serializer):
        disclosure = serializer.instance
        if not ds.writable_villages(self.request.user).filter(pk=disclosure.village_id).exists():
            raise PermissionDenied(_("You do not keep this village's disclosures."))
        data = serializer.validated_data
        for fixed in ("village", "kind", "period_start", "period_end"):
            if fixed in data and data[fixed] != getattr(disclosure, fixed):
                raise serializers.ValidationError(
                    {fixed: [_("A draft's village, affairs and period stay: begin another.")]}
                )
        serializer.instance = ds.disclosure_update(
            disclosure=disclosure,
            data={k: v for k, v in data.items() if k in ds.FIELDS},
            actor=self.request.user,
        )

    def _fresh(self, pk):
        return self.get_serializer(self.get_queryset().get(pk=pk)).data

    def create(self, request, *args, **kwargs):
        response = super().create(request, *args, **kwargs)
        response.data = self._fresh(response.data["id"])
        return response

    def update(self, request, *args, **kwargs):
        response = super().update(request, *args, **kwargs)
        response.data = self._fresh(response.data["id"])
        return response

    @extend_schema(request=None, responses=DisclosureSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Publish a draft: from now on it never changes."""
        disclosure = self.get_object()
        if not ds.writable_villages(request.user).filter(pk=disclosure.village_id).exists():
            raise PermissionDenied(_("You do not keep this village's disclosures."))
        ds.disclosure_publish(disclosure=disclosure, actor=request.user)
        return Response(self._fresh(disclosure.pk))

    @extend_schema(request=CorrectSerializer, responses={201: DisclosureSerializer})
    @action(detail=True, methods=["post"])
    def correct(self, request, pk=None):
        """Begin a correction of a published disclosure: a new draft that corrects it,
        with the reason; change it and publish it."""
        disclosure = self.get_object()
        params = CorrectSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        correction = ds.disclosure_correct(
            disclosure=disclosure, reason=params.validated_data["correction_reason"], actor=request.user
        )
        return Response(self._fresh(correction.pk), status=201)
