"""Pages: a case page with its facts, timeline, level periods and a button for each
move the user has, the printable case sheet (办理单), reporting on a phone (with the
grid found from the phone's location), and the public tracking page."""

import math

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from governance import audit, crypto
from governance.api.throttles import public_door
from governance.scoping import can_see_personal, restrict
from governance.workdays import countdowns
from grids.models import Village
from grids.selectors import grid_at_point, village_at_point

from . import photos, related, services
from .choices import Move
from .forms import MoveForm, RateForm, ReportForm
from .models import Case, CaseAttachment, rating_code, rating_code_matches
from .policies import report_q
from .selectors import (
    STATE_TONES,
    awaits_rating,
    board_cases,
    case_by_tracking_number,
    holder_name,
    public_events,
)
from .transitions import allowed_moves, can_be_rated


def add_errors(form, exc: ValidationError) -> None:
    """A service's field errors, beside the form's fields (the rest above the form)."""
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


# The session key of the receipt shown once on the page of the case just reported.
RECEIPT = "cases:receipt"


def actor_name(event) -> str:
    """The real name of who made a move; the reporter (rating by code) and the system
    (the sweep, intake from other systems) are no users."""
    if event.actor_id:
        return str(event.actor)
    if "rating" in event.data or event.move == Move.RATE:
        return _("Reporter")
    return _("System")


def _visible_case(request, pk: int) -> Case:
    return get_object_or_404(
        restrict(
            Case.objects.select_related(
                "kind", "town", "village", "grid", "claimed_by", "department", "reported_by", "solved_by"
            ),
            request.user,
        ),
        pk=pk,
    )


def _case_context(request, case: Case) -> dict:
    """What the case page and the case sheet show of a case."""
    events = list(case.events.select_related("actor").prefetch_related("attachments").order_by("at", "id"))
    for event in events:
        event.who = actor_name(event)
    periods = list(case.periods.select_related("village", "department").order_by("started_at", "id"))
    for period in periods:
        period.holder = (
            period.department.name
            if period.department_id
            else period.village.name
            if period.village_id
            else case.town.name
        )
    countdown = None
    if case.is_open and case.deadline:
        (countdown,) = countdowns([case.deadline], town_id=case.town_id)
    contact = case.reporter_contact
    if contact and can_see_personal(request.user, case.town_id):
        # Shown in full only to those who may see the town's personal data, and audited,
        # as the API shows it.
        audit.record_personal_views(actor=request.user, instances=[case], fields=("reporter_contact",))
    else:
        contact = crypto.mask(contact)
    return {
        "case": case,
        "state_tone": STATE_TONES.get(case.state, "secondary"),
        "countdown": countdown,
        "holder": holder_name(case),
        "reporter_contact": contact,
        "events": events,
        "periods": periods,
        "attachments": case.attachments.all(),
    }


@login_required
@require_http_methods(["GET", "POST"])
def case_detail(request, pk: int):
    case = _visible_case(request, pk)
    moves = allowed_moves(case, request.user)
    bound = None
    if request.method == "POST":
        move = request.POST.get("move", "")
        if move not in moves:
            return _stale(request, case)
        bound = MoveForm(request.POST, request.FILES, move=move, case=case, user=request.user)
        if bound.is_valid():
            try:
                services.case_move(
                    case=case,
                    move=move,
                    actor=request.user,
                    note=bound.cleaned_data["note"],
                    department=bound.cleaned_data.get("department"),
                    attachments=bound.cleaned_data.get("photos", []),
                )
            except services.MoveNotAllowed:
                return _stale(request, case)
            except ValidationError as exc:
                add_errors(bound, exc)
            else:
                case.refresh_from_db(fields=["state"])
                messages.success(
                    request,
                    _("%(move)s: done. The case is now %(state)s.")
                    % {"move": Move(move).label, "state": case.get_state_display()},
                )
                return redirect("cases:detail", pk=case.pk)
    move_forms = [
        bound
        if bound is not None and bound.name == move
        else MoveForm(move=move, case=case, user=request.user)
        for move in moves
    ]
    context = _case_context(request, case)
    receipt = request.method == "GET" and request.session.get(RECEIPT) == case.pk
    if receipt:
        # The reporter's rating code is shown once, on the receipt, and nowhere else.
        del request.session[RECEIPT]
        context["receipt"] = {
            "code": rating_code(case),
            "track_url": request.build_absolute_uri(
                reverse("track", kwargs={"number": case.tracking_number})
            ),
        }
    return render(
        request,
        "cases/detail.html",
        {**context, "move_forms": move_forms, "related": related.related_for(case, request.user)},
    )


def _stale(request, case: Case):
    """A move the user no longer has (someone else moved the case first, or it was never
    theirs): said plainly, and the page shows what can be done now."""
    case.refresh_from_db(fields=["state", "level", "department", "claimed_by", "solved_by", "deleted_at"])
    messages.warning(
        request,
        _("This move is no longer possible: the case has changed meanwhile and is now %(state)s.")
        % {"state": case.get_state_display()},
    )
    return redirect("cases:detail", pk=case.pk)


@login_required
@require_GET
def case_sheet(request, pk: int):
    """The case sheet (办理单) to print on A4: the facts, the timeline, the level periods
    and lines to sign."""
    case = _visible_case(request, pk)
    return render(request, "cases/sheet.html", _case_context(request, case))


@login_required
@require_http_methods(["GET", "POST"])
def case_new(request):
    if report_q(request.user) is None:
        raise PermissionDenied(_("Your role does not report cases."))
    form = ReportForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k in ReportForm.Meta.fields}
        data["reporter_contact"] = form.cleaned_data["reporter_contact"]
        try:
            case = services.case_report(
                actor=request.user,
                data=data,
                attachments=form.cleaned_data["photos"],
                solved_on_spot=form.cleaned_data["solved_on_spot"],
                solution=form.cleaned_data["solution"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            # The receipt, on the case's page: its tracking number and the reporter's
            # rating code, with which the reporter rates the result, and only with it.
            request.session[RECEIPT] = case.pk
            return redirect("cases:detail", pk=case.pk)
    return render(request, "cases/new.html", {"form": form})


@login_required
@require_GET
def locate(request):
    """The village and grid of the user's area at a point (the phone's location), for
    the report form: ``{"village": {"id", "name"}, "grid": {"id", "name"} or null}``,
    ``{}`` where the user has none there, 400 for what is not a point."""
    try:
        lat, lng = float(request.GET["lat"]), float(request.GET["lng"])
    except (KeyError, ValueError):
        return JsonResponse({"error": _("Give lat and lng as numbers.")}, status=400)
    if not (math.isfinite(lat) and math.isfinite(lng) and -90 <= lat <= 90 and -180 <= lng <= 180):
        return JsonResponse({"error": _("Give lat and lng as numbers.")}, status=400)
    grid = grid_at_point(lat=lat, lng=lng, user=request.user)
    if grid is not None:
        village = Village.objects.only("id", "name").get(pk=grid.village_id)
    else:
        village = village_at_point(lat=lat, lng=lng)
        if village is not None and not restrict(Village.objects.filter(pk=village.pk), request.user).exists():
            village = None
    if village is None:
        return JsonResponse({})
    return JsonResponse(
        {
            "village": {"id": village.pk, "name": village.name},
            "grid": {"id": grid.pk, "name": grid.name} if grid is not None else None,
        }
    )


WRONG_CODE = gettext_lazy("This rating code is not right for this case. Use the code from your receipt.")


@require_http_methods(["GET", "POST"])
@public_door()  # rating attempts, per address
def track(request, number: str = ""):
    """A case's progress, to anyone with its tracking number; the rating form only to
    whoever brings the reporter's rating code (``?code=``, as the receipt's link and the
    request to rate carry it, or typed in here)."""
    number = number or request.GET.get("number", "")
    case = case_by_tracking_number(number) if number else None
    if number and case is None:
        # The site's own 404 page, saying what was not found (also with DEBUG on).
        return render(request, "404.html", {"exception": _("No case with this tracking number.")}, status=404)
    awaiting = case is not None and awaits_rating(case)
    rate_form, code_error, status = None, "", 200
    if request.method == "POST":
        status = 400  # unless it is rated below
        if not awaiting:
            messages.error(request, _("This case cannot be rated now."))
        else:
            rate_form = RateForm(request.POST)
            if not rate_form.is_valid():
                if rate_form.has_error("code"):
                    rate_form, code_error = None, WRONG_CODE
            else:
                try:
                    services.case_rate_with_code(case=case, **rate_form.cleaned_data)
                except services.WrongRatingCode:
                    rate_form, code_error = None, WRONG_CODE
                except ValidationError as exc:
                    add_errors(rate_form, exc)
                else:
                    messages.success(request, _("Thank you for your rating."))
                    return redirect("track", number=case.tracking_number)
    elif awaiting and request.GET.get("code"):
        if rating_code_matches(case, request.GET["code"]):
            rate_form = RateForm(initial={"code": request.GET["code"]})
        else:
            code_error, status = WRONG_CODE, 400
    return render(
        request,
        "cases/track.html",
        {
            "case": case,
            "events": public_events(case) if case else [],
            "awaiting_rating": awaiting,
            # The current solution's rating, once given.
            "rated": case is not None and not awaiting and can_be_rated(case) and bool(case.satisfaction),
            "rate_form": rate_form,
            "code_error": code_error,
            "number": number,
            "held_by": holder_name(case) if case else "",
            "state_tone": STATE_TONES.get(case.state, "secondary") if case else "",
        },
        status=status,
    )


@login_required
def photo(request, pk: int):
    """A case's photo as stored (the place it was taken included), for those who see the
    case."""
    attachment = get_object_or_404(
        CaseAttachment.objects.filter(case__in=restrict(Case.objects.all(), request.user)), pk=pk
    )
    # Stored before photos were re-encoded, a file may be anything: never shown inline.
    is_photo = attachment.file.name.endswith(".jpg")
    try:
        body = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("No such photo.")) from None
    return FileResponse(
        body,
        content_type="image/jpeg" if is_photo else "application/octet-stream",
        as_attachment=not is_photo,
    )


def public_photo(request, pk: int):
    """A photo of a case the public board shows, re-encoded without any metadata."""
    attachment = get_object_or_404(CaseAttachment.objects.filter(case__in=board_cases().values("pk")), pk=pk)
    try:
        body = photos.public_copy(attachment.file)
    except (ValidationError, FileNotFoundError):
        raise Http404(_("No such photo.")) from None
    return HttpResponse(body, content_type="image/jpeg")
