"""Pages of the village secretaries' files (先锋书记) and 承诺述职评议考核: the files (the
town office appends entries; the file prints on A4, whole), the commitments per village
term with their progress (the village's cadres append steps with a photo, on a phone;
the town office marks them kept or not kept), the yearly reviews (the report, the votes
and the town's grade, published once), and the village's public page of commitments and
published review results."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from governance.api.throttles import public_door
from governance.choices import Role
from governance.scoping import CHANGE
from grids.models import Village

from . import secretaries as service
from .choices import CommitmentState
from .files_forms import (
    AssessForm,
    CommitmentForm,
    EntryForm,
    FileDetailsForm,
    FileForm,
    MarkForm,
    ProgressForm,
    ReportForm,
    ReviewForm,
)
from .models import Progress

ID_MAX = 2**31 - 1


def _add_errors(form, exc: ValidationError) -> None:
    """A service's field errors beside the form's fields (the rest above the form)."""
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _id(value: int) -> int:
    if not 0 < value <= ID_MAX:
        raise Http404
    return value


# ---------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------


@login_required
def file_list(request):
    """The secretaries' files the user reads, with the days since each one's last talk
    with the mentor."""
    rows = list(service.files_for_user(request.user).order_by("village__code", "-cycle_start", "id")[:500])
    today = service.today()
    for f in rows:
        f.gap = service.talk_gap(f.last_talk, on=today)
    return render(
        request,
        "organisation/files/files.html",
        {"rows": rows, "may_create": service.is_office(request.user), "talk_every": service.TALK_EVERY},
    )


def _accounts(villages):
    """The accounts a new file may name: the cadres of the villages, the party members'."""
    from governance.models import Membership

    ids = Membership.objects.filter(
        Q(role=Role.VILLAGE_CADRE, village__in=villages)
        | Q(role=Role.PARTY_MEMBER, party_member__village__in=villages),
        deleted_at__isnull=True,
    ).values("user_id")
    return get_user_model().objects.filter(pk__in=ids, is_active=True).order_by("username")


@login_required
@require_http_methods(["GET", "POST"])
def file_new(request):
    """A new file (the town office)."""
    if not service.is_office(request.user):
        raise PermissionDenied
    villages = service.office_villages(request.user).order_by("code")
    form = FileForm(
        request.POST or None,
        villages=villages,
        secretaries=service.secretaries_of(villages),
        accounts=_accounts(villages),
    )
    if request.method == "POST" and form.is_valid():
        try:
            file = service.file_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The file is opened."))
            return redirect("organisation:file", pk=file.pk)
    return render(request, "organisation/files/file_new.html", {"form": form})


def _file_context(request, pk: int) -> dict:
    file = get_object_or_404(service.files_for_user(request.user), pk=_id(pk))
    return {
        "file": file,
        "gap": service.talk_gap(file.last_talk),
        "talk_every": service.TALK_EVERY,
        "cycle": range(file.cycle_start, file.cycle_end + 1),
        **service.file_entries(file),
    }


@login_required
@require_http_methods(["GET", "POST"])
def file_detail(request, pk: int):
    """A file: its entries by kind and by year, the days since the last talk with the
    mentor (red past a half month), and the town office's form to append an entry."""
    context = _file_context(request, pk)
    file = context["file"]
    writable = service.files_for_user(request.user, CHANGE).filter(pk=file.pk).exists()
    posted = request.POST.get("form") if request.method == "POST" else None
    form = EntryForm(request.POST if posted != "details" else None) if writable else None
    details = (
        FileDetailsForm(
            request.POST if posted == "details" else None,
            accounts=service.accounts_for(file.village, file.secretary),
            initial={"selected": file.selected, "mentor": file.mentor, "user": file.user_id},
        )
        if writable
        else None
    )
    if request.method == "POST" and posted == "details":
        if details is None:
            raise PermissionDenied
        if details.is_valid():
            try:
                service.file_update(file=file, actor=request.user, **details.cleaned_data)
            except ValidationError as exc:
                _add_errors(details, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("organisation:file", pk=file.pk)
    elif request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                service.entry_append(file=file, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("The entry is added to the file."))
                return redirect("organisation:file", pk=file.pk)
    return render(request, "organisation/files/file.html", {**context, "form": form, "details": details})


@login_required
def file_print(request, pk: int):
    """The whole file on A4 paper."""
    return render(request, "organisation/files/file_print.html", _file_context(request, pk))


# ---------------------------------------------------------------------------------------
# Commitments
# ---------------------------------------------------------------------------------------


@login_required
def commitment_terms(request):
    """The village terms whose commitments the user reads, each with how many are kept."""
    return render(
        request,
        "organisation/files/terms.html",
        {
            "terms": service.terms_for_user(request.user),
            "may_create": service.writable_villages(request.user).exists(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def commitment_new(request):
    """Record a commitment of a village's term (the town office, the village's cadres)."""
    villages = service.writable_villages(request.user).order_by("code")
    if not villages.exists():
        raise PermissionDenied
    form = CommitmentForm(request.POST or None, villages=villages)
    if request.method == "POST" and form.is_valid():
        try:
            c = service.commitment_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The commitment is recorded."))
            return redirect("organisation:commitment-term", village_id=c.village_id, term_start=c.term_start)
    return render(request, "organisation/files/commitment_new.html", {"form": form})


@login_required
def commitment_term(request, village_id: int, term_start: int):
    """A village term's commitments, one by one, each with its progress and last evidence."""
    rows = service.with_last_step(
        service.commitments_for_user(request.user)
        .filter(village_id=_id(village_id), term_start=_id(term_start))
        .order_by("number")
    )
    if not rows:
        raise Http404
    return render(
        request,
        "organisation/files/term.html",
        {
            "rows": rows,
            "village": rows[0].village,
            "term": (rows[0].term_start, max(c.term_end for c in rows)),
            "kept": sum(1 for c in rows if c.state == CommitmentState.KEPT),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def commitment_detail(request, pk: int):
    """A commitment: its steps; the form of the next step for the village's cadres and the
    town office; the town office's final mark."""
    c = get_object_or_404(service.commitments_for_user(request.user), pk=_id(pk))
    steps = list(c.steps.select_related("by").order_by("-date", "-id"))
    open_ = c.state == CommitmentState.IN_PROGRESS
    writable = open_ and service.commitments_for_user(request.user, CHANGE).filter(pk=c.pk).exists()
    office = writable and service.is_office_of(request.user, c.town_id)
    posted = request.POST.get("form") if request.method == "POST" else None
    progress = (
        ProgressForm(
            request.POST if posted == "progress" else None,
            request.FILES if posted == "progress" else None,
            last=c.progress,
        )
        if writable
        else None
    )
    mark = MarkForm(request.POST if posted == "mark" else None) if office else None
    if request.method == "POST":
        form = progress if posted == "progress" else mark if posted == "mark" else None
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                if form is progress:
                    service.progress_append(commitment=c, actor=request.user, **data)
                else:
                    service.commitment_mark(commitment=c, actor=request.user, **data)
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("The step is recorded."))
                return redirect("organisation:commitment", pk=c.pk)
    return render(
        request,
        "organisation/files/commitment.html",
        {"c": c, "steps": steps, "progress_form": progress, "mark_form": mark},
    )


@login_required
def evidence_photo(request, pk: int):
    """A step's evidence photo as stored, for those who read the commitment."""
    step = get_object_or_404(
        Progress.objects.filter(commitment__in=service.commitments_for_user(request.user)), pk=_id(pk)
    )
    if not step.evidence:
        raise Http404
    return FileResponse(step.evidence.open("rb"), content_type="image/jpeg")


# ---------------------------------------------------------------------------------------
# Yearly reviews
# ---------------------------------------------------------------------------------------


@login_required
def review_list(request):
    """The yearly reviews the user reads, newest year first."""
    rows = list(service.reviews_for_user(request.user).order_by("-year", "village__code")[:500])
    return render(
        request,
        "organisation/files/reviews.html",
        {"rows": rows, "may_create": service.writable_villages(request.user).exists()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def review_new(request):
    """The year's report of a village (its cadres, or the town office)."""
    villages = service.writable_villages(request.user).order_by("code")
    if not villages.exists():
        raise PermissionDenied
    form = ReviewForm(request.POST or None, villages=villages)
    if request.method == "POST" and form.is_valid():
        try:
            review = service.review_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The report is recorded."))
            return redirect("organisation:review", pk=review.pk)
    return render(request, "organisation/files/review_new.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def review_detail(request, pk: int):
    """A village's year: the report, the votes, the town's grade; the forms of those who
    write them until it is published; the town office's publish button."""
    review = get_object_or_404(service.reviews_for_user(request.user), pk=_id(pk))
    open_ = review.published_at is None
    writable = open_ and service.reviews_for_user(request.user, CHANGE).filter(pk=review.pk).exists()
    office = writable and service.is_office_of(request.user, review.town_id)
    posted = request.POST.get("form") if request.method == "POST" else None
    report = (
        ReportForm(
            request.POST if posted == "report" else None,
            initial={"report": review.report, "reported_on": review.reported_on},
        )
        if writable
        else None
    )
    initial = {name: getattr(review, name) for name in (*service.VOTES, "grade", "score", "comment")}
    assess = AssessForm(request.POST if posted == "assess" else None, initial=initial) if office else None
    if request.method == "POST":
        try:
            if posted == "publish" and office:
                service.review_publish(review=review, actor=request.user)
                messages.success(request, _("The review is published: it is final."))
                return redirect("organisation:review", pk=review.pk)
            form = report if posted == "report" else assess if posted == "assess" else None
            if form is None:
                raise PermissionDenied
            if form.is_valid():
                if form is report:
                    service.review_report(review=review, actor=request.user, **form.cleaned_data)
                else:
                    service.review_assess(review=review, actor=request.user, **form.cleaned_data)
                messages.success(request, _("Saved."))
                return redirect("organisation:review", pk=review.pk)
        except ValidationError as exc:
            target = report if posted == "report" else assess
            if target is not None and target.is_bound:
                _add_errors(target, exc)
            else:
                for errors in exc.message_dict.values():
                    for error in errors:
                        messages.error(request, error)
                return redirect("organisation:review", pk=review.pk)
    return render(
        request,
        "organisation/files/review.html",
        {"review": review, "report_form": report, "assess_form": assess, "office": office},
    )


# ---------------------------------------------------------------------------------------
# The public page: no log-in, commitments and published review results
# ---------------------------------------------------------------------------------------


def _public_village(code: str) -> Village:
    return get_object_or_404(Village.objects.select_related("town"), code=code, deleted_at__isnull=True)


@public_door(methods=("GET",))
def public_commitments(request, code: str):
    """A village's commitments with their progress, and its published review results:
    the grade and the satisfaction, no names."""
    village = _public_village(code)
    rows = service.with_last_step(service.public_commitments(village)[:200])
    terms: dict[tuple[int, int], list] = {}
    for c in rows:
        terms.setdefault((c.term_start, c.term_end), []).append(c)
    return render(
        request,
        "organisation/files/public.html",
        {
            "village": village,
            "town": village.town,
            "terms": [(k, v, sum(1 for c in v if c.state == CommitmentState.KEPT)) for k, v in terms.items()],
            "reviews": list(service.public_reviews(village)[:20]),
        },
    )


@public_door(methods=("GET",))
def public_photo(request, code: str, pk: int):
    """An evidence photo of the village's commitments for the public: a copy without
    metadata."""
    from cases import photos

    village = _public_village(code)
    step = get_object_or_404(
        Progress.objects.filter(commitment__village=village, commitment__deleted_at__isnull=True), pk=_id(pk)
    )
    if not step.evidence:
        raise Http404
    return HttpResponse(photos.public_copy(step.evidence), content_type="image/jpeg")
