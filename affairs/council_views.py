"""Pages of the villagers' council (村民议事厅) and the public hearings (评理说事): the
topics with the counts per village, a topic's page (publish, suggestions, close), a new
meeting, the council's members by seat, the hearings, and the village's public page of
published topics and adopted suggestions (no log-in, no personal data). The rules are
the services' (affairs/council.py)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from governance.api.throttles import public_door
from governance.params import id_param
from governance.scoping import CHANGE, VIEW, can
from grids.models import Village

from . import council as service
from .choices import FIXED_SEATS, Seat, TopicKind, TopicState
from .matter_views import _add_errors
from .models import Hearing, Member, Topic

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
TEXT = {"rows": 3}


def _village_field(form, villages):
    form.fields["village"].queryset = villages
    only = list(villages[:2])
    if len(only) == 1:
        form.fields["village"].initial = only[0].pk


class TopicForm(forms.Form):
    village = forms.ModelChoiceField(label=gettext_lazy("village"), queryset=None)
    kind = forms.ChoiceField(label=gettext_lazy("kind"), choices=TopicKind.choices)
    title = forms.CharField(label=gettext_lazy("title"), max_length=200)
    description = forms.CharField(
        label=gettext_lazy("description"), max_length=4000, widget=forms.Textarea(attrs=TEXT)
    )

    def __init__(self, *args, villages, **kwargs):
        super().__init__(*args, **kwargs)
        _village_field(self, villages)


class SuggestionForm(forms.Form):
    by = forms.CharField(label=gettext_lazy("suggested by"), max_length=64)
    text = forms.CharField(
        label=gettext_lazy("suggestion"), max_length=2000, widget=forms.Textarea(attrs=TEXT)
    )
    adopted = forms.TypedChoiceField(
        label=gettext_lazy("adopted"),
        choices=[
            ("", gettext_lazy("Not decided yet")),
            ("1", gettext_lazy("Adopted")),
            ("0", gettext_lazy("Not adopted")),
        ],
        coerce=lambda v: v == "1",
        empty_value=None,
        required=False,
    )
    outcome = forms.CharField(
        label=gettext_lazy("what came of it"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs=TEXT),
    )


class CloseForm(forms.Form):
    outcome = forms.CharField(
        label=gettext_lazy("what came of it"), max_length=4000, widget=forms.Textarea(attrs=TEXT)
    )


class MeetingForm(forms.Form):
    village = forms.ModelChoiceField(label=gettext_lazy("village"), queryset=None)
    kind = forms.ChoiceField(label=gettext_lazy("kind"), choices=TopicKind.choices)
    held_at = forms.DateTimeField(label=gettext_lazy("held at"), widget=DATETIME)
    place = forms.CharField(label=gettext_lazy("place"), max_length=200)
    topics = forms.ModelMultipleChoiceField(
        label=gettext_lazy("topics"), queryset=None, widget=forms.CheckboxSelectMultiple
    )
    attendees = forms.ModelMultipleChoiceField(
        label=gettext_lazy("council members present"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    others_present = forms.IntegerField(
        label=gettext_lazy("villagers present besides"), min_value=0, max_value=100000, initial=0
    )
    speakers = forms.CharField(
        label=gettext_lazy("who spoke"), max_length=2000, required=False, widget=forms.Textarea(attrs=TEXT)
    )
    minutes = forms.CharField(
        label=gettext_lazy("minutes"), max_length=8000, required=False, widget=forms.Textarea(attrs=TEXT)
    )

    def __init__(self, *args, villages, user, **kwargs):
        super().__init__(*args, **kwargs)
        _village_field(self, villages)
        ids = villages.values("pk")
        self.fields["topics"].queryset = (
            service.topics_for_user(user, CHANGE)
            .filter(village__in=ids)
            .filter(state__in=[TopicState.PUBLISHED, TopicState.DISCUSSED])
        )
        self.fields["attendees"].queryset = service.members_for_user(user, CHANGE).filter(
            village__in=ids, until__isnull=True
        )


class MemberForm(forms.Form):
    village = forms.ModelChoiceField(label=gettext_lazy("village"), queryset=None)
    seat = forms.ChoiceField(label=gettext_lazy("seat"), choices=Seat.choices)
    name = forms.CharField(label=gettext_lazy("name"), max_length=32)
    topic = forms.ModelChoiceField(label=gettext_lazy("for the topic"), queryset=None, required=False)
    since = forms.DateField(
        label=gettext_lazy("since"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args, villages, user, **kwargs):
        super().__init__(*args, **kwargs)
        _village_field(self, villages)
        self.fields["since"].initial = timezone.localdate()
        self.fields["topic"].queryset = (
            service.topics_for_user(user, CHANGE)
            .filter(village__in=villages.values("pk"))
            .exclude(state=TopicState.CLOSED)
        )


PANEL_ROWS = 6


class HearingForm(forms.Form):
    village = forms.ModelChoiceField(label=gettext_lazy("village"), queryset=None)
    title = forms.CharField(label=gettext_lazy("dispute"), max_length=200)
    parties = forms.CharField(label=gettext_lazy("parties"), max_length=200)
    case = forms.ModelChoiceField(label=gettext_lazy("case"), queryset=None, required=False)
    held_at = forms.DateTimeField(label=gettext_lazy("heard at"), widget=DATETIME)
    place = forms.CharField(label=gettext_lazy("place"), max_length=200)
    summary = forms.CharField(
        label=gettext_lazy("the hearing"), max_length=4000, widget=forms.Textarea(attrs=TEXT)
    )
    panel_view = forms.CharField(
        label=gettext_lazy("the panel's view"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs=TEXT),
    )
    outcome = forms.CharField(
        label=gettext_lazy("outcome"), max_length=4000, required=False, widget=forms.Textarea(attrs=TEXT)
    )
    settled = forms.TypedChoiceField(
        label=gettext_lazy("settled"),
        choices=[
            ("", gettext_lazy("Not yet")),
            ("1", gettext_lazy("Settled")),
            ("0", gettext_lazy("Not settled")),
        ],
        coerce=lambda v: v == "1",
        empty_value=None,
        required=False,
    )
    solve_case = forms.BooleanField(
        label=gettext_lazy("Settled: solve the case with this outcome"),
        required=False,
        help_text=gettext_lazy("Only a case open at village level that you may solve."),
    )

    def __init__(self, *args, villages, user, **kwargs):
        super().__init__(*args, **kwargs)
        _village_field(self, villages)
        self.fields["case"].queryset = service.cases_for_hearing(user).filter(
            village__in=villages.values("pk")
        )
        self.fields["case"].label_from_instance = lambda c: f"{c.tracking_number} · {c.village.name}"
        for i in range(PANEL_ROWS):
            self.fields[f"panel_{i}_name"] = forms.CharField(
                label=gettext_lazy("panel member's name"), max_length=32, required=False
            )
            self.fields[f"panel_{i}_role"] = forms.CharField(
                label=gettext_lazy("role"), max_length=64, required=False
            )

    def panel_rows(self):
        return [(self[f"panel_{i}_name"], self[f"panel_{i}_role"]) for i in range(PANEL_ROWS)]

    def main_fields(self):
        return [f for f in self if not f.name.startswith("panel_")]

    def values(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if not k.startswith("panel_")}
        data["panel"] = [
            {"name": self.cleaned_data[f"panel_{i}_name"], "role": self.cleaned_data[f"panel_{i}_role"]}
            for i in range(PANEL_ROWS)
        ]
        return data


def _readers_only(request, model) -> None:
    if not can(request.user, VIEW, model):
        raise PermissionDenied


def _keeper_villages(request):
    villages = service.villages_for_council(request.user).order_by("code")
    if not villages.exists():
        raise PermissionDenied
    return villages


# ---------------------------------------------------------------------------------------
# Topics
# ---------------------------------------------------------------------------------------


@login_required
def topic_list(request):
    """The topics the user reads, with the counts per village (topics, adopted
    suggestions); filtered by village and state."""
    _readers_only(request, Topic)
    topics = service.topics_for_user(request.user)
    counts = service.counts_by_village(topics)
    village, state = request.GET.get("village", ""), request.GET.get("state", "")
    if (village_id := id_param(village)) is not None:
        topics = topics.filter(village_id=village_id)
    if state in TopicState.values:
        topics = topics.filter(state=state)
    rows = list(topics.order_by("village__code", "-created_at", "-id")[:500])
    return render(
        request,
        "affairs/council_topics.html",
        {
            "rows": rows,
            "counts": counts,
            "states": TopicState.choices,
            "state": state,
            "may_propose": service.villages_for_council(request.user).exists(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def topic_new(request):
    villages = _keeper_villages(request)
    form = TopicForm(request.POST or None, villages=villages)
    if request.method == "POST" and form.is_valid():
        try:
            topic = service.topic_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The topic is proposed. Publish it ahead of the meeting."))
            return redirect("affairs:topic", pk=topic.pk)
    return render(request, "affairs/council_form.html", {"form": form, "title": _("Propose a topic")})


@login_required
@require_http_methods(["GET", "POST"])
def topic_detail(request, pk: int):
    """A topic: its meetings and suggestions; for its keepers, publish, add a suggestion,
    decide one, close the topic."""
    topic = get_object_or_404(service.topics_for_user(request.user), pk=pk)
    writable = service.topics_for_user(request.user, CHANGE).filter(pk=pk).exists()
    action = request.POST.get("action", "")
    suggestion_form = SuggestionForm(request.POST if action == "suggest" else None, prefix="s")
    close_form = CloseForm(request.POST if action == "close" else None, prefix="c")
    if request.method == "POST":
        if not writable:
            raise PermissionDenied
        try:
            if action == "publish":
                service.topic_publish(topic=topic, actor=request.user)
                messages.success(request, _("The topic is published for the villagers."))
                return redirect("affairs:topic", pk=pk)
            if action == "suggest" and suggestion_form.is_valid():
                service.suggestion_add(topic=topic, actor=request.user, **suggestion_form.cleaned_data)
                messages.success(request, _("The suggestion is recorded."))
                return redirect("affairs:topic", pk=pk)
            if action == "decide":
                suggestion_id = id_param(request.POST.get("suggestion"))
                if suggestion_id is None:
                    raise Http404
                suggestion = get_object_or_404(topic.suggestions, pk=suggestion_id)
                service.suggestion_decide(
                    suggestion=suggestion,
                    adopted=request.POST.get("adopted"),
                    outcome=request.POST.get("outcome", ""),
                    actor=request.user,
                )
                messages.success(request, _("The suggestion is recorded."))
                return redirect("affairs:topic", pk=pk)
            if action == "close" and close_form.is_valid():
                service.topic_close(topic=topic, actor=request.user, **close_form.cleaned_data)
                messages.success(request, _("The topic is closed; its stakeholders are released."))
                return redirect("affairs:topic", pk=pk)
        except ValidationError as exc:
            target = close_form if action == "close" else suggestion_form
            if action in ("publish", "decide"):
                for errors in exc.message_dict.values():
                    for error in errors:
                        messages.error(request, error)
            else:
                _add_errors(target, exc)
    return render(
        request,
        "affairs/council_topic.html",
        {
            "topic": topic,
            "writable": writable and topic.state != TopicState.CLOSED,
            "meetings": list(topic.meetings.order_by("-held_at")),
            "suggestions": list(topic.suggestions.select_related("meeting")),
            "stakeholders": list(topic.stakeholders.all()),
            "suggestion_form": suggestion_form,
            "close_form": close_form,
            "proposed": topic.state == TopicState.PROPOSED,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_new(request):
    villages = _keeper_villages(request)
    initial = {}
    topic = request.GET.get("topic", "")
    if (topic_id := id_param(topic)) is not None:
        initial["topics"] = [topic_id]
    form = MeetingForm(request.POST or None, villages=villages, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = service.meeting_record(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The meeting is recorded."))
            first = meeting.topics.order_by("pk").first()
            return redirect("affairs:topic", pk=first.pk)
    return render(request, "affairs/council_form.html", {"form": form, "title": _("Record a meeting")})


@login_required
@require_http_methods(["GET", "POST"])
def council(request):
    """The councils the user reads, members by seat (the nine fixed, then stakeholders);
    for its keepers, a form to add a member."""
    _readers_only(request, Member)
    villages = service.villages_for_council(request.user).order_by("code")
    form = None
    if villages.exists():
        form = MemberForm(request.POST or None, villages=villages, user=request.user)
        if request.method == "POST" and form.is_valid():
            try:
                service.member_add(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("The member is added to the council."))
                return redirect("affairs:council")
    elif request.method == "POST":
        raise PermissionDenied
    order = {seat: i for i, seat in enumerate([*FIXED_SEATS, Seat.STAKEHOLDER])}
    members = sorted(
        service.members_for_user(request.user).filter(deleted_at__isnull=True),
        key=lambda m: (m.village.code, m.until is not None, order.get(m.seat, 99), m.name),
    )
    return render(request, "affairs/council_members.html", {"members": members, "form": form})


# ---------------------------------------------------------------------------------------
# Hearings
# ---------------------------------------------------------------------------------------


@login_required
def hearing_list(request):
    """The hearings the user reads; ``?case=<id>`` those of one case (the case's side of
    the link: the cases app does not know this one)."""
    _readers_only(request, Hearing)
    rows = service.hearings_for_user(request.user)
    case = id_param(request.GET.get("case", ""))
    if case is not None:
        rows = rows.filter(case_id=case)
    return render(
        request,
        "affairs/council_hearings.html",
        {
            "rows": list(rows.order_by("-held_at", "-id")[:500]),
            "case": case or "",
            "may_record": service.villages_for_council(request.user).exists(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def hearing_new(request):
    villages = _keeper_villages(request)
    initial = {}
    if (case_id := id_param(request.GET.get("case", ""))) is not None:
        initial["case"] = case_id
    form = HearingForm(request.POST or None, villages=villages, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            hearing = service.hearing_record(actor=request.user, **form.values())
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The hearing is recorded."))
            return redirect("affairs:hearing", pk=hearing.pk)
    return render(request, "affairs/council_hearing_form.html", {"form": form})


@login_required
def hearing_detail(request, pk: int):
    hearing = get_object_or_404(service.hearings_for_user(request.user), pk=pk)
    case = hearing.case
    case_visible = case is not None and service.cases_for_hearing(request.user).filter(pk=case.pk).exists()
    return render(
        request, "affairs/council_hearing.html", {"hearing": hearing, "case": case if case_visible else None}
    )


# ---------------------------------------------------------------------------------------
# The public page: no log-in, published topics and adopted suggestions, no personal data
# ---------------------------------------------------------------------------------------


@public_door(methods=("GET",))
def public(request, code: str):
    village = get_object_or_404(Village.objects.select_related("town"), code=code, deleted_at__isnull=True)
    rows = []
    for topic in service.public_topics(village)[:200]:
        rows.append(
            {
                "title": topic.title,
                "kind": topic.get_kind_display(),
                "state": topic.get_state_display(),
                "description": topic.description,
                "published_at": topic.published_at,
                "outcome": topic.outcome if topic.state == TopicState.CLOSED else "",
                "adopted": [
                    {"text": s.text, "outcome": s.outcome} for s in topic.suggestions.all() if s.adopted
                ],
            }
        )
    return render(
        request, "affairs/council_public.html", {"village": village, "town": village.town, "rows": rows}
    )
