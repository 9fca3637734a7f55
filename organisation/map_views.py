"""Pages of who answers for every household (三包, 十户一员, 三长五员): the town's map
overview (coverage and gaps per village and grid), a household's people at each level
with its history, "which households are mine" (phone first), the office's forms (a link,
one person for a whole grid), the informant groups with their reports, the compounds'
teams, and a compound's public service card (no log-in, printable A4)."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from governance.api.throttles import public_door
from governance.scoping import CHANGE
from grids.models import Household

from . import responsibility as service
from .choices import Level
from .map_forms import GridLinkForm, GroupForm, InformantForm, LinkForm, PostForm


def _add_errors(form, exc: ValidationError) -> None:
    """A service's field errors beside the form's fields (the rest above the form)."""
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _office_only(request) -> None:
    if not service.keeps_map(request.user):
        raise PermissionDenied


# ---------------------------------------------------------------------------------------
# The map
# ---------------------------------------------------------------------------------------


@login_required
def overview(request):
    """Per village: coverage, the village leaders, the area cadres and the gaps per grid."""
    if not service.villages_read_by(request.user).exists():
        raise PermissionDenied
    village = None
    if (vid := service.id_param(request.GET.get("village", ""))) is not None:
        village = service.villages_read_by(request.user).filter(pk=vid).first()
    rows = service.map_overview(request.user, village=village)
    households = sum(r["households"] for r in rows)
    covered = sum(r["covered"] for r in rows)
    return render(
        request,
        "organisation/map/overview.html",
        {
            "rows": rows,
            "households": households,
            "covered": covered,
            "coverage": round(100 * covered / households) if households else 0,
            "keeps": service.keeps_map(request.user),
            "village": village,
        },
    )


def _prefill(request) -> dict:
    initial: dict = {}
    if (hid := service.id_param(request.GET.get("household", ""))) is not None:
        household = (
            Household.objects.filter(pk=hid, village__in=service.villages_kept_by(request.user))
            .select_related("village")
            .first()
        )
        if household is not None:
            initial.update(
                village=household.village_id, level=Level.HOUSEHOLD, household_number=household.number
            )
    if (gid := service.id_param(request.GET.get("grid", ""))) is not None:
        grid = service.grids_kept_by(request.user).filter(pk=gid).first()
        if grid is not None:
            initial.update(village=grid.village_id, level=Level.AREA, grid=grid.pk)
    if (vid := service.id_param(request.GET.get("village", ""))) is not None and "village" not in initial:
        if service.villages_kept_by(request.user).filter(pk=vid).exists():
            initial.update(village=vid, level=Level.VILLAGE)
    return initial


@login_required
@require_http_methods(["GET", "POST"])
def link_new(request):
    """Name who answers for a village, an area or a household (the current one is closed)."""
    _office_only(request)
    form = LinkForm(request.POST or None, actor=request.user, initial=_prefill(request))
    if request.method == "POST" and form.is_valid():
        try:
            link = service.responsibility_assign(actor=request.user, **form.values())
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("%(name)s now answers for it.") % {"name": link.name})
            if link.household_id:
                return redirect("organisation:map-household", pk=link.household_id)
            return redirect(f"{redirect('organisation:map').url}?village={link.village_id}")
    return render(request, "organisation/map/link_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def grid_assign(request):
    """One person (a grid worker, a party member) for every household of a grid."""
    _office_only(request)
    initial = {}
    if (gid := service.id_param(request.GET.get("grid", ""))) is not None:
        initial["grid"] = gid
    form = GridLinkForm(request.POST or None, actor=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            count = service.responsibility_assign_grid(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request,
                _("%(count)d households of the grid are linked to %(name)s.")
                % {"count": count, "name": form.cleaned_data.get("name") or _("the person chosen")},
            )
            grid = form.cleaned_data["grid"]
            return redirect(f"{redirect('organisation:map').url}?village={grid.village_id}")
    return render(request, "organisation/map/grid_form.html", {"form": form})


@login_required
def household(request, pk):
    """Who answers for a household at each level, and the history of its own links."""
    found = service.household_for_user(request.user, pk)
    if found is None:
        raise Http404
    people = service.who_answers(found)
    keeps = service.villages_kept_by(request.user).filter(pk=found.village_id).exists()
    return render(
        request,
        "organisation/map/household.html",
        {"household": found, "people": people, "keeps": keeps},
    )


@login_required
@require_POST
def link_close(request, pk):
    link = (
        service.responsibilities_for_user(request.user, CHANGE).filter(pk=service.id_param(str(pk))).first()
    )
    if link is None:
        raise Http404
    try:
        service.responsibility_close(responsibility=link, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The link of %(name)s is closed.") % {"name": link.name})
    if link.household_id:
        return redirect("organisation:map-household", pk=link.household_id)
    return redirect(f"{redirect('organisation:map').url}?village={link.village_id}")


@login_required
def mine(request):
    """The households the user answers for, phone first."""
    data = service.my_households(request.user)
    return render(request, "organisation/map/mine.html", data)


# ---------------------------------------------------------------------------------------
# Informants
# ---------------------------------------------------------------------------------------


def _period(request) -> tuple[datetime.date, datetime.date]:
    today = timezone.localdate()

    def day(name, default):
        try:
            value = datetime.date.fromisoformat(request.GET.get(name, "")[:10])
        except ValueError:
            return default
        return (
            value if datetime.date(2000, 1, 1) <= value <= today + datetime.timedelta(days=366) else default
        )

    start = day("start", today - datetime.timedelta(days=29))
    end = day("end", today)
    if end < start:
        start, end = end, start
    return start, end


@login_required
def informants(request):
    """Per group: its informants, how many reported cases in the period, and what kinds."""
    if not service.informant_groups_for_user(request.user).exists() and not service.keeps_map(request.user):
        raise PermissionDenied
    start, end = _period(request)
    groups = service.informant_groups_with_figures(request.user, start=start, end=end)
    return render(
        request,
        "organisation/map/informants.html",
        {"groups": groups, "start": start, "end": end, "keeps": service.keeps_map(request.user)},
    )


@login_required
def informant_group(request, pk):
    group = service.informant_groups_for_user(request.user).filter(pk=service.id_param(str(pk))).first()
    if group is None:
        raise Http404
    rows = list(
        service.informants_for_user(request.user)
        .filter(group=group)
        .prefetch_related("households")
        .order_by("until", "name")
    )
    return render(
        request,
        "organisation/map/informant_group.html",
        {
            "group": group,
            "rows": rows,
            "keeps": service.informant_groups_for_user(request.user, CHANGE).filter(pk=group.pk).exists(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def group_new(request):
    _office_only(request)
    form = GroupForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        village = data.get("village")
        town = (
            village.town
            if village is not None
            else service.towns_kept_by(request.user).order_by("pk").first()
        )
        try:
            group = service.informant_group_create(actor=request.user, town=town, **data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The group %(name)s is added.") % {"name": group.name})
            return redirect("organisation:informant-group", pk=group.pk)
    return render(
        request,
        "organisation/map/simple_form.html",
        {
            "form": form,
            "title": _("New informant group"),
            "form_id": "group-form",
            "back": reverse("organisation:informants"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def informant_new(request):
    _office_only(request)
    groups = service.informant_groups_for_user(request.user, CHANGE).order_by("kind", "name")
    initial = {}
    if (gid := service.id_param(request.GET.get("group", ""))) is not None:
        initial["group"] = gid
    form = InformantForm(request.POST or None, actor=request.user, groups=groups, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            informant = service.informant_create(actor=request.user, **form.values())
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The informant %(name)s is added.") % {"name": informant.name})
            return redirect("organisation:informant-group", pk=informant.group_id)
    return render(
        request,
        "organisation/map/simple_form.html",
        {
            "form": form,
            "title": _("New informant"),
            "form_id": "informant-form",
            "back": reverse("organisation:informants"),
        },
    )


@login_required
@require_POST
def informant_close(request, pk):
    informant = service.informants_for_user(request.user, CHANGE).filter(pk=service.id_param(str(pk))).first()
    if informant is None:
        raise Http404
    try:
        service.informant_close(informant=informant, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("organisation:informant-group", pk=informant.group_id)


# ---------------------------------------------------------------------------------------
# Compound teams and the public card
# ---------------------------------------------------------------------------------------


@login_required
def posts(request):
    """The compounds' teams the user reads, by compound, with a link to each public card."""
    rows = list(
        service.posts_for_user(request.user)
        .filter(until__isnull=True)
        .order_by("grid__code", "post", "building", "name")
    )
    keeps = service.keeps_map(request.user)
    if not rows and not keeps and not service.villages_read_by(request.user).exists():
        raise PermissionDenied
    compounds: dict[int, dict] = {}
    for row in rows:
        compounds.setdefault(row.grid_id, {"grid": row.grid, "posts": []})["posts"].append(row)
    return render(
        request,
        "organisation/map/posts.html",
        {"compounds": list(compounds.values()), "keeps": keeps},
    )


@login_required
@require_http_methods(["GET", "POST"])
def post_new(request):
    _office_only(request)
    initial = {}
    if (gid := service.id_param(request.GET.get("grid", ""))) is not None:
        initial["grid"] = gid
    form = PostForm(request.POST or None, actor=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            row = service.service_post_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The post %(post)s is added.") % {"post": row})
            return redirect("organisation:posts")
    return render(
        request,
        "organisation/map/simple_form.html",
        {
            "form": form,
            "title": _("New compound post"),
            "form_id": "post-form",
            "back": reverse("organisation:posts"),
        },
    )


@login_required
@require_POST
def post_close(request, pk):
    row = service.posts_for_user(request.user, CHANGE).filter(pk=service.id_param(str(pk))).first()
    if row is None:
        raise Http404
    try:
        service.service_post_close(post=row, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("organisation:posts")


@public_door(methods=("GET",))
def public_card(request, code: str):
    """A compound's service card (三长五员): each post's title, name, phone and what it
    handles. Public by design: the card is posted in the compound. Printable A4."""
    grid, rows = service.service_card(code)
    if grid is None or not rows:
        raise Http404
    return render(request, "organisation/map/card.html", {"grid": grid, "rows": rows})


def gaps_count(user) -> tuple[int, int]:
    """(households, covered) of the villages the user reads, for the home tile."""
    rows = service.map_overview(user, gaps_per_grid=0)
    return sum(r["households"] for r in rows), sum(r["covered"] for r in rows)
