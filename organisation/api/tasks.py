"""The weekly task list (周清单) in the API: lists, tasks and assignments, read as each
user's scope allows and filtered by week, state, theme and village; the actions are the
pages' services: issue a list (the town office), hand a village's task down to its grids
(the village's cadres), answer an assignment done or not done (its receiver)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from governance.api.serializers import ChoiceDisplayField
from governance.api.viewsets import ScopedQuerysetMixin

from .. import tasks as service
from ..models import Assignment, Task, TaskList


class TaskListSerializer(serializers.ModelSerializer):
    town_name = serializers.CharField(source="town.name", read_only=True)
    state_display = ChoiceDisplayField(source="state")
    n_tasks = serializers.IntegerField(read_only=True)

    class Meta:
        model = TaskList
        fields = [
            "id",
            "town",
            "town_name",
            "week",
            "note",
            "state",
            "state_display",
            "issued_at",
            "issued_by",
            "n_tasks",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class TaskSerializer(serializers.ModelSerializer):
    theme_display = ChoiceDisplayField(source="theme")
    week = serializers.DateField(source="task_list.week", read_only=True)
    list_state = serializers.CharField(source="task_list.state", read_only=True)

    class Meta:
        model = Task
        fields = [
            "id",
            "town",
            "task_list",
            "week",
            "list_state",
            "theme",
            "theme_display",
            "title",
            "done_means",
            "due",
        ]
        read_only_fields = fields


class AssignmentSerializer(serializers.ModelSerializer):
    """A task handed to one receiver: a village (``grid`` null), one of its grids
    (``parent``: the village's assignment) or a department."""

    title = serializers.CharField(source="task.title", read_only=True)
    theme = serializers.CharField(source="task.theme", read_only=True)
    due = serializers.DateField(source="task.due", read_only=True)
    week = serializers.DateField(source="task.task_list.week", read_only=True)
    village_name = serializers.CharField(source="village.name", read_only=True, allow_null=True, default=None)
    grid_name = serializers.CharField(source="grid.name", read_only=True, allow_null=True, default=None)
    department_name = serializers.CharField(
        source="department.name", read_only=True, allow_null=True, default=None
    )
    state_display = ChoiceDisplayField(source="state")
    overdue = serializers.SerializerMethodField(help_text=_("the due day passed and it is still open"))
    has_photo = serializers.SerializerMethodField()
    version = serializers.SerializerMethodField(help_text=_("send it back as ``seen`` with an answer"))

    class Meta:
        model = Assignment
        fields = [
            "id",
            "town",
            "task",
            "title",
            "theme",
            "due",
            "week",
            "parent",
            "village",
            "village_name",
            "grid",
            "grid_name",
            "department",
            "department_name",
            "state",
            "state_display",
            "overdue",
            "note",
            "has_photo",
            "answered_by",
            "answered_at",
            "version",
        ]
        read_only_fields = fields

    def get_overdue(self, obj) -> bool:
        return service.is_overdue(obj)

    def get_has_photo(self, obj) -> bool:
        return bool(obj.photo)

    def get_version(self, obj) -> str:
        return service.version(obj)


class HandDownSerializer(serializers.Serializer):
    grids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1), min_length=1, max_length=200
    )


class AnswerSerializer(serializers.Serializer):
    """``done``: true, with a note or a photo; false, with the reason in ``note``.
    ``seen``: the ``version`` read, so that an answer given meanwhile is not overwritten."""

    done = serializers.BooleanField()
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    photo = serializers.FileField(required=False, allow_null=True, default=None)
    seen = serializers.CharField(max_length=64, required=False, allow_null=True, default=None)

    def validate(self, attrs):
        # A form (multipart) without ``done`` reads as false in DRF: the answer must say it.
        if "done" not in self.initial_data:
            raise serializers.ValidationError({"done": [_("Say whether the task is done.")]})
        return attrs


class TaskListViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """The towns' weekly task lists: the town office reads its drafts too, everyone else
    of the town the issued ones. Filter by town, week (any day of it) and state."""

    queryset = TaskList.objects.all()
    serializer_class = TaskListSerializer
    filterset_class = service.TaskListFilter

    def get_queryset(self):
        return service.lists_for_user(self.request.user).order_by("-week", "id")

    @extend_schema(request=None, responses={200: TaskListSerializer})
    @action(detail=True, methods=["post"])
    def issue(self, request, pk=None):
        """Issue a draft (the town office): its receivers see their tasks from now on."""
        task_list = get_object_or_404(service.lists_for_user(request.user), pk=pk)
        service.list_issue(task_list=task_list, actor=request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=task_list.pk)).data)


class TaskViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """The lists' tasks. Filter by list, week, theme, list state and receiving village."""

    queryset = Task.objects.all()
    serializer_class = TaskSerializer
    filterset_class = service.TaskFilter

    def get_queryset(self):
        return service.tasks_for_user(self.request.user).order_by("-task_list__week", "theme", "id")


class AssignmentViewSet(ScopedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """Tasks handed to receivers: the town office reads its town's, a village's cadres
    their village's (its grids' included), a grid worker their grid's, a department its
    own. Filter by task, list, week, theme, state, village, grid and department."""

    queryset = Assignment.objects.all()
    serializer_class = AssignmentSerializer
    filterset_class = service.AssignmentFilter

    def get_queryset(self):
        return service.assignments_for_user(self.request.user).order_by(
            "-task__task_list__week", "task_id", "village_id", "grid_id", "department_id", "id"
        )

    @extend_schema(request=HandDownSerializer, responses={201: AssignmentSerializer(many=True)})
    @action(detail=True, methods=["post"], url_path="hand-down")
    def hand_down(self, request, pk=None):
        """Hand a village's task down to grids of the village (its cadres)."""
        row = get_object_or_404(self.get_queryset(), pk=pk)
        data = HandDownSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        made = service.hand_down(assignment=row, actor=request.user, grids=data.validated_data["grids"])
        fresh = self.get_queryset().filter(pk__in=[a.pk for a in made])
        return Response(AssignmentSerializer(fresh, many=True).data, status=201)

    @extend_schema(request=AnswerSerializer, responses={200: AssignmentSerializer})
    @action(detail=True, methods=["post"], parser_classes=[JSONParser, MultiPartParser, FormParser])
    def answer(self, request, pk=None):
        """Answer the assignment (its receiver): done, or not done and why. Changed until
        its due day; an open one is answered late too."""
        row = get_object_or_404(self.get_queryset(), pk=pk)
        data = AnswerSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        service.answer(assignment=row, actor=request.user, **data.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=row.pk)).data)
