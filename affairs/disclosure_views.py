"""阳光三务 pages: the village's disclosures for its cadres and the town's overview
(villages × the three kinds for the last ended period, the late ones marked) for the
office; a draft's editor (finance items as rows); a disclosure's page with publishing,
correcting and the board's photo; and, without log-in, a village's published
disclosures and the A4 notice of each for the paper board."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from governance.api.throttles import public_door
from governance.params import id_param
from governance.scoping import VIEW, can
from grids.models import Village

from . import disclosures as ds
from .choices import DisclosureKind
from .disclosure_forms import ITEM_ROWS, BoardForm, CorrectForm, DisclosureForm, SettingsForm, items_from_post
from .models import Disclosure


def _add_errors(form, exc: ValidationError) -> None:
    """A service's field errors beside the form's fields (the rest above the form)."""
    for key, errors in exc.message_dict.items():
        if key == "period_end":
            key = "period"
        if key == "period_start" and "period" in form.fields:
            key = "period"
        if key == "items" and hasattr(form, "item_errors"):
            form.item_errors.extend(errors)
            continue
        form.add_error(key if key in form.fields else None, errors)


def _readers_only(request) -> None:
    if not can(request.user, VIEW, Disclosure):
        raise PermissionDenied


def _status_label(status: str) -> str:
    return {
        ds.Status.PUBLISHED: _("published"),
        ds.Status.PUBLISHED_LATE: _("published late"),
        ds.Status.WAITING: _("due"),
        ds.Status.LATE: _("late to publish"),
    }[status]


@login_required
@require_http_methods(["GET", "POST"])
def disclosure_list(request):
    """A cadre's own village's disclosures and what is due; the town office's overview of
    its villages (the late ones marked) and its settings; readers' recent disclosures."""
    _readers_only(request)
    today = timezone.localdate()
    mine = ds.writable_villages(request.user)
    own_rows = ds.town_overview(mine, today)
    overview = ds.town_overview(ds.overview_villages(request.user), today)
    for row in own_rows + overview:
        for cell in row.cells:
            cell.label = _status_label(cell.status)
    towns = list(ds.settings_towns(request.user).order_by("code")[:1])
    settings_form = None
    if towns:
        town = towns[0]
        current = ds.settings_for(town.pk)
        if request.method == "POST":
            settings_form = SettingsForm(request.POST)
            if settings_form.is_valid():
                try:
                    ds.settings_set(town=town, actor=request.user, **settings_form.cleaned_data)
                except ValidationError as exc:
                    _add_errors(settings_form, exc)
                else:
                    messages.success(request, _("The disclosure settings are saved."))
                    return redirect("affairs:disclosures")
        else:
            settings_form = SettingsForm(
                initial={
                    "cadence": current.cadence,
                    "due_days": current.due_days,
                    "spending_threshold": current.spending_threshold,
                }
            )
    elif request.method == "POST":
        raise PermissionDenied
    listed = (
        ds.disclosures_for_user(request.user)
        .select_related("corrected_by")
        .order_by("-period_end", "village__code", "kind", "-id")
    )
    village_id = request.GET.get("village")
    if (village_id := id_param(village_id)) is not None:
        listed = listed.filter(village_id=village_id)
    kind = request.GET.get("kind")
    if kind in DisclosureKind.values:
        listed = listed.filter(kind=kind)
    return render(
        request,
        "affairs/disclosures.html",
        {
            "own_rows": own_rows,
            "overview": overview,
            "late": sum(1 for row in overview if row.late),
            "settings_form": settings_form,
            "settings_town": towns[0] if towns else None,
            "listed": list(listed[:100]),
            "may_write": bool(own_rows),
            "kinds": DisclosureKind.choices,
            "today": today,
        },
    )


def _form_context(request, form, *, items, disclosure=None, village=None):
    rows = list(items) + [{"item": "", "income": "", "spending": ""}] * max(2, ITEM_ROWS - len(items))
    return {"form": form, "item_rows": rows, "disclosure": disclosure, "village": village}


@login_required
@require_http_methods(["GET", "POST"])
def disclosure_new(request):
    villages = list(ds.writable_villages(request.user).select_related("town").order_by("code"))
    if not villages:
        raise PermissionDenied
    today = timezone.localdate()
    chosen = villages[0]
    wanted = request.POST.get("village") or request.GET.get("village")
    if (wanted_id := id_param(wanted)) is not None:
        chosen = next((v for v in villages if v.pk == wanted_id), chosen)
    settings = ds.settings_for(chosen.town_id)
    periods = ds.recent_periods(settings.cadence, today)
    last = ds.last_ended(settings.cadence, today)
    initial = {"village": chosen.pk, "period": f"{last[0]:%Y-%m-%d}", "kind": DisclosureKind.FINANCE}
    if request.GET.get("kind") in DisclosureKind.values:
        initial["kind"] = request.GET["kind"]
    if request.GET.get("period") in {f"{s:%Y-%m-%d}" for s, _e in periods}:
        initial["period"] = request.GET["period"]
    form = DisclosureForm(request.POST or None, villages=villages, periods=periods, initial=initial)
    items = items_from_post(request.POST) if request.method == "POST" else []
    if request.method == "POST" and form.is_valid():
        start, end = form.period_bounds()
        village = next(v for v in villages if v.pk == form.cleaned_data["village"])
        data = {k: form.cleaned_data[k] for k in ("title", "body", "signed_off_by", "signed_off_on")}
        try:
            disclosure = ds.disclosure_create(
                village=village,
                kind=form.cleaned_data["kind"],
                period_start=start,
                period_end=end,
                items=items if form.cleaned_data["kind"] == DisclosureKind.FINANCE else [],
                actor=request.user,
                **data,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The draft is saved. Check it and publish it."))
            return redirect("affairs:disclosure", pk=disclosure.pk)
    return render(
        request,
        "affairs/disclosure_form.html",
        _form_context(request, form, items=[r for r in items if any(r.values())], village=chosen),
    )


def _writable(request, disclosure: Disclosure) -> bool:
    return ds.writable_villages(request.user).filter(pk=disclosure.village_id).exists()


@login_required
@require_http_methods(["GET", "POST"])
def disclosure_edit(request, pk: int):
    disclosure = get_object_or_404(ds.disclosures_for_user(request.user), pk=pk)
    if not _writable(request, disclosure):
        raise PermissionDenied
    if disclosure.published_at is not None:
        messages.warning(
            request, _("This disclosure is published and is never edited: publish a correction instead.")
        )
        return redirect("affairs:disclosure", pk=disclosure.pk)
    period = (disclosure.period_start, disclosure.period_end)
    initial = {
        "village": disclosure.village_id,
        "kind": disclosure.kind,
        "period": f"{period[0]:%Y-%m-%d}",
        "title": disclosure.title,
        "body": disclosure.body,
        "signed_off_by": disclosure.signed_off_by,
        "signed_off_on": disclosure.signed_off_on,
    }
    form = DisclosureForm(
        request.POST or None, villages=[disclosure.village], periods=[period], fixed=True, initial=initial
    )
    items = items_from_post(request.POST) if request.method == "POST" else list(disclosure.items or [])
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in ("title", "body", "signed_off_by", "signed_off_on")}
        if disclosure.kind == DisclosureKind.FINANCE:
            data["items"] = items
        try:
            ds.disclosure_update(disclosure=disclosure, data=data, actor=request.user)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The draft is saved."))
            return redirect("affairs:disclosure", pk=disclosure.pk)
    return render(
        request,
        "affairs/disclosure_form.html",
        _form_context(
            request,
            form,
            items=[r for r in items if any(str(v).strip() for v in r.values())],
            disclosure=disclosure,
            village=disclosure.village,
        ),
    )


def _detail_context(disclosure: Disclosure) -> dict:
    return {
        "disclosure": disclosure,
        "totals": ds.totals(disclosure.items),
        "period_label": ds.period_label(disclosure.period_start, disclosure.period_end),
        "correction": ds.published_correction(disclosure),
    }


@login_required
@require_http_methods(["GET", "POST"])
def disclosure_detail(request, pk: int):
    disclosure = get_object_or_404(ds.disclosures_for_user(request.user), pk=pk)
    may_write = _writable(request, disclosure)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if action and not may_write:
        raise PermissionDenied
    correct_form = CorrectForm(request.POST if action == "correct" else None)
    board_form = BoardForm(
        request.POST if action == "board" else None, request.FILES if action == "board" else None
    )
    errors: list[str] = []
    if action:
        try:
            if action == "publish":
                ds.disclosure_publish(disclosure=disclosure, actor=request.user)
                messages.success(
                    request,
                    _("Published: it is on the village's public page. Print the notice for the board."),
                )
                return redirect("affairs:disclosure", pk=disclosure.pk)
            if action == "discard":
                ds.disclosure_discard(disclosure=disclosure, actor=request.user)
                messages.success(request, _("The draft is taken back."))
                return redirect("affairs:disclosures")
            if action == "correct" and correct_form.is_valid():
                correction = ds.disclosure_correct(
                    disclosure=disclosure,
                    reason=correct_form.cleaned_data["correction_reason"],
                    actor=request.user,
                )
                messages.success(
                    request, _("The correction is begun: change what was wrong, then publish it.")
                )
                return redirect("affairs:disclosure-edit", pk=correction.pk)
            if action == "board" and board_form.is_valid():
                ds.board_confirm(
                    disclosure=disclosure, upload=board_form.cleaned_data["photo"], actor=request.user
                )
                messages.success(request, _("The board is confirmed."))
                return redirect("affairs:disclosure", pk=disclosure.pk)
            if action not in ("publish", "discard", "correct", "board"):
                raise Http404
        except ValidationError as exc:
            form = {"correct": correct_form, "board": board_form}.get(action)
            if form is None:
                errors = [m for ms in exc.message_dict.values() for m in ms]
            else:
                _add_errors(form, exc)
        disclosure = get_object_or_404(ds.disclosures_for_user(request.user), pk=pk)
    context = _detail_context(disclosure)
    draft = disclosure.published_at is None
    return render(
        request,
        "affairs/disclosure.html",
        {
            **context,
            "may_write": may_write,
            "draft": draft,
            "problems": ds.publish_problems(disclosure) if draft and may_write else {},
            "errors": errors,
            "correct_form": correct_form,
            "board_form": board_form,
            "open_form": action,
            "corrected_by_draft": (
                Disclosure.objects.filter(
                    corrects=disclosure, published_at__isnull=True, deleted_at__isnull=True
                )
                .only("pk")
                .first()
                if may_write and not draft
                else None
            ),
        },
    )


@login_required
def board_photo(request, pk: int):
    """The board's photo as stored, for those who read the disclosure."""
    disclosure = get_object_or_404(ds.disclosures_for_user(request.user), pk=pk)
    if not disclosure.board_photo:
        raise Http404
    return FileResponse(disclosure.board_photo.open("rb"), content_type="image/jpeg")


# ---------------------------------------------------------------------------------------
# Public: no log-in, published disclosures only
# ---------------------------------------------------------------------------------------


def _public_village(code: str) -> Village:
    return get_object_or_404(Village.objects.select_related("town"), code=code, deleted_at__isnull=True)


@public_door(methods=("GET",))
def public(request, code: str):
    """A village's published disclosures for residents, newest period first; a corrected
    one says when it was corrected and links to its correction."""
    village = _public_village(code)
    rows = list(ds.published_of_village(village)[:60])
    corrected = {d.corrects_id: d for d in rows if d.corrects_id}
    entries = [
        {
            "d": d,
            "totals": ds.totals(d.items),
            "period": ds.period_label(d.period_start, d.period_end),
            "corrected_by": corrected.get(d.pk),
        }
        for d in rows
    ]
    return render(
        request,
        "affairs/disclosure_public.html",
        {"village": village, "town": village.town, "entries": entries},
    )


@public_door(methods=("GET",))
def public_print(request, code: str, pk: int):
    """The A4 notice of one published disclosure for the village's board (公开栏)."""
    village = _public_village(code)
    disclosure = get_object_or_404(ds.published_of_village(village), pk=pk)
    return render(
        request,
        "affairs/disclosure_print.html",
        {**_detail_context(disclosure), "village": village, "town": village.town},
    )


def public_url(disclosure: Disclosure) -> str:
    return reverse("affairs:disclosures-public", args=[disclosure.village.code])
