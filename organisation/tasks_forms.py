"""The forms of the weekly task list's pages: a list (its week and note), a task with its
receivers, handing a village's task down to its grids, and a receiver's answer. The rules
are the services' (organisation/tasks.py); these only read the input, with choices scoped
to the town or the village."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .choices import Theme


def _date(label, **kwargs):
    return forms.DateField(
        label=label, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), **kwargs
    )


class TaskListForm(forms.Form):
    town = forms.ModelChoiceField(label=_("town"), queryset=None)
    week = _date(_("week of (Monday)"), help_text=_("The Monday the week starts on."))
    note = forms.CharField(
        label=_("note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, towns, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["town"].queryset = towns
        only = list(towns[:2])
        if len(only) == 1:
            self.fields["town"].initial = only[0].pk
            self.fields["town"].widget = forms.HiddenInput()


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class TaskForm(forms.Form):
    theme = forms.ChoiceField(label=_("theme"), choices=Theme.choices)
    title = forms.CharField(label=_("task"), max_length=200)
    done_means = forms.CharField(
        label=_("what done means"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    due = _date(pgettext_lazy("task", "due"))
    all_villages = forms.BooleanField(label=_("All villages of the town"), required=False)
    villages = forms.ModelMultipleChoiceField(
        label=_("villages"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    departments = forms.ModelMultipleChoiceField(
        label=_("departments"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, villages, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["villages"].queryset = villages
        self.fields["departments"].queryset = departments

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        data["villages"] = [v.pk for v in data["villages"]]
        data["departments"] = [d.pk for d in data["departments"]]
        return data


class HandDownForm(forms.Form):
    grids = forms.ModelMultipleChoiceField(
        label=_("grids"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose one or more grids of the village.")},
    )

    def __init__(self, *args, grids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grids"].queryset = grids
        self.fields["grids"].label_from_instance = lambda g: f"{g.name}" if g.level == 1 else f"— {g.name}"


class AnswerForm(forms.Form):
    done = forms.TypedChoiceField(
        label=_("answer"),
        choices=[("1", pgettext_lazy("task", "Done")), ("0", pgettext_lazy("task", "Not done"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether the task is done.")},
    )
    note = forms.CharField(
        label=_("note"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Done: what was done (or add a photo). Not done: why."),
    )
    photo = forms.FileField(
        label=_("photo"), required=False, widget=forms.FileInput(attrs={"accept": "image/*"})
    )
    seen = forms.CharField(widget=forms.HiddenInput, required=False)
