"""The roster pages' forms. People are chosen from lists built once per page (the
village's cadres by real name), never from a queryset per field: the editor has a select
per day and stays at a constant number of queries."""

from __future__ import annotations

import datetime

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from .choices import MAX_TEAM
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
