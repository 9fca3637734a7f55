"""The forms of the secretaries' files, commitments and yearly reviews. The rules are the
services' (organisation/secretaries.py); these only read the input, and their choices are
the user's scope."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import EntryKind, ReviewGrade
from .secretaries import MAX_VOTES


def _date_field(label=None):
    return forms.DateField(
        label=label or _("date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("Give the date."), "invalid": _("Give the date.")},
    )


def _year_field(label, **kwargs):
    return forms.IntegerField(
        label=label,
        min_value=2000,
        max_value=2100,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={"invalid": _("Give a year.")},
        **kwargs,
    )


class _Dated(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "date" in self.fields:
            self.fields["date"].initial = timezone.localdate()


class FileForm(forms.Form):
    village = forms.ModelChoiceField(label=_("village"), queryset=None)
    secretary = forms.ModelChoiceField(label=_("secretary"), queryset=None)
    cycle_start = _year_field(_("cycle from (year)"))
    selected = forms.BooleanField(label=_("selected pioneer secretary (先锋书记)"), required=False)
    mentor = forms.CharField(label=_("mentor (town leader)"), max_length=32, required=False)
    user = forms.ModelChoiceField(
        label=_("account"),
        queryset=None,
        required=False,
        help_text=_("The secretary's own account, to read their file (a village cadre's or party member's)."),
    )

    def __init__(self, *args, villages, secretaries, accounts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages
        self.fields["secretary"].queryset = secretaries
        self.fields["secretary"].label_from_instance = lambda m: f"{m.village.name} · {m.resident.name}"
        self.fields["user"].queryset = accounts
        self.fields["user"].label_from_instance = lambda u: (
            f"{u.get_full_name() or u.username} ({u.username})"
        )
        self.fields["cycle_start"].initial = timezone.localdate().year


class FileDetailsForm(forms.Form):
    selected = forms.BooleanField(label=_("selected pioneer secretary (先锋书记)"), required=False)
    mentor = forms.CharField(label=_("mentor (town leader)"), max_length=32, required=False)
    user = forms.ModelChoiceField(label=_("account"), queryset=None, required=False)

    def __init__(self, *args, accounts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = accounts
        self.fields["user"].label_from_instance = lambda u: (
            f"{u.get_full_name() or u.username} ({u.username})"
        )


class EntryForm(_Dated):
    kind = forms.ChoiceField(label=_("kind"), choices=EntryKind.choices)
    date = _date_field()
    title = forms.CharField(label=_("title"), max_length=200)
    detail = forms.CharField(
        label=_("detail"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    score = forms.DecimalField(
        label=_("score"),
        required=False,
        min_value=0,
        max_value=100,
        max_digits=4,
        decimal_places=1,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.1"}),
        help_text=_("For an exam or an assessment: 0 to 100."),
    )


class CommitmentForm(forms.Form):
    village = forms.ModelChoiceField(label=_("village"), queryset=None)
    term_start = _year_field(_("term from (year)"))
    term_end = _year_field(_("term to (year)"))
    number = forms.IntegerField(
        label=_("number"),
        min_value=1,
        max_value=999,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    title = forms.CharField(label=_("commitment"), max_length=200)
    detail = forms.CharField(
        label=_("detail"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, villages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages
        only = list(villages[:2])
        if len(only) == 1:
            self.fields["village"].initial = only[0].pk


class ProgressForm(_Dated):
    date = _date_field()
    percent = forms.IntegerField(
        label=_("progress (%)"),
        min_value=0,
        max_value=100,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "max": 100}),
        error_messages={"invalid": _("Give the progress from 0 to 100 %.")},
    )
    note = forms.CharField(
        label=_("what was done so far"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    photo = forms.ImageField(
        label=_("evidence photo"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )

    def __init__(self, *args, last: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["percent"].initial = last
        self.fields["percent"].widget.attrs["min"] = last


class MarkForm(_Dated):
    kept = forms.TypedChoiceField(
        label=_("The town's finding"),
        choices=[("1", _("Kept")), ("0", _("Not kept"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether the commitment was kept.")},
    )
    date = _date_field()
    note = forms.CharField(
        label=_("the town's finding"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReviewForm(forms.Form):
    village = forms.ModelChoiceField(label=_("village"), queryset=None)
    year = _year_field(_("year"))
    reported_on = _date_field(_("reported on"))
    report = forms.CharField(
        label=_("report (述职)"), max_length=8000, widget=forms.Textarea(attrs={"rows": 8})
    )

    def __init__(self, *args, villages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages
        only = list(villages[:2])
        if len(only) == 1:
            self.fields["village"].initial = only[0].pk
        today = timezone.localdate()
        self.fields["year"].initial = today.year - 1 if today.month < 7 else today.year
        self.fields["reported_on"].initial = today


class ReportForm(forms.Form):
    reported_on = _date_field(_("reported on"))
    report = forms.CharField(
        label=_("report (述职)"), max_length=8000, widget=forms.Textarea(attrs={"rows": 8})
    )


def _votes(label):
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=MAX_VOTES,
        initial=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={"invalid": _("Give the number of votes (0 or more).")},
    )


class AssessForm(forms.Form):
    members_satisfied = _votes(_("party members: satisfied"))
    members_fair = _votes(_("party members: fairly satisfied"))
    members_unsatisfied = _votes(_("party members: unsatisfied"))
    reps_satisfied = _votes(_("representatives: satisfied"))
    reps_fair = _votes(_("representatives: fairly satisfied"))
    reps_unsatisfied = _votes(_("representatives: unsatisfied"))
    grade = forms.ChoiceField(
        label=_("town's grade"), choices=[("", "—"), *ReviewGrade.choices], required=False
    )
    score = forms.DecimalField(
        label=_("town's score"),
        required=False,
        min_value=0,
        max_value=100,
        max_digits=4,
        decimal_places=1,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.1"}),
    )
    comment = forms.CharField(
        label=_("town's assessment"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
