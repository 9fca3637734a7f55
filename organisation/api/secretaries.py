"""The village secretaries' files (先锋书记) and 承诺述职评议考核 in the API: files with their
entries (``POST /{id}/entries/``), commitments with their progress (``POST
/{id}/progress/``, multipart for an evidence photo; the town office's final ``POST
/{id}/mark/``), and yearly reviews (``POST /{id}/report/``, ``/{id}/assess/``,
``/{id}/publish/``). The same services as the pages; what is outside the user's scope does
not exist (404)."""

from __future__ import annotations

import django_filters
from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from governance.api.serializers import ChoiceDisplayField, ScopedModelSerializer
from governance.api.viewsets import ScopedQuerysetMixin
from governance.filters import IntegerFilter
from governance.scoping import CHANGE

from .. import secretaries as service
from ..choices import CommitmentState, ReviewGrade
from ..models import Commitment, FileEntry, Progress, Review, SecretaryFile


class _Created:
    """Create through a service, answer with the row as read."""

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        row = self.make(serializer.validated_data)
        return Response(self._fresh(row.pk), status=status.HTTP_201_CREATED)

    def _fresh(self, pk):
        return self.get_serializer(self.get_queryset().get(pk=pk)).data


_BASE = (
    ScopedQuerysetMixin,
    _Created,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
)


# --- files ---------------------------------------------------------------------------------


class FileEntrySerializer(serializers.ModelSerializer):
    kind_display = ChoiceDisplayField(source="kind")

    class Meta:
        model = FileEntry
        fields = ["id", "kind", "kind_display", "date", "title", "detail", "score", "by", "at"]
        read_only_fields = ["id", "by", "at"]


class SecretaryFileSerializer(ScopedModelSerializer):
    """A secretary's file over its five-year cycle, its entries newest first, and the days
    since the last talk with the mentor (``talk_late``: more than a half month, or none)."""

    village_name = serializers.CharField(source="village.name", read_only=True)
    secretary_name = serializers.CharField(source="secretary.resident.name", read_only=True)
    cycle_end = serializers.IntegerField(read_only=True)
    last_talk = serializers.DateField(read_only=True, allow_null=True)
    talk_days = serializers.SerializerMethodField()
    talk_late = serializers.SerializerMethodField()
    entries = FileEntrySerializer(many=True, read_only=True)

    class Meta:
        model = SecretaryFile
        fields = [
            "id",
            "town",
            "village",
            "village_name",
            "secretary",
            "secretary_name",
            "user",
            "cycle_start",
            "cycle_end",
            "selected",
            "mentor",
            "last_talk",
            "talk_days",
            "talk_late",
            "entries",
            "created_at",
        ]
        read_only_fields = ["town", "created_at"]
        extra_kwargs = {"cycle_start": {"min_value": service.FIRST_YEAR, "max_value": 2100}}

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_talk_days(self, obj):
        return service.talk_gap(getattr(obj, "last_talk", None))["days"]

    def get_talk_late(self, obj) -> bool:
        return service.talk_gap(getattr(obj, "last_talk", None))["late"]


class FileFilter(django_filters.FilterSet):
    village = IntegerFilter(field_name="village_id", min_value=1, max_value=2**31 - 1)
    cycle_start = IntegerFilter(min_value=service.FIRST_YEAR, max_value=2100)

    class Meta:
        model = SecretaryFile
        fields = ["village", "cycle_start", "selected"]


class SecretaryFileViewSet(mixins.UpdateModelMixin, *_BASE):
    """Village secretaries' files: the town office opens them, changes their pioneer flag,
    mentor and account (``PATCH``; the village, secretary and cycle stay as opened) and
    appends entries (never changed); supervisors read the town's; a secretary reads their
    own."""

    http_method_names = ["get", "post", "patch", "head", "options"]

    queryset = SecretaryFile.objects.all()
    serializer_class = SecretaryFileSerializer
    filterset_class = FileFilter

    def get_queryset(self):
        from django.db.models import Prefetch

        return (
            service.files_for_user(self.request.user)
            .prefetch_related(Prefetch("entries", queryset=FileEntry.objects.order_by("-date", "-id")))
            .order_by("village_id", "-cycle_start", "id")
        )

    def make(self, data):
        return service.file_create(actor=self.request.user, **data)

    def update(self, request, *args, **kwargs):
        file = get_object_or_404(service.files_for_user(request.user, CHANGE), pk=kwargs["pk"])
        serializer = self.get_serializer(file, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        changes = {name: data[name] for name in ("selected", "mentor", "user") if name in data}
        service.file_update(file=file, actor=request.user, **changes)
        return Response(self._fresh(file.pk))

    @extend_schema(request=FileEntrySerializer, responses={201: FileEntrySerializer})
    @action(detail=True, methods=["post"])
    def entries(self, request, pk=None):
        """Append an entry to the file (the town office)."""
        file = get_object_or_404(service.files_for_user(request.user, CHANGE), pk=pk)
        data = FileEntrySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        entry = service.entry_append(file=file, actor=request.user, **data.validated_data)
        return Response(FileEntrySerializer(entry).data, status=status.HTTP_201_CREATED)


# --- commitments ---------------------------------------------------------------------------


class ProgressSerializer(serializers.ModelSerializer):
    state_display = ChoiceDisplayField(source="state")
    evidence = serializers.SerializerMethodField()

    class Meta:
        model = Progress
        fields = ["id", "date", "percent", "note", "state", "state_display", "evidence", "by", "at"]
        read_only_fields = fields

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_evidence(self, step):
        if not step.evidence:
            return None
        path = reverse("organisation:commitment-photo", args=[step.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class CommitmentSerializer(ScopedModelSerializer):
    """A commitment of a village committee's term, with its progress, newest step first."""

    village_name = serializers.CharField(source="village.name", read_only=True)
    state_display = ChoiceDisplayField(source="state")
    steps = ProgressSerializer(many=True, read_only=True)

    class Meta:
        model = Commitment
        fields = [
            "id",
            "town",
            "village",
            "village_name",
            "term_start",
            "term_end",
            "number",
            "title",
            "detail",
            "state",
            "state_display",
            "progress",
            "steps",
            "created_at",
        ]
        read_only_fields = ["town", "state", "progress", "created_at"]
        extra_kwargs = {
            "term_start": {"min_value": service.FIRST_YEAR, "max_value": 2100},
            "term_end": {"min_value": service.FIRST_YEAR, "max_value": 2100},
            "number": {"min_value": 1, "max_value": 999},
        }


class ProgressInputSerializer(serializers.Serializer):
    """A step of progress: the percent never goes down; an evidence photo optional
    (multipart)."""

    date = serializers.DateField()
    percent = serializers.IntegerField(min_value=0, max_value=100)
    note = serializers.CharField(max_length=2000)
    photo = serializers.ImageField(required=False, allow_null=True)


class MarkInputSerializer(serializers.Serializer):
    """The town office's final step: kept (100 %) or not kept."""

    kept = serializers.BooleanField()
    date = serializers.DateField()
    note = serializers.CharField(max_length=2000)
    photo = serializers.ImageField(required=False, allow_null=True)


class CommitmentFilter(django_filters.FilterSet):
    village = IntegerFilter(field_name="village_id", min_value=1, max_value=2**31 - 1)
    term_start = IntegerFilter(min_value=service.FIRST_YEAR, max_value=2100)
    state = django_filters.ChoiceFilter(choices=CommitmentState.choices)

    class Meta:
        model = Commitment
        fields = ["village", "term_start", "state"]


class CommitmentViewSet(*_BASE):
    """Village committees' commitments (承诺): the town office or the village's cadres
    record them and their progress; only the town office marks them kept or not kept;
    supervisors and REST clients read."""

    queryset = Commitment.objects.all()
    serializer_class = CommitmentSerializer
    filterset_class = CommitmentFilter
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        from django.db.models import Prefetch

        return (
            service.commitments_for_user(self.request.user)
            .prefetch_related(Prefetch("steps", queryset=Progress.objects.order_by("-date", "-id")))
            .order_by("village_id", "-term_start", "number")
        )

    def make(self, data):
        return service.commitment_create(actor=self.request.user, **data)

    def _writable(self, pk):
        return get_object_or_404(service.commitments_for_user(self.request.user, CHANGE), pk=pk)

    @extend_schema(request=ProgressInputSerializer, responses={201: CommitmentSerializer})
    @action(detail=True, methods=["post"])
    def progress(self, request, pk=None):
        """Append a step of progress (the village's cadres, the town office)."""
        c = self._writable(pk)
        data = ProgressInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        service.progress_append(commitment=c, actor=request.user, **data.validated_data)
        return Response(self._fresh(c.pk), status=status.HTTP_201_CREATED)

    @extend_schema(request=MarkInputSerializer, responses={201: CommitmentSerializer})
    @action(detail=True, methods=["post"])
    def mark(self, request, pk=None):
        """The town office marks the commitment kept or not kept (final)."""
        c = self._writable(pk)
        data = MarkInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        service.commitment_mark(commitment=c, actor=request.user, **data.validated_data)
        return Response(self._fresh(c.pk), status=status.HTTP_201_CREATED)


# --- reviews -------------------------------------------------------------------------------


class ReviewSerializer(ScopedModelSerializer):
    """A village's year: the report, the democratic review's votes, the town's grade,
    score and comment; ``published_at`` set once published (final)."""

    village_name = serializers.CharField(source="village.name", read_only=True)
    # blank until the town grades: declared so the schema admits ""
    grade = serializers.ChoiceField(choices=ReviewGrade.choices, allow_blank=True, read_only=True)
    grade_display = ChoiceDisplayField(source="grade")
    satisfaction = serializers.FloatField(read_only=True, allow_null=True)

    class Meta:
        model = Review
        fields = [
            "id",
            "town",
            "village",
            "village_name",
            "year",
            "report",
            "reported_on",
            *service.VOTES,
            "satisfaction",
            "grade",
            "grade_display",
            "score",
            "comment",
            "assessed_by",
            "published_at",
            "created_at",
        ]
        read_only_fields = [
            "town",
            *service.VOTES,
            "score",
            "comment",
            "assessed_by",
            "published_at",
            "created_at",
        ]
        extra_kwargs = {"year": {"min_value": service.FIRST_YEAR, "max_value": 2100}}


class ReportInputSerializer(serializers.Serializer):
    report = serializers.CharField(max_length=8000)
    reported_on = serializers.DateField()


def _votes():
    return serializers.IntegerField(min_value=0, max_value=service.MAX_VOTES, required=False, default=0)


class AssessInputSerializer(serializers.Serializer):
    """The votes (each 0 or more) and the town's grade, score (0–100) and comment."""

    members_satisfied = _votes()
    members_fair = _votes()
    members_unsatisfied = _votes()
    reps_satisfied = _votes()
    reps_fair = _votes()
    reps_unsatisfied = _votes()
    grade = serializers.ChoiceField(choices=ReviewGrade.choices, required=False, allow_blank=True, default="")
    score = serializers.DecimalField(
        max_digits=4,
        decimal_places=1,
        min_value=0,
        max_value=100,
        required=False,
        allow_null=True,
        default=None,
    )
    comment = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class ReviewFilter(django_filters.FilterSet):
    village = IntegerFilter(field_name="village_id", min_value=1, max_value=2**31 - 1)
    year = IntegerFilter(min_value=service.FIRST_YEAR, max_value=2100)
    published = django_filters.BooleanFilter(field_name="published_at", lookup_expr="isnull", exclude=True)

    class Meta:
        model = Review
        fields = ["village", "year", "published"]


class ReviewViewSet(*_BASE):
    """Yearly reviews (述职评议考核): the village's cadres write the report; the town office
    records the votes and its grade and publishes (final); supervisors and REST clients
    read."""

    queryset = Review.objects.all()
    serializer_class = ReviewSerializer
    filterset_class = ReviewFilter

    def get_queryset(self):
        return service.reviews_for_user(self.request.user).order_by("-year", "village_id")

    def make(self, data):
        return service.review_create(actor=self.request.user, **data)

    def _writable(self, pk):
        return get_object_or_404(service.reviews_for_user(self.request.user, CHANGE), pk=pk)

    @extend_schema(request=ReportInputSerializer, responses={200: ReviewSerializer})
    @action(detail=True, methods=["post"])
    def report(self, request, pk=None):
        """Rewrite the report, until published."""
        review = self._writable(pk)
        data = ReportInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        service.review_report(review=review, actor=request.user, **data.validated_data)
        return Response(self._fresh(review.pk))

    @extend_schema(request=AssessInputSerializer, responses={200: ReviewSerializer})
    @action(detail=True, methods=["post"])
    def assess(self, request, pk=None):
        """Record the votes and the town's grade (the town office), until published."""
        review = self._writable(pk)
        data = AssessInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        service.review_assess(review=review, actor=request.user, **data.validated_data)
        return Response(self._fresh(review.pk))

    @extend_schema(request=None, responses={200: ReviewSerializer})
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Publish the results (the town office): final from then on."""
        review = self._writable(pk)
        service.review_publish(review=review, actor=request.user)
        return Response(self._fresh(review.pk))
