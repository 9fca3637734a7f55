"""The forms of the major matters' pages: a new matter, and the form of its next step,
whose fields depend on the step (attendance for the meetings, the votes for 3 and 5, which
meeting for 5, the verdict for the town's review, the published text for 6 and 7). The
rules are the services' (affairs/matters.py); these only read the input."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import Assembly, MatterKind, Step
from .matters import MEETINGS, PUBLICATIONS, VOTES


def _number(label, *, required=True, help_text=""):
    return forms.IntegerField(
        label=label,
        required=required,
        min_value=0,
        max_value=10_000_000,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={"invalid": _("Give a whole number.")},
    )


class MatterForm(forms.Form):
    village = forms.ModelChoiceField(label=_("village"), queryset=None)
    kind = forms.ChoiceField(label=_("kind"), choices=MatterKind.choices)
    title = forms.CharField(label=_("title"), max_length=200)
    description = forms.CharField(
        label=_("description"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )
    amount = forms.DecimalField(
        label=_("amount (yuan)"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
        help_text=_("Required for spending: a spending matter is major from the town's threshold."),
    )

    def __init__(self, *args, villages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages
        only = list(villages[:2])
        if len(only) == 1:
            self.fields["village"].initial = only[0].pk


STEP_NOTES = {
    Step.PROPOSE: _("What the party branch proposes"),
    Step.CONSULT: _("What the two committees agreed"),
    Step.DELIBERATE: _("What the party members' meeting said"),
    Step.REVIEW: _("The town's opinion"),
    Step.RESOLVE: _("The resolution"),
    Step.PUBLISH_RESOLUTION: _("The resolution as published"),
    Step.PUBLISH_RESULT: _("The result as published"),
}
MEMBERS_LABELS = {
    Step.PROPOSE: _("members of the branch committee"),
    Step.CONSULT: _("members of the two committees"),
    Step.DELIBERATE: _("party members of the branch"),
    Step.RESOLVE: _("members of the meeting"),
}


class StepForm(forms.Form):
    """The next step of a matter: only the fields that step takes."""

    date = forms.DateField(label=_("date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    assembly = forms.ChoiceField(label=_("resolved by"), choices=Assembly.choices, widget=forms.RadioSelect)
    members = _number(
        _("members of the body"),
        help_text=_("For a villagers' meeting: the adult villagers, or the households."),
    )
    present = _number(_("present"))
    votes_for = _number(_("for"))
    votes_against = _number(_("against"), required=False)
    abstentions = _number(_("abstentions"), required=False)
    approved = forms.TypedChoiceField(
        label=_("The town's verdict"),
        choices=[("1", _("Approved")), ("0", _("Not approved: the matter stops here"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether the town approves the matter.")},
    )
    note = forms.CharField(label=_("record"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, step: Step, **kwargs):
        super().__init__(*args, **kwargs)
        self.step = step
        self.fields["date"].initial = timezone.localdate()
        self.fields["note"].label = STEP_NOTES[step]
        if step not in MEETINGS:
            del self.fields["members"], self.fields["present"]
        else:
            self.fields["members"].label = MEMBERS_LABELS[step]
            if step != Step.RESOLVE:
                self.fields["members"].help_text = ""
        if step not in VOTES:
            del self.fields["votes_for"], self.fields["votes_against"], self.fields["abstentions"]
        elif step == Step.DELIBERATE:  # where the party members' meeting votes
            self.fields["votes_for"].required = False
        if step != Step.RESOLVE:
            del self.fields["assembly"]
        if step != Step.REVIEW:
            del self.fields["approved"]
        if step in PUBLICATIONS:
            self.fields["note"].widget.attrs["rows"] = 6

    def values(self) -> dict:
        return {"step": int(self.step), **self.cleaned_data}
