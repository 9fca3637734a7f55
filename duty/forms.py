"""The roster pages' forms. People are chosen from lists built once per page (the
village's cadres by real name), never from a queryset per field: the editor has a select
per day and stays at a constant number of queries."""

from __future__ import annotations

import datetime

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from .choices import MAX_TEAM, Item
from .services import Day

WEEKDAYS = [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")]


def person_choices(people) -> list[tuple[str, str]]:
    return [("", "—")] + [(str(p.pk), str(p)) for p in people]


class _People:
    """Maps the submitted ids back to the users offered (an id not offered: a field error)."""

    def __init__(self, people):
        self.people = list(people)
        self.by_id = {str(p.pk): p for p in self.people}

    def user(self, value):
        return self.by_id.get(value) if value else None


class DaysForm(forms.Form):
    """One select of the cadre on duty and one of the second person per day of the month."""

    def __init__(self, *args, days: list, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.people = _People(people)
        choices = person_choices(self.people.people)
        seconds = [("", _("+ second"))] + choices[1:]
        self.days = days
        for cell in days:
            iso = cell.date.isoformat()
            label = f"{date_format(cell.date, 'n月j日')} {WEEKDAYS[cell.date.weekday()]}"
            self.fields[f"cadre_{iso}"] = forms.ChoiceField(
                label=label,
                choices=choices,
                required=False,
                initial=str(cell.cadre.pk) if cell.cadre else "",
                widget=forms.Select(attrs={"class": "form-select-sm"}),
            )
            self.fields[f"second_{iso}"] = forms.ChoiceField(
                label=_("%(day)s, second on duty") % {"day": label},
                choices=seconds,
                required=False,
                widget=forms.Select(attrs={"class": "form-select-sm"}),
                initial=str(cell.second.pk) if cell.second else "",
            )

    def cells(self):
        """The calendar's days, each with its two selects (for the template)."""
        for cell in self.days:
            iso = cell.date.isoformat()
            cell.fields = [self[f"cadre_{iso}"], self[f"second_{iso}"]]
        return self.days

    def entries(self) -> dict[datetime.date, Day]:
        data = self.cleaned_data
        return {
            cell.date: Day(
                self.people.user(data.get(f"cadre_{cell.date.isoformat()}")),
                self.people.user(data.get(f"second_{cell.date.isoformat()}")),
            )
            for cell in self.days
        }


class FillForm(forms.Form):
    """The rotation helper: the cadres in their turn, how many duty days each."""

    days_each = forms.IntegerField(label=_("Duty days each, in turn"), min_value=1, max_value=31, initial=1)
    include_weekends = forms.BooleanField(label=_("Weekends too (holidays stay off)"), required=False)

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.people = _People(people)
        choices = person_choices(self.people.people)
        for i in range(MAX_TEAM):
            initial = str(self.people.people[i].pk) if i < len(self.people.people) else ""
            self.fields[f"turn_{i + 1}"] = forms.ChoiceField(
                label=_("Turn %(n)d") % {"n": i + 1}, choices=choices, required=False, initial=initial
            )
        self.order_fields([f"turn_{i + 1}" for i in range(MAX_TEAM)] + ["days_each", "include_weekends"])

    @property
    def turn_fields(self):
        return [self[f"turn_{i + 1}"] for i in range(MAX_TEAM)]

    def rotation(self) -> list:
        return [
            self.people.user(self.cleaned_data.get(f"turn_{i + 1}"))
            for i in range(MAX_TEAM)
            if self.cleaned_data.get(f"turn_{i + 1}")
        ]


class PhoneForm(forms.Form):
    duty_phone = forms.CharField(label=_("Duty phone"), max_length=32)


class AmendForm(forms.Form):
    """On a published roster: who is on duty on a day instead of whom, and why."""

    date = forms.ChoiceField(label=_("Date"))
    replaced = forms.ChoiceField(label=_("On duty now"))
    replacement = forms.ChoiceField(label=_("Replaced by"))
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        error_messages={"required": _("Say why the roster is changed.")},
    )

    def __init__(self, *args, days: list, people, on_duty, **kwargs):
        super().__init__(*args, **kwargs)
        self.people = _People(people)
        self.on_duty = _People(on_duty)
        self.fields["date"].choices = [("", "—")] + [
            (cell.date.isoformat(), date_format(cell.date, "n月j日")) for cell in days if cell.cadre
        ]
        self.fields["replaced"].choices = person_choices(self.on_duty.people)
        self.fields["replacement"].choices = person_choices(self.people.people)

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            "date": datetime.date.fromisoformat(data["date"]),
            "replaced": self.on_duty.user(data["replaced"]),
            "replacement": self.people.user(data["replacement"]),
            "reason": data["reason"],
        }


class CreateForm(forms.Form):
    duty_phone = forms.CharField(
        label=_("Duty phone"),
        max_length=32,
        help_text=_("The village's duty telephone, shown on the public board."),
    )


class DeadlineForm(forms.Form):
    publish_by_day = forms.IntegerField(
        label=_("Next month's roster is due by day"), min_value=1, max_value=31
    )


# ---------------------------------------------------------------------------------------
# The duty log's forms: one small form per item, each posted with its ``action``
# ---------------------------------------------------------------------------------------


def household_choices(households) -> list[tuple[str, str]]:
    return [("", "—")] + [(str(h.pk), f"{h.number} {h.head_name}") for h in households]


class StartForm(forms.Form):
    off_roster_reason = forms.CharField(
        label=_("Why you file the log though not on the roster today"), max_length=200, required=False
    )


class CheckInForm(forms.Form):
    check_in_reason = forms.CharField(
        label=_("Why by hand (the QR code is missing, the phone cannot scan …)"), max_length=200
    )
    latitude = forms.FloatField(required=False, widget=forms.HiddenInput, min_value=-90, max_value=90)
    longitude = forms.FloatField(required=False, widget=forms.HiddenInput, min_value=-180, max_value=180)


class ErrandForm(forms.Form):
    what = forms.CharField(label=_("What"), max_length=200)
    for_whom = forms.CharField(label=_("For whom"), max_length=64)
    done = forms.BooleanField(label=_("Done today"), required=False)


class PatrolForm(forms.Form):
    patrol_route = forms.CharField(
        label=_("Route"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class FindingForm(forms.Form):
    note = forms.CharField(label=_("Finding"), max_length=500)
    kind = forms.ModelChoiceField(
        label=_("Report it as a case of kind"),
        queryset=None,
        required=False,
        help_text=_("Leave empty to note it only."),
    )

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].queryset = kinds


class ReportFindingForm(forms.Form):
    finding = forms.IntegerField(widget=forms.HiddenInput)
    kind = forms.ModelChoiceField(label=_("Case kind"), queryset=None)

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].queryset = kinds


class _HouseholdForm(forms.Form):
    household = forms.ChoiceField(label=_("Household"))

    def __init__(self, *args, households, **kwargs):
        super().__init__(*args, **kwargs)
        self.households = {str(h.pk): h for h in households}
        self.fields["household"].choices = household_choices(households)

    def chosen(self):
        return self.households[self.cleaned_data["household"]]


class SpotCheckForm(_HouseholdForm):
    passed = forms.TypedChoiceField(
        label=_("Result"),
        choices=[("1", _("Passed")), ("0", _("Failed"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
        initial="1",
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class VisitForm(_HouseholdForm):
    # "note" stays the field's name: the phone's offline queue sends it as it is.
    note = forms.CharField(
        label=_("What was found"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class TalkForm(forms.Form):
    topic = forms.CharField(label=_("Topic"), max_length=200)
    audience = forms.CharField(label=_("Audience"), max_length=200)
    people = forms.IntegerField(label=_("How many people"), min_value=1, max_value=10000)


class BoardForm(forms.Form):
    board_updated = forms.TypedChoiceField(
        label=_("Public board updated today"),
        choices=[("1", _("Yes")), ("0", _("No"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    board_note = forms.CharField(label=_("Note"), max_length=200, required=False)


class ElderlyForm(forms.Form):
    who = forms.CharField(label=_("Who"), max_length=64)
    what = forms.CharField(label=_("What was done"), max_length=200)


class SummaryForm(forms.Form):
    summary = forms.CharField(
        label=_("The day's record"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class PhotoForm(forms.Form):
    item = forms.TypedChoiceField(label=_("Item"), coerce=int, choices=Item.choices)
    photo = forms.ImageField(label=_("Photo"))


class LogAmendForm(forms.Form):
    item = forms.TypedChoiceField(label=_("Item"), coerce=int, choices=Item.choices)
    correction = forms.CharField(
        label=_("Correction"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        error_messages={"required": _("Say why the signed log is corrected.")},
    )


class DismissForm(forms.Form):
    reason = forms.CharField(
        label=_("Why dismissed"),
        max_length=200,
        error_messages={"required": _("Say why the flag is dismissed.")},
    )
