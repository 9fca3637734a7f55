"""The quarterly bulletins in the API: list (filter by town, year, quarter, published),
retrieve with the frozen content, and the town office's generate (a town and an ended
quarter: a new version) and publish.

Scoped as the pages are (scoring/policies.py): supervisors and REST clients read their
towns' bulletins, a village's cadres their town's published ones (a draft does not
exist for them: 404); another town's do not exist for anyone.
"""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from governance.api.viewsets import ScopedQuerysetMixin
from grids.models import Town

from .. import bulletin as service
from ..models import Bulletin
from .ranking import TownSerializer


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


class BulletinSerializer(serializers.ModelSerializer):
    """A bulletin without its content (the list)."""

    town_name = serializers.CharField(source="town.name", read_only=True)
    generated_by = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    published_at = serializers.DateTimeField(read_only=True, allow_null=True)
    pdf = serializers.SerializerMethodField(help_text=_("the PDF's address"))

    class Meta:
        model = Bulletin
        fields = [
            "id",
            "town",
            "town_name",
            "year",
            "quarter",
            "version",
            "generated_at",
            "generated_by",
            "published_at",
            "pdf",
        ]
        read_only_fields = fields

    def get_pdf(self, obj) -> str:
        from django.urls import reverse

        path = reverse("scoring:bulletin-pdf", args=[obj.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class BulletinDetailSerializer(BulletinSerializer):
    content = serializers.JSONField(
        read_only=True,
        help_text=_(
            "the figures the bulletin was generated from: town, year, quarter, months (the monthly "
            "snapshots used), ranking (rows with score, rank and each month's), best, worst (with "
            "their indicators), inspections, cases"
        ),
    )

    class Meta(BulletinSerializer.Meta):
        fields = [*BulletinSerializer.Meta.fields, "content"]
        read_only_fields = fields


class BulletinGenerateSerializer(TownSerializer):
    year = serializers.IntegerField(min_value=service.FIRST_YEAR, max_value=9999)
    quarter = serializers.IntegerField(min_value=1, max_value=4)


class BulletinFilter(django_filters.FilterSet):
    town = django_filters.ModelChoiceFilter(queryset=Town.objects.all(), label=_("town"))
    published = django_filters.BooleanFilter(
        field_name="published_at", lookup_expr="isnull", exclude=True, label=_("published")
    )

    class Meta:
        model = Bulletin
        fields = ["town", "year", "quarter", "version", "published"]


class BulletinViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """Quarterly bulletins (一季一通报): a town's quarter in figures, frozen when generated
    (a new generation is a new version). The town office generates and publishes; a
    village's cadres read their town's published ones."""

    queryset = Bulletin.objects.select_related("town").order_by("town_id", "-year", "-quarter", "-version")
    serializer_class = BulletinSerializer
    filterset_class = BulletinFilter
    ordering_fields = ["year", "quarter", "version", "generated_at", "published_at"]

    def get_serializer_class(self):
        return BulletinDetailSerializer if self.action == "retrieve" else BulletinSerializer

    def get_queryset(self):
        queryset = super().get_queryset()
        return queryset.defer("content") if self.action == "list" else queryset

    @extend_schema(request=BulletinGenerateSerializer, responses={201: BulletinDetailSerializer})
    @action(detail=False, methods=["post"])
    def generate(self, request):
        """Generate a town's bulletin of an ended quarter: version 1, or the next one."""
        data = BulletinGenerateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        made = _saved_or_400(lambda: service.bulletin_generate(actor=request.user, **data.validated_data))
        return Response(
            BulletinDetailSerializer(made, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=None, responses=BulletinSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Publish the bulletin to the villages and the public (once; again changes nothing)."""
        bulletin = get_object_or_404(self.get_queryset(), pk=pk)
        service.bulletin_publish(bulletin=bulletin, actor=request.user)
        return Response(BulletinSerializer(bulletin, context=self.get_serializer_context()).data)
