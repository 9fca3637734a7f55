"""The village rankings in the API: a town's weights (read; the town office sets them),
its snapshots (filter by town, kind, start, version; ``current=true`` for each period's
highest version the caller may read) with the town office's recompute and publish, and
the snapshots' rows with each indicator's value, events, share and evidence.

Scoped as the pages are (scoring/policies.py): a village's cadres read their town's
published snapshots only (a draft does not exist for them: 404); another town's do not
exist for anyone.
"""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from governance.api.serializers import ChoiceDisplayField
from governance.api.viewsets import ScopedQuerysetMixin
from governance.filters import IntegerFilter
from governance.params import ID_MAX
from governance.scoping import VIEW, restrict
from grids.models import Town, Village

from .. import ranking
from ..choices import Indicator, PeriodKind
from ..models import Snapshot, SnapshotRow, Weight


class WeightSerializer(serializers.ModelSerializer):
    town_name = serializers.CharField(source="town.name", read_only=True)
    indicator_display = ChoiceDisplayField(source="indicator")

    class Meta:
        model = Weight
        fields = [
            "id",
            "town",
            "town_name",
            "indicator",
            "indicator_display",
            "weight",
            "min_events",
            "updated_at",
        ]
        read_only_fields = fields


class WeightValueSerializer(serializers.Serializer):
    weight = serializers.IntegerField(min_value=0, max_value=100)
    min_events = serializers.IntegerField(min_value=1, max_value=1000)


class TownSerializer(serializers.Serializer):
    """A town among those the caller reads (another does not exist: 400 "invalid pk")."""

    town = serializers.PrimaryKeyRelatedField(queryset=Town.objects.all())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["town"].queryset = restrict(Town.objects.all(), request.user, VIEW)


class WeightsSetSerializer(TownSerializer):
    """A town's weights, each indicator's weight and fewest events (indicators left out
    keep theirs)."""

    weights = serializers.DictField(
        child=WeightValueSerializer(), help_text=_("{indicator: {weight, min_events}}")
    )

    def validate_weights(self, value):
        unknown = sorted(set(value) - set(Indicator.values))
        if unknown:
            raise serializers.ValidationError(
                _("No such indicator: %(names)s") % {"names": ", ".join(unknown)}
            )
        return value


class WeightFilter(django_filters.FilterSet):
    town = django_filters.ModelChoiceFilter(queryset=Town.objects.all(), label=_("town"))

    class Meta:
        model = Weight
        fields = ["town", "indicator"]


class WeightViewSet(
    ScopedQuerysetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """A town's ranking weights (the ranking scheme): each indicator's weight and the
    fewest events in a period to rate it. A town without its own rows uses the defaults
    (shown in each snapshot's ``weights``). The town office sets them with ``set``."""

    queryset = Weight.objects.select_related("town").order_by("town_id", "indicator")
    serializer_class = WeightSerializer
    filterset_class = WeightFilter

    @extend_schema(request=WeightsSetSerializer, responses=WeightSerializer(many=True))
    @action(detail=False, methods=["post"], url_path="set", pagination_class=None)
    def set_weights(self, request):
        """Set a town's weights (the town office); the weights must not all be zero."""
        data = WeightsSetSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        town = data.validated_data["town"]
        values = {k: (v["weight"], v["min_events"]) for k, v in data.validated_data["weights"].items()}
        _saved_or_400(lambda: ranking.weights_save(town=town, values=values, actor=request.user))
        rows = self.get_queryset().filter(town=town)
        return Response(WeightSerializer(rows, many=True).data)


def _saved_or_400(write):
    """A service's ValidationError as DRF's 400 with the same field keys."""
    from django.core.exceptions import ValidationError as DjangoValidationError

    try:
        return write()
    except DjangoValidationError as exc:
        raise serializers.ValidationError(
            {("non_field_errors" if k == "__all__" else k): v for k, v in exc.message_dict.items()}
            if hasattr(exc, "error_dict")
            else {"non_field_errors": exc.messages}
        ) from None


class SnapshotSerializer(serializers.ModelSerializer):
    town_name = serializers.CharField(source="town.name", read_only=True)
    kind_display = ChoiceDisplayField(source="kind")
    weights = serializers.DictField(
        child=serializers.ListField(child=serializers.IntegerField()),
        read_only=True,
        help_text=_("the weights used: {indicator: [weight, min_events]}"),
    )
    computed_by = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    published_at = serializers.DateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = Snapshot
        fields = [
            "id",
            "town",
            "town_name",
            "kind",
            "kind_display",
            "start",
            "end",
            "version",
            "weights",
            "computed_at",
            "computed_by",
            "published_at",
        ]
        read_only_fields = fields


class RecomputeSerializer(TownSerializer):
    kind = serializers.ChoiceField(choices=PeriodKind.choices)
    start = serializers.DateField(help_text=_("the period's first day (a Monday, or the 1st of the month)"))


class SnapshotFilter(django_filters.FilterSet):
    town = django_filters.ModelChoiceFilter(queryset=Town.objects.all(), label=_("town"))
    current = django_filters.BooleanFilter(
        method="filter_current", label=_("only each period's highest version you may read")
    )

    class Meta:
        model = Snapshot
        fields = ["town", "kind", "start", "version", "current"]

    def filter_current(self, queryset, name, value):
        if not value:
            return queryset
        higher = restrict(Snapshot.objects.all(), self.request.user, VIEW).filter(
            town_id=OuterRef("town_id"),
            kind=OuterRef("kind"),
            start=OuterRef("start"),
            version__gt=OuterRef("version"),
        )
        return queryset.filter(~Exists(higher))


class SnapshotViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """Village ranking snapshots: a town's week or month as computed, never changed (a
    recompute is a new version). The town office recomputes and publishes; a village's
    cadres read their town's published ones."""

    queryset = Snapshot.objects.select_related("town").order_by("town_id", "kind", "-start", "-version")
    serializer_class = SnapshotSerializer
    filterset_class = SnapshotFilter
    ordering_fields = ["start", "version", "computed_at", "published_at"]

    @extend_schema(request=RecomputeSerializer, responses={201: SnapshotSerializer})
    @action(detail=False, methods=["post"])
    def recompute(self, request):
        """Compute a town's ended week or month again: a new version beside the old ones."""
        data = RecomputeSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        snapshot = _saved_or_400(
            lambda: ranking.snapshot_recompute(actor=request.user, **data.validated_data)
        )
        return Response(SnapshotSerializer(snapshot).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=SnapshotSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Publish the snapshot to the villages (once; again changes nothing)."""
        snapshot = get_object_or_404(self.get_queryset(), pk=pk)
        ranking.snapshot_publish(snapshot=snapshot, actor=request.user)
        return Response(SnapshotSerializer(snapshot).data)


class IndicatorValueSerializer(serializers.Serializer):
    value = serializers.FloatField(allow_null=True, help_text=_("the rate, 0 to 1"))
    events = serializers.IntegerField()
    rated = serializers.BooleanField()
    weight = serializers.IntegerField()
    min_events = serializers.IntegerField()
    share = serializers.FloatField(help_text=_("the weight's share among the rated indicators, 0 to 1"))
    points = serializers.FloatField(allow_null=True, help_text=_("100 × share × value"))
    rank_without = serializers.IntegerField(
        allow_null=True, help_text=_("the village's rank with this indicator left out for every village")
    )
    evidence = serializers.DictField(help_text=_("the ids (or dates) behind the value"))


class SnapshotRowSerializer(serializers.ModelSerializer):
    village_name = serializers.CharField(source="village.name", read_only=True)
    score = serializers.DecimalField(max_digits=6, decimal_places=2, coerce_to_string=False, allow_null=True)
    rank = serializers.IntegerField(allow_null=True)
    previous_rank = serializers.IntegerField(allow_null=True)
    change = serializers.IntegerField(
        allow_null=True, read_only=True, help_text=_("places gained since the previous period")
    )
    values = serializers.DictField(child=IndicatorValueSerializer(), read_only=True)

    class Meta:
        model = SnapshotRow
        fields = [
            "id",
            "snapshot",
            "village",
            "village_name",
            "score",
            "rank",
            "previous_rank",
            "change",
            "values",
        ]
        read_only_fields = fields


class SnapshotRowFilter(django_filters.FilterSet):
    # whole numbers within the database's ids: 1e+28 or -3 is a field error, never a 500
    snapshot = IntegerFilter(field_name="snapshot_id", min_value=1, max_value=ID_MAX, label=_("snapshot"))
    village = django_filters.ModelChoiceFilter(queryset=Village.objects.all(), label=_("village"))
    town = IntegerFilter(field_name="snapshot__town_id", min_value=1, max_value=ID_MAX, label=_("town"))

    class Meta:
        model = SnapshotRow
        fields = ["snapshot", "village", "town"]


class SnapshotRowViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """The villages of the snapshots: score, rank, previous rank and each indicator's
    value, events, rated or not, weight, share, points, rank without it and evidence."""

    queryset = SnapshotRow.objects.select_related("village").order_by("snapshot_id", "rank", "village_id")
    serializer_class = SnapshotRowSerializer
    filterset_class = SnapshotRowFilter
