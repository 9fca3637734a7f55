"""The disclosure pages' forms: a draft (its period one of the town's, chosen from a
list; finance items as rows), a correction's reason, the board's photo, the town's
settings. Their choices come from the view, already scoped."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import Cadence, DisclosureKind
from .disclosures import period_label

ITEM_ROWS = 6  # blank rows on a new page; the page's script adds more


class DisclosureForm(forms.Form):
    village = forms.TypedChoiceField(label=_("Village"), coerce=int)
    kind = forms.ChoiceField(label=_("Affairs"), choices=DisclosureKind.choices)
    period = forms.ChoiceField(label=_("Period"))
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Content"),
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What is disclosed, as it goes on the board."),
    )
    signed_off_by = forms.CharField(
        label=_("Signed off by (supervision committee)"), max_length=64, required=False
    )
    signed_off_on = forms.DateField(
        label=_("Signed off on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, villages, periods, fixed: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.item_errors: list[str] = []  # the service's errors on the item rows
        self.fields["village"].choices = [(v.pk, v.name) for v in villages]
        self.fields["period"].choices = [(f"{s:%Y-%m-%d}", period_label(s, e)) for s, e in periods]
        self.periods = {f"{s:%Y-%m-%d}": (s, e) for s, e in periods}
        if fixed:  # a draft's village, affairs and period stay
            for name in ("village", "kind", "period"):
                self.fields[name].disabled = True

    def period_bounds(self):
        return self.periods[self.cleaned_data["period"]]


def items_from_post(data) -> list[dict]:
    """The item rows of the page (``item_name``, ``item_income``, ``item_spending`` lists),
    as the service takes them; blank rows are dropped by the service."""
    names = data.getlist("item_name")
    incomes = data.getlist("item_income")
    spendings = data.getlist("item_spending")
    rows = []
    for i, name in enumerate(names):
        rows.append(
            {
                "item": name,
                "income": incomes[i] if i < len(incomes) else "",
                "spending": spendings[i] if i < len(spendings) else "",
            }
        )
    return rows


class CorrectForm(forms.Form):
    correction_reason = forms.CharField(
        label=_("Why is it corrected?"), max_length=300, widget=forms.Textarea(attrs={"rows": 2})
    )


class BoardForm(forms.Form):
    photo = forms.FileField(
        label=_("Photo of the updated board"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )


class SettingsForm(forms.Form):
    cadence = forms.ChoiceField(label=_("Disclosure period"), choices=Cadence.choices)
    due_days = forms.IntegerField(label=_("Days to disclose after the period"), min_value=0, max_value=60)
    spending_threshold = forms.DecimalField(
        label=_("Major spending above (yuan)"), min_value=0, max_digits=12, decimal_places=2, required=False
    )
