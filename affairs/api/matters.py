"""Major matters (四议一审两公开) in the API: list and read them with their steps, put
one forward, and record its next step (``POST /{id}/steps/``); the services' rules hold
(order, quorum, majority, the town's review before the resolution). A matter outside the
user's scope does not exist (404)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from governance.api.serializers import ChoiceDisplayField, ScopedModelSerializer
from governance.api.viewsets import ScopedQuerysetMixin
from governance.scoping import CHANGE

from .. import matters as service
from ..choices import Assembly, Step
from ..models import Matter, StepRecord


class StepRecordSerializer(serializers.ModelSerializer):
    step_display = ChoiceDisplayField(source="step")
    # blank until the resolution step: declared so the schema admits ""
    assembly = serializers.ChoiceField(choices=Assembly.choices, allow_blank=True, read_only=True)
    assembly_display = ChoiceDisplayField(source="assembly")
    by_name = serializers.StringRelatedField(source="by")

    class Meta:
        model = StepRecord
        fields = [
            "step",
            "step_display",
            "date",
            "assembly",
            "assembly_display",
            "members",
            "present",
            "votes_for",
            "votes_against",
            "abstentions",
            "approved",
            "note",
            "by",
            "by_name",
            "at",
        ]
        read_only_fields = fields


class MatterSerializer(ScopedModelSerializer):
    """A major matter with its steps in order; ``step`` is the last one recorded (null:
    none yet), ``next_step`` the one to record (null: done, or stopped at the town's
    review, ``refused``)."""

    town_name = serializers.CharField(source="town.name", read_only=True)
    village_name = serializers.CharField(source="village.name", read_only=True)
    kind_display = ChoiceDisplayField(source="kind")
    amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, allow_null=True, required=False, default=None
    )
    refused = serializers.SerializerMethodField(help_text=_("the town did not approve it: it stops there"))
    next_step = serializers.SerializerMethodField()
    steps = StepRecordSerializer(many=True, read_only=True)

    class Meta:
        model = Matter
        fields = [
            "id",
            "town",
            "town_name",
            "village",
            "village_name",
            "kind",
            "kind_display",
            "title",
            "description",
            "amount",
            "step",
            "next_step",
            "refused",
            "steps",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["town", "step", "created_at", "updated_at"]

    def get_refused(self, obj) -> bool:
        return bool(getattr(obj, "refused", False))

    @extend_schema_field(serializers.IntegerField(allow_null=True, min_value=1, max_value=7))
    def get_next_step(self, obj):
        upcoming = service.next_step(obj)
        return int(upcoming) if upcoming is not None else None


class StepInputSerializer(serializers.Serializer):
    """The next step of a matter: ``step`` is its number (1–7), given so that a step sent
    twice is refused rather than taken as the following one. Which fields count depends
    on the step: ``members`` and ``present`` for 1, 2, 3 and 5; the votes for 3 (if the
    party members' meeting votes) and 5; ``assembly`` for 5; ``approved`` for 4 (the town
    office only); ``note`` is the record, the town's opinion or the published text."""

    step = serializers.ChoiceField(choices=Step.choices)
    date = serializers.DateField()
    note = serializers.CharField(max_length=4000)
    assembly = serializers.ChoiceField(choices=Assembly.choices, required=False, allow_blank=True)
    members = serializers.IntegerField(min_value=0, max_value=10_000_000, required=False, allow_null=True)
    present = serializers.IntegerField(min_value=0, max_value=10_000_000, required=False, allow_null=True)
    votes_for = serializers.IntegerField(min_value=0, max_value=10_000_000, required=False, allow_null=True)
    votes_against = serializers.IntegerField(
        min_value=0, max_value=10_000_000, required=False, allow_null=True
    )
    abstentions = serializers.IntegerField(min_value=0, max_value=10_000_000, required=False, allow_null=True)
    approved = serializers.BooleanField(required=False, allow_null=True, default=None)


class MatterViewSet(
    ScopedQuerysetMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Major matters of the villages (四议一审两公开), with their steps. A village's cadres
    and the town office put them forward and record their steps in order; the town's
    review (一审, step 4) is the town office's. Supervisors, REST clients and a village's
    party members read. Filter by town, village, kind and step (``0``: no step yet)."""

    queryset = Matter.objects.select_related("town", "village")
    serializer_class = MatterSerializer
    filterset_class = service.MatterFilter
    ordering_fields = ["created_at", "updated_at", "step"]

    def get_queryset(self):
        return service.with_steps(
            super().get_queryset().annotate(refused=service._refused()).order_by("-created_at", "-id")
        )

    def perform_create(self, serializer):
        serializer.instance = service.matter_create(actor=self.request.user, **serializer.validated_data)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.perform_create(serializer)
        return Response(self._fresh(serializer.instance.pk), status=status.HTTP_201_CREATED)

    def _fresh(self, pk):
        return self.get_serializer(self.get_queryset().get(pk=pk)).data

    @extend_schema(request=StepInputSerializer, responses={201: MatterSerializer})
    @action(detail=True, methods=["post"])
    def steps(self, request, pk=None):
        """Record the matter's next step (refused with a field error if it is out of
        order, already recorded, without quorum or majority, or before the town approved)."""
        matter = get_object_or_404(service.matters_for_user(request.user, CHANGE), pk=pk)
        data = StepInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        service.step_record(matter=matter, actor=request.user, **data.validated_data)
        return Response(self._fresh(matter.pk), status=status.HTTP_201_CREATED)
