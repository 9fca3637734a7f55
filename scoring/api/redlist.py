"""The red and black list (红黑榜) in the API: entries by grid, village, state and list;
a grid worker or cadre proposes, the village (another cadre) or the town office approves
or rejects with a note, then publishes. Scoped like the pages."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response

from governance.api.permissions import ScopedPermission
from governance.api.serializers import ChoiceDisplayField
from governance.api.viewsets import ScopedQuerysetMixin
from grids.models import Grid, Household, Town, Village

from .. import redlist as service
from ..choices import ListKind, ListState
from ..models import ListEntry


class ListEntryFilter(django_filters.FilterSet):
    town = django_filters.ModelChoiceFilter(queryset=Town.objects.all(), label=_("town"))
    village = django_filters.ModelChoiceFilter(queryset=Village.objects.all(), label=_("village"))
    grid = django_filters.ModelChoiceFilter(queryset=Grid.objects.all(), label=_("grid"))
    kind = django_filters.ChoiceFilter(choices=ListKind.choices, label=_("list"))
    state = django_filters.ChoiceFilter(choices=ListState.choices, label=_("state"))

    class Meta:
        model = ListEntry
        fields = ["town", "village", "grid", "kind", "state"]


class ListEntrySerializer(serializers.ModelSerializer):
    household = serializers.PrimaryKeyRelatedField(queryset=Household.objects.none())
    household_number = serializers.CharField(source="household.number", read_only=True)
    display_name = serializers.SerializerMethodField(help_text=_("what the public page shows"))
    kind_display = ChoiceDisplayField(source="kind")
    state_display = ChoiceDisplayField(source="state")
    rule = serializers.CharField(max_length=service.RULE_MAX, required=False, allow_blank=True)
    decided_by = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    decided_at = serializers.DateTimeField(read_only=True, allow_null=True)
    published_at = serializers.DateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = ListEntry
        fields = [
            "id",
            "town",
            "village",
            "grid",
            "household",
            "household_number",
            "display_name",
            "kind",
            "kind_display",
            "reason",
            "rule",
            "starts_on",
            "ends_on",
            "state",
            "state_display",
            "proposed_by",
            "decided_by",
            "decided_at",
            "decision_note",
            "published_at",
            "created_at",
        ]
        read_only_fields = [
            "town",
            "village",
            "grid",
            "state",
            "proposed_by",
            "decided_by",
            "decided_at",
            "decision_note",
            "published_at",
            "created_at",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["household"].queryset = service.households_proposable_by(request.user)

    def get_display_name(self, entry) -> str:
        return service.display_name(entry.household)


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=service.NOTE_MAX, required=False, allow_blank=True)


class MayPropose(ScopedPermission):
    """A create is a proposal: grid workers and village cadres with households to
    propose; the other moves are decided on the entry by the services."""

    def has_permission(self, request, view):
        if getattr(view, "action", None) == "create":
            return bool(request.user and request.user.is_authenticated) and (
                service.households_proposable_by(request.user).exists()
            )
        if getattr(view, "detail", False) and request.method not in SAFE_METHODS:
            # approve, reject, publish: decided on the entry by the services
            return bool(request.user and request.user.is_authenticated)
        return super().has_permission(request, view)


class RedListViewSet(
    ScopedQuerysetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """The red and black list (红黑榜). A create proposes a household (a grid worker in
    their grid, a cadre in their village); ``{id}/approve/`` and ``{id}/reject/`` (with a
    note) are the village's — a cadre other than the proposer — or the town office's;
    ``{id}/publish/`` shows an approved entry on the grid's public page until its end."""

    queryset = ListEntry.objects.select_related("household", "grid", "village")
    serializer_class = ListEntrySerializer
    filterset_class = ListEntryFilter
    permission_classes = [MayPropose]
    ordering_fields = ["starts_on", "ends_on", "created_at"]

    def get_queryset(self):
        return super().get_queryset().order_by("-starts_on", "-id")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = service.entry_propose(
            household=data["household"],
            kind=data["kind"],
            reason=data.get("reason", ""),
            rule=data.get("rule", ""),
            starts_on=data.get("starts_on"),
            ends_on=data.get("ends_on"),
            actor=self.request.user,
        )

    def _move(self, request, pk, move):
        entry = get_object_or_404(self.get_queryset(), pk=pk)
        body = NoteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        move(entry, body.validated_data.get("note", ""))
        return Response(
            self.get_serializer(self.get_queryset().get(pk=entry.pk)).data, status=status.HTTP_200_OK
        )

    @extend_schema(request=NoteSerializer, responses={200: ListEntrySerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Approve a proposed entry (a cadre of the village other than the proposer, or the town office)."""
        return self._move(
            request, pk, lambda e, note: service.entry_approve(entry=e, note=note, actor=request.user)
        )

    @extend_schema(request=NoteSerializer, responses={200: ListEntrySerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """Reject a proposed or approved entry, with a note saying why."""
        return self._move(
            request, pk, lambda e, note: service.entry_reject(entry=e, note=note, actor=request.user)
        )

    @extend_schema(request=None, responses={200: ListEntrySerializer})
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Publish an approved entry on the grid's public page."""
        return self._move(request, pk, lambda e, note: service.entry_publish(entry=e, actor=request.user))
