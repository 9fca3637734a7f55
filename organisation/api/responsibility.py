"""Who answers for every household in the API: the responsibility map's links (with
``?household=`` and ``?user=mine``), informant groups, informants and compound posts.
Writes go through the same services as the pages: a new link closes the current one of
the same place (``POST``), ``POST /{id}/close/`` ends a link, ``POST /assign-grid/``
names one person for every household of a grid. Outside the user's scope: 404."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from governance.api.serializers import ChoiceDisplayField, ScopedModelSerializer
from governance.api.viewsets import ScopedQuerysetMixin
from governance.models import User
from governance.scoping import CHANGE
from grids.models import Grid, Household, PartyMember, Resident

from .. import responsibility as service
from ..models import Informant, InformantGroup, Responsibility, ServicePost


class ResponsibilitySerializer(ScopedModelSerializer):
    """One link of the map: who (name, post, phone, account, party member) answers for a
    village, an area (a grid) or a household, with the three duties, ``since`` – ``until``
    (open: current)."""

    level_display = ChoiceDisplayField(source="level")
    village_name = serializers.CharField(source="village.name", read_only=True)
    grid_name = serializers.CharField(source="grid.name", read_only=True, allow_null=True, default=None)
    household_number = serializers.CharField(
        source="household.number", read_only=True, allow_null=True, default=None
    )
    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.none(), required=False, allow_null=True)
    name = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    since = serializers.DateField(required=False, allow_null=True, default=None)

    class Meta:
        model = Responsibility
        fields = [
            "id",
            "town",
            "village",
            "village_name",
            "level",
            "level_display",
            "grid",
            "grid_name",
            "household",
            "household_number",
            "name",
            "title",
            "phone",
            "user",
            "party_member",
            "education",
            "service",
            "joint_defence",
            "since",
            "until",
        ]
        read_only_fields = ["town", "until"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and "user" in self.fields:
            # Accounts are named by the office (any active account of its town's people).
            from ..map_forms import _accounts

            self.fields["user"].queryset = _accounts(request.user)


class GridAssignSerializer(serializers.Serializer):
    grid = serializers.PrimaryKeyRelatedField(queryset=Grid.objects.none())
    name = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    title = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.none(), required=False, allow_null=True)
    party_member = serializers.PrimaryKeyRelatedField(
        queryset=PartyMember.objects.none(), required=False, allow_null=True
    )
    education = serializers.BooleanField(default=True)
    service = serializers.BooleanField(default=True)
    joint_defence = serializers.BooleanField(default=True)
    only_gaps = serializers.BooleanField(default=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from ..map_forms import _accounts, _members

        request = self.context.get("request")
        if request is None:  # the schema
            return
        user = request.user
        self.fields["grid"].queryset = service.grids_kept_by(user)
        self.fields["user"].queryset = _accounts(user)
        self.fields["party_member"].queryset = _members(user)


class ResponsibilityViewSet(
    ScopedQuerysetMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The responsibility map (三包). The town office assigns (a new link closes the
    current one of the same place), closes links and assigns a whole grid; supervisors and
    REST clients read the town's, a village's cadres their village's, a grid worker their
    grid's, and anyone the links naming their account (``?user=mine``)."""

    queryset = Responsibility.objects.filter(deleted_at__isnull=True).select_related(
        "village", "grid", "household"
    )
    serializer_class = ResponsibilitySerializer
    filterset_class = service.ResponsibilityFilter
    ordering_fields = ["since", "until", "id"]

    def get_queryset(self):
        return super().get_queryset().order_by("village_id", "level", "-since", "-id")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        link = service.responsibility_assign(actor=request.user, **data)
        return Response(self.get_serializer(self._fresh(link.pk)).data, status=status.HTTP_201_CREATED)

    def _fresh(self, pk):
        return Responsibility.objects.select_related("village", "grid", "household").get(pk=pk)

    @extend_schema(request=None, responses={200: ResponsibilitySerializer})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """End the link today (nobody in its place until someone is assigned)."""
        link = get_object_or_404(service.responsibilities_for_user(request.user, CHANGE), pk=pk)
        service.responsibility_close(responsibility=link, actor=request.user)
        return Response(self.get_serializer(self._fresh(link.pk)).data)

    @extend_schema(
        request=GridAssignSerializer,
        responses={201: inline_serializer("GridAssigned", {"created": serializers.IntegerField()})},
    )
    @action(detail=False, methods=["post"], url_path="assign-grid")
    def assign_grid(self, request):
        """One person for every household of a grid (and its child grids), in one action."""
        data = GridAssignSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        created = service.responsibility_assign_grid(actor=request.user, **data.validated_data)
        return Response({"created": created}, status=status.HTTP_201_CREATED)


class InformantGroupSerializer(ScopedModelSerializer):
    kind_display = ChoiceDisplayField(source="kind")
    informant_count = serializers.SerializerMethodField()

    class Meta:
        model = InformantGroup
        fields = ["id", "town", "kind", "kind_display", "village", "name", "leader", "informant_count"]
        read_only_fields = ["informant_count"]
        extra_kwargs = {"town": {"required": False}}

    def get_informant_count(self, obj) -> int:
        return getattr(obj, "informant_count", 0)


class InformantGroupViewSet(
    ScopedQuerysetMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Informant groups (十员一组): a village's, or a trade group's (homestays, taxis)."""

    queryset = InformantGroup.objects.filter(deleted_at__isnull=True).select_related("village")
    serializer_class = InformantGroupSerializer
    filterset_fields = ["town", "village", "kind"]

    def get_queryset(self):
        from django.db.models import Count, Q

        return (
            super()
            .get_queryset()
            .annotate(
                informant_count=Count(
                    "informants",
                    filter=Q(informants__until__isnull=True, informants__deleted_at__isnull=True),
                )
            )
            .order_by("town_id", "kind", "name")
        )

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        town = data.pop("town", None)
        if town is None and data.get("village") is not None:
            town = data["village"].town
        if town is None:
            town = service.towns_kept_by(request.user).order_by("pk").first()
        group = service.informant_group_create(actor=request.user, town=town, **data)
        fresh = self.get_queryset().get(pk=group.pk)
        return Response(self.get_serializer(fresh).data, status=status.HTTP_201_CREATED)


class InformantSerializer(ScopedModelSerializer):
    group_name = serializers.CharField(source="group.name", read_only=True)
    households = serializers.PrimaryKeyRelatedField(
        queryset=Household.objects.all(), many=True, required=False
    )
    resident = serializers.PrimaryKeyRelatedField(
        queryset=Resident.objects.all(), required=False, allow_null=True
    )
    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.none(), required=False, allow_null=True)
    since = serializers.DateField(required=False, allow_null=True, default=None)

    class Meta:
        model = Informant
        fields = [
            "id",
            "group",
            "group_name",
            "name",
            "phone",
            "user",
            "resident",
            "households",
            "since",
            "until",
        ]
        read_only_fields = ["until"]
        extra_kwargs = {"name": {"required": False, "allow_blank": True}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and "user" in self.fields:
            from ..map_forms import _accounts

            self.fields["user"].queryset = _accounts(request.user)


class InformantViewSet(
    ScopedQuerysetMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Informants (十户一员) with the households they look after; their reports are the
    cases their account reported."""

    queryset = (
        Informant.objects.filter(deleted_at__isnull=True)
        .select_related("group")
        .prefetch_related("households")
    )
    serializer_class = InformantSerializer
    filterset_fields = ["group"]

    def get_queryset(self):
        return super().get_queryset().order_by("group_id", "name", "id")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        informant = service.informant_create(actor=request.user, **serializer.validated_data)
        return Response(
            self.get_serializer(self.get_queryset().get(pk=informant.pk)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=None, responses={200: InformantSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        informant = get_object_or_404(service.informants_for_user(request.user, CHANGE), pk=pk)
        service.informant_close(informant=informant, actor=request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=informant.pk)).data)


class ServicePostSerializer(ScopedModelSerializer):
    post_display = ChoiceDisplayField(source="post")
    grid_name = serializers.CharField(source="grid.name", read_only=True)
    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.none(), required=False, allow_null=True)
    since = serializers.DateField(required=False, allow_null=True, default=None)

    class Meta:
        model = ServicePost
        fields = [
            "id",
            "town",
            "village",
            "grid",
            "grid_name",
            "post",
            "post_display",
            "building",
            "name",
            "phone",
            "handles",
            "user",
            "party_member",
            "since",
            "until",
        ]
        read_only_fields = ["town", "village", "until"]
        extra_kwargs = {"name": {"required": False, "allow_blank": True}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and "user" in self.fields:
            from ..map_forms import _accounts

            self.fields["user"].queryset = _accounts(request.user)


class ServicePostViewSet(
    ScopedQuerysetMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Compound posts (党员楼道长, 三长五员), shown on each compound's public service card."""

    queryset = ServicePost.objects.filter(deleted_at__isnull=True).select_related("grid")
    serializer_class = ServicePostSerializer
    filterset_fields = ["village", "grid", "post"]

    def get_queryset(self):
        return super().get_queryset().order_by("grid_id", "post", "building", "name", "id")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        row = service.service_post_create(actor=request.user, **serializer.validated_data)
        return Response(
            self.get_serializer(self.get_queryset().get(pk=row.pk)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=None, responses={200: ServicePostSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        row = get_object_or_404(service.posts_for_user(request.user, CHANGE), pk=pk)
        service.service_post_close(post=row, actor=request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=row.pk)).data)
