"""Pages: the inbox (the cases on which the user has a move), the town office's dispatch
and overdue views, a case page with its timeline and next moves, reporting on a phone,
and the public board and tracking pages."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from governance.api.throttles import public_door
from governance.scoping import restrict

from . import photos, services
from .forms import MoveForm, RateForm, ReportForm
from .models import Case, CaseAttachment, rating_code, rating_code_matches
from .policies import report_q
from .selectors import (
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


@login_required
@require_http_methods(["GET", "POST"])
def case_detail(request, pk: int):
    case = get_object_or_404(
        restrict(
            Case.objects.select_related("kind", "town", "village", "grid", "claimed_by", "department"),
            request.user,
        ),
        pk=pk,
    )
    form = MoveForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.case_move(
                case=case,
                move=form.cleaned_data["move"],
                actor=request.user,
                note=form.cleaned_data["note"],
                department=form.cleaned_data["department"],
                attachments=form.cleaned_data["photos"],
            )
        except services.MoveNotAllowed as exc:
            messages.error(
                request,
                _("This move is not allowed now. Allowed: %(moves)s")
                % {"moves": ", ".join(exc.allowed) or "—"},
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Done."))
            return redirect("cases:detail", pk=case.pk)
    moves = allowed_moves(case, request.user)
    form.fields["move"].choices = [c for c in form.fields["move"].choices if c[0] in moves]
    context = {
        "case": case,
        "events": case.events.select_related("actor").prefetch_related("attachments").order_by("at", "id"),
        "periods": case.periods.select_related("village", "department").order_by("started_at", "id"),
        "attachments": case.attachments.all(),
        "moves": moves,
        "form": form,
    }
    return render(request, "cases/detail.html", context)


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
            # The receipt: the reporter rates the result with this code, and only with it.
            messages.success(
                request,
                _("Reported: tracking number %(n)s, the reporter's rating code %(code)s")
                % {"n": case.tracking_number, "code": rating_code(case)},
            )
            return redirect("cases:detail", pk=case.pk)
    return render(request, "cases/new.html", {"form": form})


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
        raise Http404(_("No case with this tracking number."))
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
    return FileResponse(
        attachment.file.open("rb"),
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


def case_sheet(request, pk: int):  # PLACEHOLDER: helper B writes the printable case sheet
    raise Http404


def locate(request):  # PLACEHOLDER: helper B writes the grid lookup from the phone's location
    raise Http404
