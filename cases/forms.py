from django import forms
from django.utils.translation import gettext_lazy as _

from governance.scoping import restrict
from grids.models import Department, Grid, Village

from .choices import Move, Satisfaction, Source
from .models import Case, CaseKind
from .transitions import GIVE_A_REASON, TRANSITIONS, USER_MOVES, Param

# The moves people make, from the state machine's table: each has its form on a case page.
PAGE_MOVES = [(move, Move(move).label) for move in USER_MOVES]
# The moves whose form takes photos (of the result).
PHOTO_MOVES = frozenset({Move.SOLVE})


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(PhotosField, self).clean(d, initial) for d in data]
        return [super().clean(data, initial)] if data else []


class GridSelect(forms.Select):
    """Grid options carrying their village (``data-village``), so the report form's
    script offers only the chosen village's grids."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-village"] = instance.village_id
        return option


class ReportForm(forms.ModelForm):
    """Report a problem: a photo and a short note is enough (grid workers on a phone).
    The village and grid are chosen for the reporter where their area has only one of
    each; the phone's location (latitude, longitude) comes with the report when given."""

    # The fields a phone shows first; the rest are under "more information".
    FIRST = ("village", "grid", "kind", "photos", "description")

    reporter_contact = forms.CharField(label=_("reporter contact"), required=False, max_length=32)
    photos = PhotosField(
        label=_("photos"),
        widget=MultipleFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )
    solved_on_spot = forms.BooleanField(label=_("solved on the spot"), required=False)
    solution = forms.CharField(
        label=_("how it was solved"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    latitude = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    longitude = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)

    class Meta:
        model = Case
        fields = [
            "village",
            "grid",
            "source",
            "kind",
            "description",
            "address",
            "reporter_name",
            "is_anonymous",
            "latitude",
            "longitude",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3}), "grid": GridSelect}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        villages = restrict(Village.objects.order_by("name", "id"), user)
        grids = restrict(Grid.objects.order_by("village_id", "code", "id"), user)
        self.fields["village"].queryset = villages
        self.fields["grid"].queryset = grids
        self.fields["kind"].queryset = restrict(CaseKind.objects.filter(is_active=True), user)
        self.fields["source"].initial = Source.GRID_REPORT
        # Where there is only one, it is chosen already (two queries of at most two rows).
        for name, queryset in (("village", villages), ("grid", grids)):
            only = list(queryset.values_list("pk", flat=True)[:2])
            if len(only) == 1:
                self.fields[name].initial = only[0]

    def more_fields(self):
        return [f for f in self.visible_fields() if f.name not in self.FIRST]

    def more_has_errors(self) -> bool:
        return any(f.errors for f in self.more_fields())


class DepartmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class MoveForm(forms.Form):
    """One move on one case, with the fields its transition takes: a note (required
    where the table says so: a reason to send back, reject or reopen, how it was solved),
    the department for the dispatch, photos of the result.

    Each move on a page has its own form; their ids carry the move (``id_solve_note``)
    and their names do not, so each posts the same names."""

    move = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, move: str, case: Case, user, **kwargs):
        kwargs.setdefault("auto_id", f"id_{move}_%s")
        super().__init__(*args, **kwargs)
        t = TRANSITIONS[move]
        # (not .move: a template's form.move is the field)
        self.name, self.label = move, Move(move).label
        self.fields["move"].initial = move
        if any(isinstance(spec, Param) and spec.name == "department" for spec in t.sets.values()):
            self.fields["department"] = DepartmentChoiceField(
                label=_("department"),
                queryset=restrict(Department.objects.filter(town_id=case.town_id).order_by("name"), user),
                error_messages={
                    "required": _("Choose the department."),
                    "invalid_choice": _("Choose a department of the case's town."),
                },
            )
        if t.note_required == GIVE_A_REASON:
            note_label = _("reason")
        elif move == Move.SOLVE:
            note_label = _("how it was solved")
        else:
            note_label = _("note")
        self.fields["note"] = forms.CharField(
            label=note_label,
            required=bool(t.note_required),
            max_length=2000,
            error_messages={"required": t.note_required} if t.note_required else None,
            widget=forms.Textarea(attrs={"rows": 2}),
        )
        if move in PHOTO_MOVES:
            self.fields["photos"] = PhotosField(label=_("photos"))

    @property
    def needs_input(self) -> bool:
        """Whether the move opens its form first (else its button makes it at once)."""
        return any(f.required for name, f in self.fields.items() if name != "move") or "photos" in self.fields

    @property
    def style(self) -> str:
        return MOVE_STYLES.get(self.name, "primary")


# Buttons: the moves that undo or turn a case away stand apart from the forward ones.
MOVE_STYLES = {
    Move.ESCALATE: "outline-primary",
    Move.SEND_BACK: "secondary",
    Move.REOPEN: "secondary",
    Move.REJECT: "danger",
}


class RateForm(forms.Form):
    """The reporter's rating, with the rating code from the receipt (kept in a hidden
    field once the tracking page has accepted it)."""

    code = forms.CharField(label=_("rating code"), max_length=32, widget=forms.HiddenInput)
    satisfaction = forms.ChoiceField(
        label=_("Are you satisfied with the result?"), choices=Satisfaction.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(
        label=_("comment"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
