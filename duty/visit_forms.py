"""The visit pages' forms: a visit (kind, time, what was found, fellow visitors, photos,
a problem reported as a case), a three-musts occasion made known, a visit's problem
reported afterwards. Their choices come from the view, already scoped."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.forms import MultipleFileInput, PhotosField

from .choices import Occasion, VisitKind


class _LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class VisitForm(forms.Form):
    household = forms.IntegerField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=_("Kind of visit"), choices=VisitKind.choices, initial=VisitKind.ROUTINE)
    visited_at = forms.DateTimeField(
        label=_("Visited at"),
        widget=_LocalDateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )
    found = forms.CharField(
        label=_("What was found"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    three_must = forms.TypedChoiceField(
        label=_("Three-musts occasion answered"), coerce=int, required=False, empty_value=None
    )
    visitors = forms.TypedMultipleChoiceField(
        label=_("Fellow visitors"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    photos = PhotosField(
        label=_("Photos"), widget=MultipleFileInput(attrs={"accept": "image/*", "capture": "environment"})
    )
    report = forms.BooleanField(label=_("Report a problem found as a case"), required=False)
    case_kind = forms.ModelChoiceField(label=_("Case kind"), queryset=None, required=False)

    def __init__(self, *args, fellows, occasions, kinds, **kwargs):
        kwargs.setdefault("initial", {}).setdefault(
            "visited_at", timezone.localtime().replace(second=0, microsecond=0)
        )
        super().__init__(*args, **kwargs)
        self.fellows = {p.pk: p for p in fellows}
        self.occasions = {o.pk: o for o in occasions}
        self.fields["visitors"].choices = [(p.pk, str(p)) for p in fellows]
        self.fields["three_must"].choices = [("", _("The oldest open one"))] + [
            (o.pk, f"{o.get_occasion_display()} · {o.known_on:%m-%d}") for o in occasions
        ]
        if not occasions:
            del self.fields["three_must"]
        self.fields["case_kind"].queryset = kinds

    def clean(self):
        data = super().clean()
        if data.get("report") and not data.get("case_kind"):
            self.add_error("case_kind", _("Choose the kind of case to report."))
        if data.get("report") and not (data.get("found") or "").strip():
            self.add_error("found", _("Say what the problem is."))
        return data

    def chosen_visitors(self) -> list:
        return [self.fellows[pk] for pk in self.cleaned_data.get("visitors") or []]

    def chosen_occasion(self):
        pk = self.cleaned_data.get("three_must")
        return self.occasions.get(pk) if pk else None


class ThreeMustForm(forms.Form):
    household = forms.TypedChoiceField(label=_("Household"), coerce=int)
    occasion = forms.ChoiceField(label=_("Occasion"), choices=Occasion.choices)
    known_on = forms.DateField(label=_("Known on"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, households, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("known_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.households = {h.pk: h for h in households}
        self.fields["household"].choices = [("", "—")] + [(h.pk, str(h)) for h in households]

    def chosen(self):
        return self.households.get(self.cleaned_data["household"])


class ReportForm(forms.Form):
    kind = forms.ModelChoiceField(label=_("Case kind"), queryset=None)
    description = forms.CharField(
        label=_("What the problem is"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].queryset = kinds


class PhotoForm(forms.Form):
    # a file: cases.photos decides what is a photo, with its own message
    photo = forms.FileField(label=_("Photo"), widget=forms.ClearableFileInput(attrs={"accept": "image/*"}))
