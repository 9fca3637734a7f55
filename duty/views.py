"""Roster pages: the town office's month overview (villages × published or not, with the
deadline), the roster editor (a month calendar with a select per day while it is a draft,
the rotation helper, publishing; amendments once published), and the public pages of a
village's roster (today's and the month's people on duty and the duty phone, on screen
and as an A4 notice for the public board) that need no log-in."""

from __future__ import annotations

from itertools import zip_longest

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from governance.api.throttles import public_door
from governance.params import id_param
from governance.scoping import CHANGE, VIEW, can, restrict
from grids.models import Household, Village

from . import selectors, services
from .choices import DUTY_HOURS, SPOT_CHECKS_MAX, SPOT_CHECKS_MIN, CheckInMethod, Item, RosterState
from .forms import (
    WEEKDAYS,
    AmendForm,
    BoardForm,
    CheckInForm,
    CreateForm,
    DaysForm,
    DeadlineForm,
    DismissForm,
    ElderlyForm,
    ErrandForm,
    FillForm,
    FindingForm,
    LogAmendForm,
    PatrolForm,
    PhoneForm,
    PhotoForm,
    ReportFindingForm,
    SpotCheckForm,
    StartForm,
    SummaryForm,
    TalkForm,
    VisitForm,
)
from .inspections import inspections_of_day
from .models import (
    Amendment,
    DutyFlag,
    DutyLog,
    DutySettings,
    ElderlyHelp,
    LogAmendment,
    LogPhoto,
    OfficeCode,
    PatrolFinding,
    PolicyTalk,
    Roster,
    SpotCheck,
    add_months,
    publish_deadline,
)
from .policies import deadline_town_ids, villages_kept_by, villages_on_duty_for


def _add_errors(form, exc: ValidationError) -> None:
    """A service's field errors beside the form's fields (the rest above the form)."""
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _month_param(request):
    return selectors.parse_month(request.GET.get("month"), selectors.this_month())


def _readers_only(request) -> None:
    if not can(request.user, VIEW, Roster):
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "POST"])
def overview(request):
    """The month's rosters of every village the user reads (default: next month, the one
    being prepared), with each town's deadline."""
    _readers_only(request)
    month = selectors.parse_month(request.GET.get("month"), add_months(selectors.this_month(), 1))
    rows = selectors.month_overview(request.user, month)
    towns = sorted({row.village.town for row in rows}, key=lambda t: t.code)
    office_towns = deadline_town_ids(request.user)
    editable_towns = [t for t in towns if t.pk in office_towns]
    deadline_form = None
    if editable_towns:
        town = editable_towns[0]
        current = DutySettings.objects.filter(town=town).first()
        if request.method == "POST":
            deadline_form = DeadlineForm(request.POST)
            if deadline_form.is_valid():
                try:
                    services.settings_set(
                        town=town,
                        publish_by_day=deadline_form.cleaned_data["publish_by_day"],
                        actor=request.user,
                    )
                except ValidationError as exc:
                    _add_errors(deadline_form, exc)
                else:
                    messages.success(request, _("The deadline is saved."))
                    return redirect(f"{reverse('duty:overview')}?month={month:%Y-%m}")
        else:
            deadline_form = DeadlineForm(
                initial={"publish_by_day": current.publish_by_day if current else publish_deadline(month).day}
            )
    elif request.method == "POST":
        raise PermissionDenied
    published = sum(1 for row in rows if row.published)
    return render(
        request,
        "duty/overview.html",
        {
            "month": month,
            "previous": add_months(month, -1),
            "next": add_months(month, 1),
            "rows": rows,
            "published": published,
            "missing": len(rows) - published,
            "late": sum(1 for row in rows if row.late),
            "deadline_form": deadline_form,
            "deadline_town": editable_towns[0] if editable_towns else None,
            "today": timezone.localdate(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def roster_open(request, village_id: int):
    """The village's roster of ``?month=``: to it if there is one, else a form to begin it."""
    _readers_only(request)
    village = get_object_or_404(restrict(Village.objects.select_related("town"), request.user), pk=village_id)
    month = _month_param(request)
    existing = selectors.rosters_for_user(request.user).filter(village=village, month=month).first()
    if existing is not None:
        return redirect("duty:roster", pk=existing.pk)
    may_create = villages_kept_by(request.user).filter(pk=village.pk).exists()
    form = CreateForm(request.POST or None)
    if request.method == "POST":
        if not may_create:
            raise PermissionDenied
        if form.is_valid():
            try:
                roster = services.roster_create(
                    village=village,
                    month=month,
                    duty_phone=form.cleaned_data["duty_phone"],
                    actor=request.user,
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("The roster is begun: fill it in and publish it."))
                return redirect("duty:roster", pk=roster.pk)
    return render(
        request,
        "duty/open.html",
        {"village": village, "month": month, "form": form, "may_create": may_create},
    )


def _roster_context(request, roster: Roster) -> dict:
    shifts = list(selectors.live_shifts().filter(roster=roster))
    amendments = list(
        Amendment.objects.filter(roster=roster)
        .select_related("replaced", "replacement", "by")
        .order_by("date", "id")
    )
    grid = selectors.month_grid(
        roster, shifts=shifts, amended_dates={a.date for a in amendments}, town_id=roster.village.town_id
    )
    may_change = restrict(Roster.objects.filter(pk=roster.pk), request.user, CHANGE).exists()
    settings_day = selectors.deadlines_by_town([roster.village.town_id])[roster.village.town_id]
    return {
        "roster": roster,
        "grid": grid,
        "shifts": shifts,
        "amendments": amendments,
        "may_change": may_change,
        "editable": may_change and roster.state == RosterState.DRAFT,
        "amendable": may_change and roster.state == RosterState.PUBLISHED,
        "deadline": publish_deadline(roster.month, settings_day),
        "team": sorted({s.person for s in shifts}, key=lambda p: (str(p), p.pk)),
        "today": timezone.localdate(),
    }


@login_required
@require_http_methods(["GET", "POST"])
def roster_detail(request, pk: int):
    roster = get_object_or_404(selectors.rosters_for_user(request.user), pk=pk)
    context = _roster_context(request, roster)
    cadres = list(services.cadres_of(roster.village_id)) if context["may_change"] else []
    days = context["grid"].days
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if action and not context["may_change"]:
        raise PermissionDenied
    days_form = DaysForm(request.POST if action == "days" else None, days=days, people=cadres)
    days_form.cells()
    fill_form = FillForm(request.POST if action == "fill" else None, people=cadres)
    phone_form = PhoneForm(
        request.POST if action == "phone" else None, initial={"duty_phone": roster.duty_phone}
    )
    amend_form = AmendForm(
        request.POST if action == "amend" else None, days=days, people=cadres, on_duty=context["team"]
    )
    publish_errors: list[str] = []
    forms_by_action = {"days": days_form, "fill": fill_form, "phone": phone_form, "amend": amend_form}
    if action in forms_by_action or action == "publish":
        form = forms_by_action.get(action)
        if form is None or form.is_valid():
            try:
                if action == "days":
                    services.roster_set_days(roster=roster, days=days_form.entries(), actor=request.user)
                    messages.success(request, _("The roster is saved."))
                elif action == "fill":
                    services.roster_fill(
                        roster=roster,
                        people=fill_form.rotation(),
                        days_each=fill_form.cleaned_data["days_each"],
                        include_weekends=fill_form.cleaned_data["include_weekends"],
                        actor=request.user,
                    )
                    messages.success(request, _("The month is filled by rotation. Check it and publish it."))
                elif action == "phone":
                    services.roster_update(
                        roster=roster, duty_phone=phone_form.cleaned_data["duty_phone"], actor=request.user
                    )
                    messages.success(request, _("The duty phone is saved."))
                elif action == "amend":
                    services.roster_amend(roster=roster, actor=request.user, **amend_form.values())
                    messages.success(request, _("The amendment is recorded."))
                else:
                    services.roster_publish(roster=roster, actor=request.user)
                    messages.success(request, _("The roster is published and archived with the town office."))
            except ValidationError as exc:
                shown = context["amendable"] if action == "amend" else context["editable"]
                if form is None or not shown:
                    # Publishing, or a form the page no longer shows (the roster was
                    # published meanwhile): the messages above the calendar.
                    publish_errors = [m for ms in exc.message_dict.values() for m in ms]
                else:
                    if action == "fill" and "people" in exc.message_dict:
                        exc = ValidationError(
                            {
                                **{k: v for k, v in exc.message_dict.items() if k != "people"},
                                "__all__": exc.message_dict["people"],
                            }
                        )
                    _add_errors(form, exc)
            else:
                return redirect("duty:roster", pk=roster.pk)
    return render(
        request,
        "duty/roster.html",
        {
            **context,
            "days_form": days_form,
            "fill_form": fill_form,
            "phone_form": phone_form,
            "amend_form": amend_form,
            "publish_errors": publish_errors,
            "open_form": action or "",
            "weekdays": WEEKDAYS,
        },
    )


def _public_context(code: str, month_value: str | None) -> dict:
    village = get_object_or_404(Village.objects.select_related("town"), code=code, deleted_at__isnull=True)
    today = timezone.localdate()
    month = selectors.parse_month(month_value, selectors.this_month(today))
    if abs((month.year - today.year) * 12 + month.month - today.month) > 24:
        raise Http404
    roster = selectors.public_roster(village, month)
    grid = selectors.month_grid(roster, town_id=village.town_id) if roster is not None else None
    today_cell = None
    if grid is not None and roster.month <= today <= roster.last_day:
        today_cell = next(cell for cell in grid.days if cell.date == today)
    pairs = []
    if grid is not None:
        half = (len(grid.days) + 1) // 2
        pairs = list(zip_longest(grid.days[:half], grid.days[half:]))
    return {
        "pairs": pairs,
        "village": village,
        "town": village.town,
        "month": month,
        "roster": roster,
        "grid": grid,
        "today": today,
        "today_cell": today_cell,
        "previous": add_months(month, -1),
        "next": add_months(month, 1),
    }


@public_door(methods=("GET",))
def public(request, code: str):
    """A village's published roster for residents, without log-in: names and the duty
    phone only."""
    return render(request, "duty/public.html", _public_context(code, request.GET.get("month")))


@public_door(methods=("GET",))
def public_print(request, code: str):
    """The A4 notice for the village's public board (公开栏); print it, or save it as a
    PDF from the browser's print dialogue."""
    return render(request, "duty/print.html", _public_context(code, request.GET.get("month")))


# ---------------------------------------------------------------------------------------
# Duty logs (值班日记): the cadre's today page, a log's page, the QR check-in, the town's
# today board, the flags, the office's QR code
# ---------------------------------------------------------------------------------------


def _kinds(user):
    from cases.models import CaseKind

    return restrict(CaseKind.objects.filter(is_active=True), user).order_by("name")


def _fresh_log(log_id: int) -> DutyLog:
    return (
        selectors.with_progress(DutyLog.objects.filter(pk=log_id))
        .select_related("village__town", "cadre")
        .get()
    )


def _log_forms(request, log: DutyLog, action: str, *, households, kinds) -> dict:
    data = request.POST if request.method == "POST" else None
    files = request.FILES if request.method == "POST" else None

    def bound(name):
        return data if action == name else None

    return {
        "checkin": CheckInForm(bound("checkin")),
        "errand": ErrandForm(bound("errand")),
        "patrol": PatrolForm(bound("patrol"), initial={"patrol_route": log.patrol_route}),
        "finding": FindingForm(bound("finding"), kinds=kinds),
        "report": ReportFindingForm(bound("report"), kinds=kinds),
        "spot_check": SpotCheckForm(bound("spot_check"), households=households),
        "visit": VisitForm(bound("visit"), households=households),
        "talk": TalkForm(bound("talk")),
        "board": BoardForm(
            bound("board"),
            initial={
                "board_updated": "" if log.board_updated is None else ("1" if log.board_updated else "0"),
                "board_note": log.board_note,
            },
        ),
        "elderly": ElderlyForm(bound("elderly")),
        "summary": SummaryForm(bound("summary"), initial={"summary": log.summary}),
        "photo": PhotoForm(bound("photo"), files if action == "photo" else None),
        "amend": LogAmendForm(bound("amend")),
    }


def _apply(request, log: DutyLog, action: str, form) -> str:
    """Run the service of ``action`` with the form's values; the message to show."""
    user, data = request.user, form.cleaned_data if form is not None else {}
    if action == "checkin":
        services.log_check_in(
            log=log,
            actor=user,
            method=CheckInMethod.MANUAL,
            reason=data["check_in_reason"],
            latitude=data.get("latitude"),
            longitude=data.get("longitude"),
        )
        return _("Checked in.")
    if action == "checkout":
        services.log_check_out(log=log, actor=user)
        return _("Checked out.")
    if action == "errand":
        services.errand_add(
            log=log, actor=user, what=data["what"], for_whom=data["for_whom"], done=data["done"]
        )
        return _("The errand is recorded.")
    if action == "errand_done":
        errand = get_object_or_404(selectors.errands_of(log), pk=id_param(request.POST.get("errand")))
        services.errand_done(log=log, errand=errand, actor=user)
        return _("The errand is done.")
    if action == "patrol":
        services.log_update(log=log, actor=user, data={"patrol_route": data["patrol_route"]})
        return _("The patrol route is saved.")
    if action == "finding":
        finding = services.finding_add(log=log, actor=user, note=data["note"], kind=data.get("kind"))
        return _("The finding is reported as a case.") if finding.case_id else _("The finding is recorded.")
    if action == "report":
        finding = get_object_or_404(PatrolFinding.objects.filter(log=log), pk=data["finding"])
        services.finding_report(finding=finding, kind=data["kind"], actor=user)
        return _("The finding is reported as a case.")
    if action == "spot_check":
        services.spot_check_add(
            log=log, actor=user, household=form.chosen(), passed=data["passed"], note=data["note"]
        )
        return _("The spot check is recorded.")
    if action == "visit":
        services.visit_add(log=log, actor=user, household=form.chosen(), note=data["note"])
        return _("The visit is recorded.")
    if action == "talk":
        services.talk_add(
            log=log, actor=user, topic=data["topic"], audience=data["audience"], people=data["people"]
        )
        return _("The policy talk is recorded.")
    if action == "board":
        services.log_update(
            log=log,
            actor=user,
            data={"board_updated": data["board_updated"], "board_note": data["board_note"]},
        )
        return _("The public board is recorded.")
    if action == "elderly":
        services.elderly_add(log=log, actor=user, who=data["who"], what=data["what"])
        return _("The help is recorded.")
    if action == "summary":
        services.log_update(log=log, actor=user, data={"summary": data["summary"]})
        return _("The record is saved.")
    if action == "photo":
        services.photo_add(log=log, actor=user, item=data["item"], upload=data["photo"])
        return _("The photo is added.")
    if action == "remove":
        kind = request.POST.get("kind", "")
        if kind not in services.ROW_MODELS:
            raise ValidationError({"row": _("No such entry in this log.")})
        try:
            row_id = int(request.POST.get("row", ""))
        except ValueError:
            raise ValidationError({"row": _("No such entry in this log.")}) from None
        services.row_remove(log=log, actor=user, kind=kind, row_id=row_id)
        return _("The entry is removed.")
    if action == "sign":
        services.log_sign(log=log, actor=user)
        return _("The duty log is signed.")
    if action == "amend":
        services.log_amend(
            log=log, actor=user, item=data["item"], correction=data["correction"], reason=data["reason"]
        )
        return _("The correction is recorded.")
    raise ValidationError(_("Unknown action."))


FORMLESS = {"checkout", "errand_done", "remove", "sign"}
# Which item's section each action belongs to (it is opened again after the post).
ACTION_ITEM = {
    "checkin": 1,
    "checkout": 1,
    "errand": 2,
    "errand_done": 2,
    "patrol": 3,
    "finding": 3,
    "report": 3,
    "spot_check": 4,
    "visit": 5,
    "talk": 6,
    "board": 7,
    "elderly": 8,
    "summary": 9,
    "sign": 9,
    "amend": 0,
}


def _log_page(request, log: DutyLog, *, shift=None, template="duty/log.html", households_due=None):
    """A log with its nine items: forms for its cadre while it is a draft, amendments
    once it is signed, read-only for everyone else."""
    user = request.user
    mine = log.cadre_id == user.pk and restrict(DutyLog.objects.filter(pk=log.pk), user, CHANGE).exists()
    editable, amendable = mine and not log.is_signed, mine and log.is_signed
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if action and not (editable or (amendable and action in ("amend", "report"))):
        if request.headers.get("X-Duty-Queue"):
            # a phone's kept entry for a log signed since: refused, so it leaves the queue
            response = HttpResponse(status=403)
            response["X-Duty-Result"] = "invalid"
            return response
        raise PermissionDenied
    households = (
        list(
            Household.objects.filter(village_id=log.village_id, deleted_at__isnull=True)
            .order_by("number")
            .only("pk", "number", "head_name")
        )
        if editable
        else []
    )
    kinds = _kinds(user)
    forms_ = _log_forms(request, log, action, households=households, kinds=kinds)
    problems: list[str] = []
    if action and request.POST.get("log", str(log.pk)) != str(log.pk):
        # an entry kept on a phone names the log it was written in: never another day's
        problems = [_("This entry was written in another duty log; it is not saved here.")]
    elif action:
        form = None if action in FORMLESS else forms_.get(action)
        if action not in FORMLESS and form is None:
            raise PermissionDenied
        if form is None or form.is_valid():
            try:
                # A phone's queued entry carries an idempotency key: applied once only.
                applied, message = services.run_once(
                    log=log,
                    key=request.POST.get("idem", ""),
                    action=action,
                    run=lambda: _apply(request, log, action, form),
                )
            except ValidationError as exc:
                if form is None:
                    problems = exc.messages
                else:
                    _add_errors(form, exc)
            else:
                messages.success(request, message if applied else _("Already received."))
                item = ACTION_ITEM.get(action) or id_param(request.POST.get("item")) or 0
                # the phone's script reads the result itself (a redirect's header is lost
                # in fetch): "saved" or "duplicate" only, else the entry stays queued
                queued = request.headers.get("X-Duty-Queue")
                response = HttpResponse(status=204) if queued else redirect(f"{request.path}#item-{item}")
                response["X-Duty-Result"] = "saved" if applied else "duplicate"
                return response
    log = _fresh_log(log.pk)
    done = selectors.items_done(log)
    errands = list(selectors.errands_of(log).select_related("opened_in"))
    photos = {}
    for p in LogPhoto.objects.filter(log=log).order_by("id"):
        photos.setdefault(p.item, []).append(p)
    context = {
        "log": log,
        "shift": shift,
        "editable": editable,
        "amendable": amendable,
        "forms": forms_,
        "open_item": ACTION_ITEM.get(action) or id_param(request.POST.get("item")),
        "problems": problems,
        "sign_problems": services.sign_problems(log) if editable else [],
        "done": done,
        "progress": sum(done.values()),
        "items": [(value, label, done[value]) for value, label in Item.choices],
        "errands": errands,
        "findings": list(PatrolFinding.objects.filter(log=log).select_related("case").order_by("id")),
        "spot_checks": list(SpotCheck.objects.filter(log=log).select_related("household").order_by("id")),
        "visits": list(
            services.log_visits(log).select_related("household", "case").order_by("visited_at", "id")
        ),
        "talks": list(PolicyTalk.objects.filter(log=log).order_by("id")),
        "elderly": list(ElderlyHelp.objects.filter(log=log).order_by("id")),
        **{f"photos_{i}": photos.get(i, []) for i in Item.values},
        "amendments": list(LogAmendment.objects.filter(log=log).select_related("by").order_by("at", "id")),
        "inspections": inspections_of_day(user, log),
        "duty_hours": DUTY_HOURS,
        "spot_min": SPOT_CHECKS_MIN,
        "spot_max": SPOT_CHECKS_MAX,
        "households_due": households_due,
    }
    response = render(request, template, context)
    if action:
        response["X-Duty-Result"] = "invalid"  # the entry was refused: its errors are shown
    return response


def _households_due(village) -> list:
    """The top of the village's visit due lists, special households first (duty.visit_selectors)."""
    from .visit_selectors import village_due

    return village_due(village, selectors.this_month())


@login_required
@require_http_methods(["GET", "POST"])
def today(request):
    """The cadre's today: on duty or not, and today's log of their village (begun here)."""
    villages = list(villages_on_duty_for(request.user).select_related("town").order_by("code"))
    if not villages:
        if can(request.user, VIEW, DutyLog):
            return redirect("duty:board")
        raise PermissionDenied
    day = timezone.localdate()
    shift = selectors.shift_today(request.user, day)
    village = shift.roster.village if shift is not None else villages[0]
    log = selectors.logs_for_user(request.user).filter(village=village, date=day).first()
    if log is not None and log.cadre_id == request.user.pk:
        return _log_page(request, log, shift=shift, households_due=_households_due(village))
    if request.method == "POST" and request.POST.get("action"):
        # an item's entry for a log that is not (or not yet) the cadre's today, e.g. one
        # written yesterday and sent after midnight: refused, never begins today's log
        messages.error(request, _("This entry was not saved: it does not belong to today's duty log."))
        response = render(
            request,
            "duty/today.html",
            {"village": village, "shift": shift, "log": log, "form": StartForm(), "today": day},
        )
        response["X-Duty-Result"] = "invalid"
        return response
    form = StartForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and log is None and form.is_valid():
        try:
            services.log_start(
                village=village, date=day, actor=request.user, reason=form.cleaned_data["off_roster_reason"]
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Today's duty log is begun."))
            return redirect("duty:today")
    return render(
        request,
        "duty/today.html",
        {
            "village": village,
            "shift": shift,
            "log": log,
            "form": form,
            "today": day,
            "next_day": selectors.next_duty_day(request.user, day) if shift is None else None,
            "households_due": _households_due(village),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def log_detail(request, pk: int):
    log = get_object_or_404(selectors.logs_for_user(request.user), pk=pk)
    return _log_page(request, log)


@login_required
@require_http_methods(["GET", "POST"])
def check_in(request, token: str):
    """What the office's QR code opens: a button that checks the cadre in by QR (the
    phone's location sent with it, where the cadre allows it)."""
    code = get_object_or_404(OfficeCode.objects.select_related("village"), token=token)
    if not villages_on_duty_for(request.user).filter(pk=code.village_id).exists():
        raise Http404
    form = CheckInForm(request.POST or None)
    errors: list[str] = []
    if request.method == "POST":
        form.is_valid()  # only the location is read; it is optional
        data = getattr(form, "cleaned_data", {})
        try:
            services.log_check_in_by_code(
                token=token,
                actor=request.user,
                latitude=data.get("latitude"),
                longitude=data.get("longitude"),
            )
        except ValidationError as exc:
            errors = exc.messages
        except PermissionDenied as exc:
            errors = [str(exc)]
        else:
            messages.success(
                request, _("Checked in at the office of %(village)s.") % {"village": code.village.name}
            )
            return redirect("duty:today")
    return render(request, "duty/checkin.html", {"village": code.village, "form": form, "errors": errors})


@login_required
def board(request):
    """The town's today board: each village's duty today side by side."""
    if not can(request.user, VIEW, DutyLog):
        raise PermissionDenied
    rows = selectors.today_board(request.user)
    return render(
        request,
        "duty/board.html",
        {
            "rows": rows,
            "today": timezone.localdate(),
            "begun": sum(1 for r in rows if r.log),
            "signed": sum(1 for r in rows if r.log and r.log.is_signed),
            "office_towns": deadline_town_ids(request.user),
            "may_flags": can(request.user, VIEW, DutyFlag),
        },
    )


FLAGS_PER_PAGE = 50


@login_required
@require_http_methods(["GET", "POST"])
def flags(request):
    """The town office's flags: duty days without a signed log, and logs that look gone
    through the motions (duty.motions), each with its evidence; by kind; dismissed with a
    reason."""
    from . import motions
    from .choices import FlagKind

    if not can(request.user, VIEW, DutyFlag):
        raise PermissionDenied
    show_all = request.GET.get("all") == "1"
    kind = request.GET.get("kind") if request.GET.get("kind") in FlagKind.values else ""
    queryset = restrict(DutyFlag.objects.select_related("village", "log", "dismissed_by"), request.user)
    if not show_all:
        queryset = queryset.filter(dismissed_at__isnull=True)
    if kind:
        queryset = queryset.filter(kind=kind)
    form, failed = DismissForm(request.POST or None), None
    if request.method == "POST":
        flag = get_object_or_404(
            restrict(DutyFlag.objects.all(), request.user, CHANGE), pk=id_param(request.POST.get("flag"))
        )
        failed = flag.pk
        if form.is_valid():
            try:
                services.flag_dismiss(flag=flag, actor=request.user, reason=form.cleaned_data["reason"])
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("The flag is dismissed."))
                return redirect(request.get_full_path())  # the same kind, the same list
    may_dismiss = can(request.user, CHANGE, DutyFlag)
    page = Paginator(queryset.order_by("-date", "village__code", "kind", "id"), FLAGS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    rows = list(page.object_list)
    motions.evidence_for(rows, request.user)
    return render(
        request,
        "duty/flags.html",
        {
            "flags": rows,
            "page": page,
            "page_range": page.paginator.get_elided_page_range(page.number),
            "kinds": FlagKind.choices,
            "kind": kind,
            "show_all": show_all,
            "form": form,
            "failed": failed,
            "may_dismiss": may_dismiss,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def office_code(request, village_id: int):
    """The village office's QR code to print and put up in the office; the town office
    makes it, or makes a new one when the old one has left the office."""
    village = get_object_or_404(restrict(Village.objects.select_related("town"), request.user), pk=village_id)
    code = restrict(OfficeCode.objects.filter(village=village), request.user).first()
    may_issue = village.town_id in deadline_town_ids(request.user)
    if code is None and not may_issue:
        raise Http404
    if request.method == "POST":
        if not may_issue:
            raise PermissionDenied
        services.office_code_issue(village=village, actor=request.user)
        messages.success(request, _("A new QR code is made: print it and put it up in the office."))
        return redirect("duty:office-code", village_id=village.pk)
    svg = ""
    if code is not None:
        import segno

        url = request.build_absolute_uri(reverse("duty:checkin", args=[code.token]))
        svg = segno.make(url, error="m").svg_inline(scale=6, dark="#000")
    return render(
        request,
        "duty/office_code.html",
        {"village": village, "code": code, "svg": svg, "may_issue": may_issue},
    )


@login_required
def photo(request, pk: int):
    """A duty log's photo as stored, for those who read the log."""
    row = get_object_or_404(
        LogPhoto.objects.filter(log__in=selectors.logs_for_user(request.user).values("pk")), pk=pk
    )
    return FileResponse(row.file.open("rb"), content_type="image/jpeg")
