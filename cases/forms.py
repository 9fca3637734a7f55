from django import forms
from django.utils.translation import gettext_lazy as _

from governance.scoping import restrict
from grids.models import Department, Grid, Village

from .choices import Move, Satisfaction, Source
from .models import Case, CaseKind
from .transitions import USER_MOVES

# The moves people make, from the state machine's table.
PAGE_MOVES = [(move, Move(move).label) for move in USER_MOVES]


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


class ReportForm(forms.ModelForm):
    """Report a problem: a photo and a short note is enough (grid workers on a phone)."""

    reporter_contact = forms.CharField(label=_("reporter contact"), required=False, max_length=32)
    photos = PhotosField(label=_("photos"))
    solved_on_spot = forms.BooleanField(label=_("solved on the spot"), required=False)
    solution = forms.CharField(
        label=_("how it was solved"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

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
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = restrict(Village.objects.all(), user)
        self.fields["grid"].queryset = restrict(Grid.objects.all(), user)
        self.fields["kind"].queryset = restrict(CaseKind.objects.filter(is_active=True), user)
        self.fields["source"].initial = Source.GRID_REPORT


class MoveForm(forms.Form):
    move = forms.ChoiceField(label=_("move"), choices=PAGE_MOVES)
    note = forms.CharField(label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    department = forms.ModelChoiceField(
        label=_("department"), queryset=Department.objects.none(), required=False
    )
    photos = PhotosField(label=_("photos"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = restrict(Department.objects.all(), user)


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
