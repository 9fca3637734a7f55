from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.generics import get_object_or_404  # a malformed id is a 404 too
from rest_framework.response import Response

from governance.api.viewsets import ScopedQuerysetMixin
from governance.scoping import CHANGE, restrict

from .. import selectors, services
from ..filters import (
    AmendmentFilter,
    DutyFlagFilter,
    DutyLogFilter,
    LogAmendmentFilter,
    RosterFilter,
    ShiftFilter,
)
from ..models import (
    Amendment,
    DutyFlag,
    DutyLog,
    DutySettings,
    LogAmendment,
    PatrolFinding,
    Roster,
    Shift,
    SpotCheck,
    Visit,
)
from . import serializers as s


def _day_errors(exc, index_of: dict) -> dict:
    """The service's ``<field>_<date>`` errors shaped as DRF shapes a list's: by the
    day's index in the request (``{"days": {"0": {"cadre": [...]}}}``)."""
    days: dict[str, dict] = {}
    other: dict[str, list] = {}
    for key, messages in exc.message_dict.items():
        field, _sep, day = key.rpartition("_")
        if field and day in index_of:
            days.setdefault(str(index_of[day]), {}).setdefault(field, []).extend(messages)
        else:
            other.setdefault("non_field_errors" if key == "__all__" else key, []).extend(messages)
    return {"days": days, **other} if days else other


class RosterViewSet(
    ScopedQuerysetMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Monthly duty rosters with their days. A draft is created, edited (its duty phone,
    its days, a rotation) and published by the town office and the village's cadres;
    a published roster changes only by amendments (``/duty/amendments/``)."""

    queryset = Roster.objects.select_related("village", "published_by")
    serializer_class = s.RosterSerializer
    filterset_class = RosterFilter
    ordering_fields = ["month", "published_at", "updated_at"]

    def get_queryset(self):
        return selectors.roster_with_days(super().get_queryset().order_by("-month", "village__code"))

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.roster_create(
            village=data["village"],
            month=data["month"],
            duty_phone=data.get("duty_phone", ""),
            actor=self.request.user,
        )

    def perform_update(self, serializer):
        serializer.instance = services.roster_update(
            roster=serializer.instance,
            duty_phone=serializer.validated_data.get("duty_phone", serializer.instance.duty_phone),
            actor=self.request.user,
        )

    def perform_destroy(self, instance):
        services.roster_delete(roster=instance, actor=self.request.user)

    def _fresh(self, roster):
        return Response(
            s.RosterSerializer(
                self.get_queryset().get(pk=roster.pk), context=self.get_serializer_context()
            ).data
        )

    @extend_schema(request=s.DaysSerializer, responses=s.RosterSerializer)
    @action(detail=True, methods=["post"])
    def days(self, request, pk=None):
        """Set who is on duty on the days given (a draft only; other days stay)."""
        roster = self.get_object()
        params = s.DaysSerializer(data=request.data, context=self.get_serializer_context())
        params.is_valid(raise_exception=True)
        entries = params.validated_data["days"]
        index_of = {entry["date"].isoformat(): i for i, entry in enumerate(entries)}
        if len(index_of) != len(entries):
            raise ValidationError({"days": [_("Each day may be given only once.")]})
        try:
            services.roster_set_days(
                roster=roster,
                days={e["date"]: services.Day(e["cadre"], e.get("second")) for e in entries},
                actor=request.user,
            )
        except DjangoValidationError as exc:
            raise ValidationError(_day_errors(exc, index_of)) from None
        return self._fresh(roster)

    @extend_schema(request=s.FillSerializer, responses=s.RosterSerializer)
    @action(detail=True, methods=["post"])
    def fill(self, request, pk=None):
        """Fill the month by rotation (a draft only): the cadres in turn, ``days_each``
        duty days each, on the calendar's working days (and weekends if asked); the
        month's earlier days are replaced, and nothing is written if a day cannot be."""
        roster = self.get_object()
        params = s.FillSerializer(data=request.data, context=self.get_serializer_context())
        params.is_valid(raise_exception=True)
        services.roster_fill(roster=roster, actor=request.user, **params.validated_data)
        return self._fresh(roster)

    @extend_schema(request=None, responses=s.RosterSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Publish and archive the roster: from now on it changes only by amendments."""
        roster = self.get_object()
        services.roster_publish(roster=roster, actor=request.user)
        return self._fresh(roster)


class ShiftViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """Who is on duty where and when, one row per person and day (live rosters only)."""

    queryset = Shift.objects.filter(roster__deleted_at__isnull=True).select_related("person")
    serializer_class = s.ShiftSerializer
    filterset_class = ShiftFilter
    ordering_fields = ["date"]

    def get_queryset(self):
        return super().get_queryset().order_by("date", "roster_id", "position")


class AmendmentViewSet(
    ScopedQuerysetMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Changes to published rosters, append-only: each names the day, who was replaced
    by whom, and why."""

    queryset = Amendment.objects.filter(roster__deleted_at__isnull=True).select_related(
        "replaced", "replacement", "by"
    )
    serializer_class = s.AmendmentSerializer
    filterset_class = AmendmentFilter
    ordering_fields = ["date", "at"]

    def get_serializer(self, *args, **kwargs):
        serializer = super().get_serializer(*args, **kwargs)
        if self.action == "create":
            # Only rosters the user may change can be amended; another is "does not exist".
            field = serializer.fields["roster"]
            field.queryset = restrict(Roster.objects.all(), self.request.user, CHANGE)
        return serializer

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.roster_amend(
            roster=data["roster"],
            date=data["date"],
            replaced=data["replaced"],
            replacement=data["replacement"],
            reason=data.get("reason", ""),
            actor=self.request.user,
        )


class DutySettingsViewSet(
    ScopedQuerysetMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Each town's roster deadline: next month's roster is due by ``publish_by_day`` of
    the month before (25 where the town has set none)."""

    queryset = DutySettings.objects.select_related("town")
    serializer_class = s.DutySettingsSerializer
    filterset_fields = ["town"]

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.settings_set(
            town=data["town"], publish_by_day=data["publish_by_day"], actor=self.request.user
        )

    def perform_update(self, serializer):
        instance = serializer.instance
        serializer.instance = services.settings_set(
            town=instance.town,
            publish_by_day=serializer.validated_data.get("publish_by_day", instance.publish_by_day),
            actor=self.request.user,
        )


class DutyLogViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """Daily duty logs (值班日记) with their nine items and amendments, read-only here:
    the cadre on duty files them on the today page. Filter by town, village, date range,
    cadre and state."""

    queryset = DutyLog.objects.select_related("village", "cadre")
    serializer_class = s.DutyLogSerializer
    filterset_class = DutyLogFilter
    ordering_fields = ["date", "signed_at", "check_in_at"]

    def get_queryset(self):
        return selectors.with_progress(
            super().get_queryset().order_by("-date", "village_id")
        ).prefetch_related(
            "errands_opened",
            "errands_done",
            Prefetch("findings", queryset=PatrolFinding.objects.select_related("case").order_by("id")),
            Prefetch("spot_checks", queryset=SpotCheck.objects.select_related("household").order_by("id")),
            Prefetch(
                "visits_made",
                queryset=Visit.objects.filter(deleted_at__isnull=True)
                .select_related("household", "case")
                .order_by("visited_at", "id"),
                to_attr="log_visits",
            ),
            "talks",
            "elderly",
            Prefetch("amendments", queryset=LogAmendment.objects.select_related("by").order_by("at", "id")),
        )


class LogAmendmentViewSet(
    ScopedQuerysetMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Corrections to signed duty logs, append-only, each with its reason; added by the
    log's cadre."""

    queryset = LogAmendment.objects.select_related("by")
    serializer_class = s.LogAmendmentSerializer
    filterset_class = LogAmendmentFilter
    ordering_fields = ["at"]

    def get_queryset(self):
        return super().get_queryset().order_by("log_id", "at", "id")

    def get_serializer(self, *args, **kwargs):
        serializer = super().get_serializer(*args, **kwargs)
        if self.action == "create":
            serializer.fields["log"].queryset = restrict(DutyLog.objects.all(), self.request.user, CHANGE)
        return serializer

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.log_amend(
            log=data["log"],
            item=data["item"],
            correction=data.get("correction", ""),
            reason=data.get("reason", ""),
            actor=self.request.user,
        )


class DutyFlagViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """Flags for the town office: duty days without a signed log (by the next morning's
    sweep). The office dismisses a flag with a reason."""

    queryset = DutyFlag.objects.select_related("village", "dismissed_by")
    serializer_class = s.DutyFlagSerializer
    filterset_class = DutyFlagFilter
    ordering_fields = ["date", "created_at"]

    def get_queryset(self):
        return super().get_queryset().order_by("-date", "village_id", "kind")

    @extend_schema(request=s.DismissSerializer, responses=s.DutyFlagSerializer)
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        """Dismiss the flag, saying why (the town office)."""
        flag = get_object_or_404(restrict(DutyFlag.objects.all(), request.user, CHANGE), pk=pk)
        params = s.DismissSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        flag = services.flag_dismiss(flag=flag, actor=request.user, reason=params.validated_data["reason"])
        return Response(s.DutyFlagSerializer(flag, context=self.get_serializer_context()).data)
