"""Officers sent in from outside (平安书记, 第一书记) in the API: officers with this year's
figures, postings (``POST /{id}/end/``), activities, night visits (``POST schedule/``,
``/{id}/hold/``, ``/{id}/cancel/``, ``/{id}/matters/``), the matters brought to them
(``POST /{id}/make-case/``) and the yearly assessments. The same services as the pages;
what is outside the user's scope does not exist (404)."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from cases.models import CaseKind
from governance.api.serializers import ChoiceDisplayField, ScopedModelSerializer
from governance.api.viewsets import ScopedQuerysetMixin
from governance.filters import IntegerFilter
from governance.scoping import restrict
from grids.models import Village

from .. import officers as service
from ..choices import OfficerGrade
from ..models import Activity, NightVisit, NightVisitMatter, Officer, OfficerAssessment, Posting

_READ = (mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet)


class _Created:
    """Create through a service, answer with the row as read."""

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        row = self.make(serializer.validated_data)
        return Response(self._fresh(row.pk), status=status.HTTP_201_CREATED)

    def _fresh(self, pk):
        return self.get_serializer(self.get_queryset().get(pk=pk)).data


# --- officers ------------------------------------------------------------------------------


class PostingBriefSerializer(serializers.ModelSerializer):
    village_name = serializers.CharField(source="village.name", read_only=True)

    class Meta:
        model = Posting
        fields = ["id", "village", "village_name", "since"]
        read_only_fields = fields


class OfficerSerializer(ScopedModelSerializer):
    """An officer with their open postings and this year's figures."""

    kind_display = ChoiceDisplayField(source="kind")
    profession_display = ChoiceDisplayField(source="profession")
    postings = PostingBriefSerializer(source="open_postings", many=True, read_only=True)
    activities_year = serializers.IntegerField(read_only=True)
    visits_held_year = serializers.IntegerField(read_only=True)
    people_received_year = serializers.IntegerField(read_only=True)

    class Meta:
        model = Officer
        fields = [
            "id",
            "town",
            "kind",
            "kind_display",
            "name",
            "profession",
            "profession_display",
            "employer",
            "phone",
            "user",
            "group",
            "visiting_hours",
            "postings",
            "activities_year",
            "visits_held_year",
            "people_received_year",
        ]


class OfficerViewSet(ScopedQuerysetMixin, _Created, mixins.CreateModelMixin, *_READ):
    """Officers sent in (the town office registers them); with the year's activities,
    night visits held and people received. Filter by town, kind, profession, group."""

    queryset = Officer.objects.all()
    serializer_class = OfficerSerializer
    filterset_fields = ["town", "kind", "profession", "group"]

    def get_queryset(self):
        return service.officers_for_user(self.request.user).order_by("kind", "name", "id")

    def make(self, data):
        return service.officer_create(actor=self.request.user, **data)


# --- postings ------------------------------------------------------------------------------


class PostingSerializer(ScopedModelSerializer):
    officer_name = serializers.CharField(source="officer.name", read_only=True)
    village_name = serializers.CharField(source="village.name", read_only=True)

    class Meta:
        model = Posting
        fields = ["id", "officer", "officer_name", "village", "village_name", "since", "until"]
        read_only_fields = ["until"]


class PostingEndInputSerializer(serializers.Serializer):
    until = serializers.DateField()


class PostingViewSet(ScopedQuerysetMixin, _Created, mixins.CreateModelMixin, *_READ):
    """Postings of officers to villages; the town office posts (the officer's account
    then reads the village) and ends them (``POST /{id}/end/``)."""

    queryset = Posting.objects.select_related("officer", "village")
    serializer_class = PostingSerializer
    filterset_fields = ["officer", "village"]

    def get_queryset(self):
        return super().get_queryset().order_by("-since", "-id")

    def make(self, data):
        return service.posting_create(actor=self.request.user, **data)

    @extend_schema(request=PostingEndInputSerializer, responses={200: PostingSerializer})
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        """End the posting on ``until``."""
        posting = get_object_or_404(self.get_queryset(), pk=pk)
        data = PostingEndInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        service.posting_end(posting=posting, actor=request.user, **data.validated_data)
        return Response(self._fresh(posting.pk))


# --- activities ----------------------------------------------------------------------------


class OfficerActivitySerializer(ScopedModelSerializer):
    kind_display = ChoiceDisplayField(source="kind")
    officer_name = serializers.CharField(source="officer.name", read_only=True)
    village_name = serializers.CharField(source="village.name", read_only=True)
    people = serializers.IntegerField(min_value=0, max_value=100_000, required=False, default=0)

    class Meta:
        model = Activity
        fields = [
            "id",
            "officer",
            "officer_name",
            "village",
            "village_name",
            "kind",
            "kind_display",
            "date",
            "title",
            "detail",
            "people",
            "recorded_by",
        ]
        read_only_fields = ["recorded_by"]


class ActivityViewSet(ScopedQuerysetMixin, _Created, mixins.CreateModelMixin, *_READ):
    """Officers' activities; the officer (their own) and the town office record them, only
    for a village the officer is posted to now."""

    queryset = Activity.objects.select_related("officer", "village")
    serializer_class = OfficerActivitySerializer
    filterset_fields = ["officer", "village", "kind"]

    def get_queryset(self):
        return super().get_queryset().order_by("-date", "-id")

    def make(self, data):
        return service.activity_record(actor=self.request.user, **data)


# --- night visits and their matters ----------------------------------------------------------


class NightVisitMatterSerializer(serializers.ModelSerializer):
    outcome_display = ChoiceDisplayField(source="outcome")
    case_number = serializers.CharField(
        source="case.tracking_number", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = NightVisitMatter
        fields = [
            "id",
            "night_visit",
            "person",
            "matter",
            "outcome",
            "outcome_display",
            "answer",
            "case",
            "case_number",
            "created_at",
        ]
        read_only_fields = fields


class NightVisitSerializer(serializers.ModelSerializer):
    state_display = ChoiceDisplayField(source="state")
    officer_name = serializers.CharField(source="officer.name", read_only=True)
    village_name = serializers.CharField(source="village.name", read_only=True)
    matters = NightVisitMatterSerializer(many=True, read_only=True)

    class Meta:
        model = NightVisit
        fields = [
            "id",
            "officer",
            "officer_name",
            "village",
            "village_name",
            "date",
            "station",
            "state",
            "state_display",
            "people_received",
            "summary",
            "held_at",
            "matters",
        ]
        read_only_fields = fields


class NightVisitScheduleSerializer(serializers.Serializer):
    """A month (this one up to three ahead) of an officer's evenings at ``village``, one
    the officer is posted to now (it may be left out when there is only one)."""

    officer = serializers.PrimaryKeyRelatedField(queryset=Officer.objects.all())
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    month = serializers.IntegerField(min_value=1, max_value=12)
    village = serializers.PrimaryKeyRelatedField(
        queryset=Village.objects.none(), required=False, allow_null=True, default=None
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        officers = service.recordable_officers(user)
        self.fields["officer"].queryset = officers
        posted = Posting.objects.filter(
            officer__in=officers, deleted_at__isnull=True, until__isnull=True
        ).values("village_id")
        self.fields["village"].queryset = restrict(
            Village.objects.filter(pk__in=posted, deleted_at__isnull=True), user
        )

    def validate(self, attrs):
        problem = service.schedule_month_error(attrs["year"], attrs["month"])
        if problem:
            raise serializers.ValidationError({"month": problem})
        return attrs


class NightVisitHoldSerializer(serializers.Serializer):
    people_received = serializers.IntegerField(min_value=0, max_value=100_000)
    summary = serializers.CharField(max_length=4000)


class NightVisitCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


class NightVisitMatterInputSerializer(serializers.Serializer):
    """A matter brought: ``answered`` with its ``answer``, or ``case`` with the case's
    ``kind`` (registered with the village through the cases service)."""

    person = serializers.CharField(max_length=32)
    matter = serializers.CharField(max_length=2000)
    outcome = serializers.ChoiceField(choices=NightVisitMatter._meta.get_field("outcome").choices)
    answer = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    kind = serializers.PrimaryKeyRelatedField(
        queryset=CaseKind.objects.all(), required=False, allow_null=True, default=None
    )


class MatterMakeCaseSerializer(serializers.Serializer):
    kind = serializers.PrimaryKeyRelatedField(queryset=CaseKind.objects.all())


class NightVisitViewSet(ScopedQuerysetMixin, *_READ):
    """First secretaries' night visits (on the 1st, 10th, 15th, 25th) with the matters
    brought. The officer (their own) and the town office schedule a month's evenings
    (``POST schedule/``), record one held or cancelled and add its matters."""

    queryset = NightVisit.objects.select_related("officer", "village")
    serializer_class = NightVisitSerializer
    filterset_fields = ["officer", "village", "state"]

    def get_queryset(self):
        return super().get_queryset().prefetch_related("matters__case").order_by("-date", "-id")

    def _fresh(self, pk):
        return self.get_serializer(self.get_queryset().get(pk=pk)).data

    def _visit(self, pk):
        return get_object_or_404(self.get_queryset(), pk=pk)

    @extend_schema(request=NightVisitScheduleSerializer, responses={201: NightVisitSerializer(many=True)})
    @action(detail=False, methods=["post"])
    def schedule(self, request):
        """The month's four evenings at the village's station (those already there are
        skipped); answers with the ones made."""
        data = NightVisitScheduleSerializer(data=request.data, user=request.user)
        data.is_valid(raise_exception=True)
        made = service.month_schedule(actor=request.user, **data.validated_data)
        rows = self.get_queryset().filter(pk__in=[v.pk for v in made])
        return Response(self.get_serializer(rows, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=NightVisitHoldSerializer, responses={200: NightVisitSerializer})
    @action(detail=True, methods=["post"])
    def hold(self, request, pk=None):
        visit = self._visit(pk)
        data = NightVisitHoldSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        service.night_visit_hold(visit=visit, actor=request.user, **data.validated_data)
        return Response(self._fresh(visit.pk))

    @extend_schema(request=NightVisitCancelSerializer, responses={200: NightVisitSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        visit = self._visit(pk)
        data = NightVisitCancelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        service.night_visit_cancel(visit=visit, actor=request.user, **data.validated_data)
        return Response(self._fresh(visit.pk))

    @extend_schema(request=NightVisitMatterInputSerializer, responses={201: NightVisitSerializer})
    @action(detail=True, methods=["post"])
    def matters(self, request, pk=None):
        """Add a matter brought to the (held) evening."""
        visit = self._visit(pk)
        data = NightVisitMatterInputSerializer(data=request.data)
        data.fields["kind"].queryset = service.case_kinds_for(visit.village)
        data.is_valid(raise_exception=True)
        service.matter_record(visit=visit, actor=request.user, **data.validated_data)
        return Response(self._fresh(visit.pk), status=status.HTTP_201_CREATED)


class NightVisitMatterViewSet(ScopedQuerysetMixin, *_READ):
    """The matters brought to night visits; one answered on the spot may be made a case
    later (``POST /{id}/make-case/``)."""

    queryset = NightVisitMatter.objects.select_related("case", "night_visit__village")
    serializer_class = NightVisitMatterSerializer
    filterset_fields = ["night_visit", "outcome"]

    def get_queryset(self):
        return super().get_queryset().order_by("-id")

    @extend_schema(request=MatterMakeCaseSerializer, responses={200: NightVisitMatterSerializer})
    @action(detail=True, methods=["post"], url_path="make-case")
    def make_case(self, request, pk=None):
        matter = get_object_or_404(self.get_queryset(), pk=pk)
        data = MatterMakeCaseSerializer(data=request.data)
        data.fields["kind"].queryset = service.case_kinds_for(matter.night_visit.village)
        data.is_valid(raise_exception=True)
        service.matter_make_case(matter=matter, actor=request.user, **data.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=matter.pk)).data)


# --- assessments -----------------------------------------------------------------------------


class OfficerAssessmentSerializer(ScopedModelSerializer):
    grade = serializers.ChoiceField(choices=OfficerGrade.choices)
    grade_display = ChoiceDisplayField(source="grade")
    officer_name = serializers.CharField(source="officer.name", read_only=True)
    year = serializers.IntegerField(min_value=2000, max_value=2100)

    class Meta:
        model = OfficerAssessment
        fields = ["id", "officer", "officer_name", "year", "grade", "grade_display", "comment", "assessed_by"]
        read_only_fields = ["assessed_by"]


class OfficerAssessmentFilter(django_filters.FilterSet):
    year = IntegerFilter(min_value=2000, max_value=2100)

    class Meta:
        model = OfficerAssessment
        fields = ["officer", "year", "grade"]


class AssessmentViewSet(ScopedQuerysetMixin, _Created, mixins.CreateModelMixin, *_READ):
    """The officers' yearly assessments: the town office grades each officer once a year;
    supervisors of the town read them, and each officer their own."""

    queryset = OfficerAssessment.objects.select_related("officer")
    serializer_class = OfficerAssessmentSerializer
    filterset_class = OfficerAssessmentFilter

    def get_queryset(self):
        return super().get_queryset().order_by("-year", "officer_id")

    def make(self, data):
        return service.assessment_record(actor=self.request.user, **data)
