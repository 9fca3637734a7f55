"""The forms of the officers' pages. The rules are the services' (organisation/officers.py);
these only read the input, with choices scoped to the user."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import ActivityKind, MatterOutcome, OfficerGrade, OfficerKind, Profession
from .officers import schedule_month_error

_DATE = {"type": "date"}
_NUMBER = {"inputmode": "numeric"}


def _count(label):
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=100_000,
        initial=0,
        widget=forms.NumberInput(attrs=_NUMBER),
        error_messages={"invalid": _("Give a whole number.")},
    )


class OfficerForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=OfficerKind.choices)
    name = forms.CharField(label=_("name"), max_length=32)
    profession = forms.ChoiceField(label=_("profession"), choices=Profession.choices)
    employer = forms.CharField(label=_("employer"), max_length=100)
    phone = forms.CharField(label=_("phone"), max_length=32, required=False)
    visiting_hours = forms.CharField(label=_("visiting hours"), max_length=100, required=False)
    group = forms.ModelChoiceField(label=_("group"), queryset=None, required=False)
    user = forms.ModelChoiceField(
        label=_("account"),
        queryset=None,
        required=False,
        help_text=_("With an account the officer reads the villages posted to and records their own work."),
    )

    def __init__(self, *args, groups, users, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = groups
        self.fields["user"].queryset = users


class GroupForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=64)
    leader = forms.CharField(label=_("group leader"), max_length=32)


class PostingForm(forms.Form):
    village = forms.ModelChoiceField(label=_("village"), queryset=None)
    since = forms.DateField(label=_("since"), widget=forms.DateInput(attrs=_DATE, format="%Y-%m-%d"))

    def __init__(self, *args, villages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages
        self.fields["since"].initial = timezone.localdate()


class PostingEndForm(forms.Form):
    until = forms.DateField(label=_("until"), widget=forms.DateInput(attrs=_DATE, format="%Y-%m-%d"))


class ActivityForm(forms.Form):
    village = forms.ModelChoiceField(label=_("village"), queryset=None)
    kind = forms.ChoiceField(label=_("kind"), choices=ActivityKind.choices)
    date = forms.DateField(label=_("date"), widget=forms.DateInput(attrs=_DATE, format="%Y-%m-%d"))
    title = forms.CharField(label=_("title"), max_length=200)
    detail = forms.CharField(
        label=_("what was done"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    people = _count(_("people reached"))

    def __init__(self, *args, villages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages
        only = list(villages[:2])
        if len(only) == 1:
            self.fields["village"].initial = only[0].pk
        self.fields["date"].initial = timezone.localdate()


class ScheduleForm(forms.Form):
    """A month's evenings: this month up to three months ahead, at one of the villages
    the officer is posted to now (preselected when there is only one)."""

    month = forms.CharField(label=_("month"), widget=forms.DateInput(attrs={"type": "month"}))
    village = forms.ModelChoiceField(label=_("village"), queryset=None, required=False)

    def __init__(self, *args, villages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages
        only = list(villages[:2])
        if len(only) == 1:
            self.fields["village"].initial = only[0].pk

    def clean_month(self):
        value = self.cleaned_data["month"]
        try:
            year, month = (int(x) for x in value.split("-"))
            if not 2000 <= year <= 2100 or not 1 <= month <= 12:
                raise ValueError
        except ValueError:
            raise forms.ValidationError(_("Choose a month.")) from None
        problem = schedule_month_error(year, month)
        if problem:
            raise forms.ValidationError(problem)
        return year, month


class HoldForm(forms.Form):
    people_received = _count(_("people received"))
    summary = forms.CharField(label=_("summary"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("why it did not take place"), max_length=4000, required=False)


class MatterForm(forms.Form):
    person = forms.CharField(label=_("who brought it"), max_length=32)
    matter = forms.CharField(label=_("matter"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    outcome = forms.ChoiceField(label=_("outcome"), choices=MatterOutcome.choices, widget=forms.RadioSelect)
    answer = forms.CharField(
        label=_("answer"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    kind = forms.ModelChoiceField(label=_("kind of case"), queryset=None, required=False)

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].queryset = kinds
        self.fields["outcome"].initial = MatterOutcome.ANSWERED


class AssessmentForm(forms.Form):
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)
    grade = forms.ChoiceField(label=_("grade"), choices=OfficerGrade.choices)
    comment = forms.CharField(
        label=_("comment"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year


class FocusForm(forms.Form):
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(
        label=_("quarter"), coerce=int, choices=[(q, f"Q{q}") for q in range(1, 5)]
    )
    focus = forms.CharField(label=_("focus"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["year"].initial = today.year
        self.fields["quarter"].initial = (today.month - 1) // 3 + 1
