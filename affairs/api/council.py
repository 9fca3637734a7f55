"""The villagers' council (村民议事厅) and public hearings (评理说事) in the API: list,
read and record topics, meetings, council members and hearings, and a topic's moves as
its page makes them (publish, add a suggestion, decide one, close); the services' rules
hold (affairs/council.py). A row outside the user's scope does not exist (404); one the
user reads but may not change answers 403."""

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from governance.api.serializers import ChoiceDisplayField, ScopedModelSerializer
from governance.api.viewsets import ScopedQuerysetMixin
from grids.models import Town, Village

from .. import council as service
from ..choices import TopicState
from ..models import Hearing, Meeting, Member, Suggestion, Topic


class SuggestionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Suggestion
        fields = ["id", "meeting", "by", "text", "adopted", "outcome", "created_at"]
        read_only_fields = fields


class TopicSerializer(ScopedModelSerializer):
    """A council topic with its suggestions; ``state`` moves by the pages' actions
    (publish, a meeting, close)."""

    village_name = serializers.CharField(source="village.name", read_only=True)
    kind_display = ChoiceDisplayField(source="kind")
    state_display = ChoiceDisplayField(source="state")
    suggestions = SuggestionSerializer(many=True, read_only=True)

    class Meta:
        model = Topic
        fields = [
            "id",
            "town",
            "village",
            "village_name",
            "kind",
            "kind_display",
            "title",
            "description",
            "state",
            "state_display",
            "published_at",
            "closed_at",
            "outcome",
            "suggestions",
            "created_at",
        ]
        read_only_fields = ["town", "state", "published_at", "closed_at", "outcome", "created_at"]


class MeetingSerializer(ScopedModelSerializer):
    kind_display = ChoiceDisplayField(source="kind")

    class Meta:
        model = Meeting
        fields = [
            "id",
            "town",
            "village",
            "kind",
            "kind_display",
            "held_at",
            "place",
            "topics",
            "attendees",
            "others_present",
            "speakers",
            "minutes",
            "created_at",
        ]
        read_only_fields = ["town", "created_at"]
        extra_kwargs = {"attendees": {"required": False}}


class MemberSerializer(ScopedModelSerializer):
    seat_display = ChoiceDisplayField(source="seat")

    class Meta:
        model = Member
        fields = ["id", "town", "village", "seat", "seat_display", "name", "topic", "since", "until"]
        read_only_fields = ["town", "until"]
        extra_kwargs = {"since": {"required": False}}


class PanelMemberSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=32)
    role = serializers.CharField(max_length=64)


class HearingSerializer(ScopedModelSerializer):
    """A public hearing; ``solve_case`` (write only): a settled hearing solves its case,
    open at village level, if the user may make that move."""

    panel = PanelMemberSerializer(many=True)
    settled = serializers.BooleanField(allow_null=True, required=False, default=None)
    solve_case = serializers.BooleanField(write_only=True, required=False, default=False)

    class Meta:
        model = Hearing
        fields = [
            "id",
            "town",
            "village",
            "title",
            "parties",
            "case",
            "held_at",
            "place",
            "panel",
            "summary",
            "panel_view",
            "outcome",
            "settled",
            "solve_case",
            "created_at",
        ]
        read_only_fields = ["town", "created_at"]


class SuggestionInputSerializer(serializers.Serializer):
    """A suggestion made on a topic: who made it, what, at which of the topic's meetings
    (optional), adopted or not (null: not decided yet) and what came of it."""

    by = serializers.CharField(max_length=64, allow_blank=True)
    text = serializers.CharField(max_length=2000, allow_blank=True)
    meeting = serializers.PrimaryKeyRelatedField(
        queryset=Meeting.objects.none(), required=False, allow_null=True, default=None
    )
    adopted = serializers.BooleanField(allow_null=True, required=False, default=None)
    outcome = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")

    def __init__(self, *args, topic=None, **kwargs):
        super().__init__(*args, **kwargs)
        if topic is not None:  # (None: the schema's instance)
            # the topic's village's meetings the user reads; whether one discussed the
            # topic is the service's rule
            user = self.context["request"].user
            self.fields["meeting"].queryset = service.meetings_for_user(user).filter(
                village_id=topic.village_id
            )


class DecideSerializer(serializers.Serializer):
    """Whether one of the topic's suggestions was adopted, and what came of it."""

    suggestion = serializers.PrimaryKeyRelatedField(queryset=Suggestion.objects.none())
    adopted = serializers.BooleanField()
    outcome = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")

    def __init__(self, *args, topic=None, **kwargs):
        super().__init__(*args, **kwargs)
        if topic is not None:  # (None: the schema's instance)
            self.fields["suggestion"].queryset = topic.suggestions.all()


class CloseSerializer(serializers.Serializer):
    outcome = serializers.CharField(max_length=4000, allow_blank=True)


class _VillageFilter(django_filters.FilterSet):
    town = django_filters.ModelChoiceFilter(queryset=Town.objects.all(), label=_("town"))
    village = django_filters.ModelChoiceFilter(queryset=Village.objects.all(), label=_("village"))


class TopicFilter(_VillageFilter):
    state = django_filters.ChoiceFilter(choices=TopicState.choices, label=_("state"))

    class Meta:
        model = Topic
        fields = ["town", "village", "kind", "state"]


class MeetingFilter(_VillageFilter):
    class Meta:
        model = Meeting
        fields = ["town", "village", "kind"]


class MemberFilter(_VillageFilter):
    class Meta:
        model = Member
        fields = ["town", "village", "seat", "topic"]


class HearingFilter(_VillageFilter):
    class Meta:
        model = Hearing
        fields = ["town", "village", "case", "settled"]


class _Base(
    ScopedQuerysetMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    create_service = None

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        instance = type(self).create_service(actor=request.user, **serializer.validated_data)
        return Response(
            self.get_serializer(self.get_queryset().get(pk=instance.pk)).data, status=status.HTTP_201_CREATED
        )


class TopicViewSet(_Base):
    """Council topics (议题) of the villages, with their suggestions. A village's cadres
    and the town office propose them; supervisors, REST clients and a village's party
    members read (party members: published ones). Filter by town, village, kind, state."""

    queryset = (
        Topic.objects.select_related("village").prefetch_related("suggestions").order_by("-created_at", "-id")
    )
    serializer_class = TopicSerializer
    filterset_class = TopicFilter
    create_service = staticmethod(service.topic_create)

    def _fresh(self, pk, status_code=status.HTTP_200_OK):
        return Response(self.get_serializer(self.get_queryset().get(pk=pk)).data, status=status_code)

    def _input(self, serializer_class, topic):
        data = serializer_class(data=self.request.data, topic=topic, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        return data.validated_data

    @extend_schema(request=None, responses=TopicSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Publish a proposed topic ahead of its meeting, for villagers to look into (its
        village's party members read it from now on, and its public page shows it)."""
        topic = self.get_object()
        service.topic_publish(topic=topic, actor=request.user)
        return self._fresh(topic.pk)

    @extend_schema(request=SuggestionInputSerializer, responses={201: TopicSerializer})
    @action(detail=True, methods=["post"])
    def suggestions(self, request, pk=None):
        """Record a suggestion made on an open topic; answers the topic with its
        suggestions."""
        topic = self.get_object()
        service.suggestion_add(
            topic=topic, actor=request.user, **self._input(SuggestionInputSerializer, topic)
        )
        return self._fresh(topic.pk, status.HTTP_201_CREATED)

    @extend_schema(request=DecideSerializer, responses=TopicSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        """Record whether one of the topic's suggestions was adopted, and what came of it
        (not once the topic is closed)."""
        topic = self.get_object()
        service.suggestion_decide(actor=request.user, **self._input(DecideSerializer, topic))
        return self._fresh(topic.pk)

    @extend_schema(request=CloseSerializer, responses=TopicSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Close the topic with what came of it; its stakeholders (X) are released today."""
        topic = self.get_object()
        data = CloseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        service.topic_close(topic=topic, actor=request.user, outcome=data.validated_data["outcome"])
        return self._fresh(topic.pk)


class MeetingViewSet(_Base):
    """Council and courtyard meetings (院坝会): when, where, the topics, who attended."""

    queryset = Meeting.objects.prefetch_related("topics", "attendees").order_by("-held_at", "-id")
    serializer_class = MeetingSerializer
    filterset_class = MeetingFilter
    create_service = staticmethod(service.meeting_record)


class MemberViewSet(_Base):
    """The councils' members (理事会 9+X): nine fixed seats, and stakeholders of one topic
    (released, ``until``, when it closes)."""

    queryset = Member.objects.order_by("village_id", "seat", "name")
    serializer_class = MemberSerializer
    filterset_class = MemberFilter
    create_service = staticmethod(service.member_add)


class HearingViewSet(_Base):
    """Disputes heard in public (评理说事), with their panel, view and outcome; filter by
    ``case`` for a case's hearings."""

    queryset = Hearing.objects.order_by("-held_at", "-id")
    serializer_class = HearingSerializer
    filterset_class = HearingFilter
    create_service = staticmethod(service.hearing_record)
