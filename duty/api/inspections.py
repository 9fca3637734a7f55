"""The unannounced inspections (一周一暗访) in the API: the town office and supervisors
list, record and change their town's (a draft only) and publish them; a village's cadres
read their village's published ones (a draft does not exist for them: 404)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from governance.api.serializers import ChoiceDisplayField, ScopedModelSerializer
from governance.api.viewsets import ScopedQuerysetMixin
from governance.scoping import CHANGE

from .. import inspections as service
from ..choices import Item
from ..models import Inspection
from .serializers import CadreField


class InspectionPhotoSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    url = serializers.CharField(read_only=True, help_text=_("the photo, for those who read the inspection"))


class InspectionSerializer(ScopedModelSerializer):
    """An inspection; ``on_duty`` null on a write: the cadre on duty on the village's
    published roster that day."""

    town_name = serializers.CharField(source="town.name", read_only=True)
    village_name = serializers.CharField(source="village.name", read_only=True)
    on_duty = CadreField(allow_null=True, required=False, default=None)
    on_duty_name = serializers.StringRelatedField(source="on_duty", allow_null=True)
    present = serializers.BooleanField(help_text=_("false: the cadre on duty was away from the post"))
    absent = serializers.BooleanField(
        read_only=True, help_text=_("true: the cadre on duty was away from the post")
    )
    items_seen = serializers.ListField(
        child=serializers.ChoiceField(choices=Item.choices),
        max_length=9,
        required=False,
        help_text=_("the numbers (1-9) of the nine items seen being done"),
    )
    score = serializers.IntegerField(min_value=service.SCORE_MIN, max_value=service.SCORE_MAX)
    inspectors = serializers.CharField(max_length=200, required=False, allow_blank=True)
    findings = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    state_display = ChoiceDisplayField(source="state")
    published_by_name = serializers.StringRelatedField(source="published_by", allow_null=True)
    photos = serializers.SerializerMethodField()

    class Meta:
        model = Inspection
        fields = [
            "id",
            "town",
            "town_name",
            "village",
            "village_name",
            "at",
            "inspectors",
            "on_duty",
            "on_duty_name",
            "present",
            "absent",
            "items_seen",
            "findings",
            "score",
            "state",
            "state_display",
            "published_at",
            "published_by",
            "published_by_name",
            "photos",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["town", "state", "published_at", "published_by", "created_at", "updated_at"]

    @extend_schema_field(InspectionPhotoSerializer(many=True))
    def get_photos(self, obj):
        request = self.context.get("request")
        rows = []
        for photo in obj.photos.all():
            url = reverse("duty:inspection-photo", args=[photo.pk])
            rows.append({"id": photo.pk, "url": request.build_absolute_uri(url) if request else url})
        return rows


class InspectionViewSet(
    ScopedQuerysetMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Unannounced inspections (一周一暗访). The town office and supervisors record their
    town's (a draft, hidden from the village), change or delete a draft, and publish it;
    a published inspection is final. A village's cadres read their village's published
    ones. Filter by town, village, month (``YYYY-MM``), state and present (``false``:
    脱岗)."""

    queryset = Inspection.objects.select_related("town", "village", "on_duty", "published_by")
    serializer_class = InspectionSerializer
    filterset_class = service.InspectionFilter
    ordering_fields = ["at", "score", "published_at"]

    def get_queryset(self):
        return super().get_queryset().prefetch_related("photos").order_by("-at", "-id")

    def _writable(self):
        """A change is asked of the inspections the user may change (else 404)."""
        return get_object_or_404(
            service.inspections_for_user(self.request.user, CHANGE), pk=self.kwargs["pk"]
        )

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = service.inspection_create(actor=self.request.user, **data)

    def perform_update(self, serializer):
        instance = self._writable()
        serializer.instance = service.inspection_update(
            inspection=instance, actor=self.request.user, data=dict(serializer.validated_data)
        )

    def perform_destroy(self, instance):
        service.inspection_delete(inspection=self._writable(), actor=self.request.user)

    def _fresh(self, pk):
        return Response(self.get_serializer(self.get_queryset().get(pk=pk)).data)

    @extend_schema(request=None, responses=InspectionSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Publish the result: the village sees it from now on, and it is final."""
        inspection = self._writable()
        service.inspection_publish(inspection=inspection, actor=request.user)
        return self._fresh(inspection.pk)
