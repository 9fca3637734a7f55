"""The forms of the responsibility map's pages: a link (village, area or household), one
person for every household of a grid, an informant group, an informant, a compound post.
Choices are the office's own villages, grids, party members and accounts; the rules are
the services' (organisation/responsibility.py), these only read the input."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from governance.models import User
from grids.models import Household, PartyMember

from .choices import InformantGroupKind, Level, Post
from .responsibility import grids_kept_by, towns_kept_by, villages_kept_by


class _UserChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        full = f"{obj.last_name}{obj.first_name}"
        return f"{full} ({obj.username})" if full else obj.username


class _MemberChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.resident.name} · {obj.village.name}"


def _accounts(actor):
    """Accounts with a live membership in the office's towns (its cadres, grid workers,
    party members), for naming the person of a link. One subquery on the memberships, so
    the live-ness and the town are those of the same membership."""
    from governance.models import Membership

    towns = towns_kept_by(actor)
    villages = villages_kept_by(actor)
    live = Membership.objects.filter(deleted_at__isnull=True).filter(
        Q(town__in=towns)
        | Q(village__in=villages)
        | Q(grid__village__in=villages)
        | Q(party_member__village__in=villages)
    )
    return User.objects.filter(is_active=True, pk__in=live.values("user_id")).order_by(
        "last_name", "first_name", "username"
    )


def _members(actor):
    return (
        PartyMember.objects.filter(village__in=villages_kept_by(actor), deleted_at__isnull=True)
        .select_related("resident", "village")
        .order_by("village__code", "resident__name")
    )


class _PersonForm(forms.Form):
    user = _UserChoice(label=_("account"), queryset=User.objects.none(), required=False)
    party_member = _MemberChoice(label=_("party member"), queryset=PartyMember.objects.none(), required=False)
    name = forms.CharField(
        label=_("name"),
        max_length=32,
        required=False,
        help_text=_("Taken from the account or party member when left empty."),
    )
    title = forms.CharField(label=_("post"), max_length=64, required=False)
    phone = forms.CharField(
        label=_("phone"), max_length=32, required=False, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )
    education = forms.BooleanField(
        label=_("publicity and education (宣传教育)"), required=False, initial=True
    )
    service = forms.BooleanField(label=_("service and management (服务管理)"), required=False, initial=True)
    joint_defence = forms.BooleanField(
        label=_("joint prevention and control (联防联控)"), required=False, initial=True
    )

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = _accounts(actor)
        self.fields["party_member"].queryset = _members(actor)


class LinkForm(_PersonForm):
    """Who answers for a village, an area or a household; the household by its number in
    the village (or given by id from the household's page)."""

    field_order = ["village", "level", "grid", "household_number"]

    village = forms.ModelChoiceField(label=_("village"), queryset=None)
    level = forms.ChoiceField(label=_("level"), choices=Level.choices, widget=forms.RadioSelect)
    grid = forms.ModelChoiceField(
        label=_("group or area"), queryset=None, required=False, help_text=_("For the level group or area.")
    )
    household_number = forms.CharField(
        label=_("household number (户号)"),
        max_length=32,
        required=False,
        help_text=_("For the level household."),
    )

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, actor=actor, **kwargs)
        villages = villages_kept_by(actor).order_by("code")
        self.fields["village"].queryset = villages
        self.fields["grid"].queryset = grids_kept_by(actor).order_by("code")
        only = list(villages[:2])
        if len(only) == 1:
            self.fields["village"].initial = only[0].pk

    def clean(self):
        data = super().clean()
        data["household"] = None
        village, number = data.get("village"), (data.get("household_number") or "").strip()
        if data.get("level") == Level.HOUSEHOLD and village is not None:
            if not number:
                self.add_error("household_number", _("Give the household number."))
            else:
                household = Household.objects.filter(
                    village=village, number=number, deleted_at__isnull=True
                ).first()
                if household is None:
                    self.add_error(
                        "household_number",
                        _("The village %(village)s has no household numbered %(number)s.")
                        % {"village": village.name, "number": number},
                    )
                data["household"] = household
        return data

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("household_number", None)
        return data


class GridLinkForm(_PersonForm):
    """One person for every household of a grid."""

    field_order = ["grid"]

    grid = forms.ModelChoiceField(label=_("grid"), queryset=None)
    only_gaps = forms.BooleanField(
        label=_("Only the households nobody answers for"),
        required=False,
        help_text=_("Otherwise every household's current link is closed today and replaced."),
    )

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["grid"].queryset = grids_kept_by(actor).order_by("code")


class GroupForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=InformantGroupKind.choices)
    village = forms.ModelChoiceField(
        label=_("village"), queryset=None, required=False, help_text=_("For a village's group.")
    )
    name = forms.CharField(label=_("name"), max_length=64)
    leader = forms.CharField(label=_("group leader"), max_length=32, required=False)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages_kept_by(actor).order_by("code")


class InformantForm(forms.Form):
    group = forms.ModelChoiceField(label=_("group"), queryset=None)
    name = forms.CharField(label=_("name"), max_length=32, required=False)
    phone = forms.CharField(
        label=_("phone"), max_length=32, required=False, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )
    user = _UserChoice(label=_("account"), queryset=User.objects.none(), required=False)
    household_numbers = forms.CharField(
        label=_("households looked after (numbers)"),
        required=False,
        max_length=1000,
        help_text=_("The household numbers, separated by commas or spaces (about ten)."),
    )

    def __init__(self, *args, actor, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = groups
        self.fields["user"].queryset = _accounts(actor)
        self.actor = actor

    def clean(self):
        data = super().clean()
        group = data.get("group")
        numbers = [
            n for n in (data.get("household_numbers") or "").replace("，", ",").replace(",", " ").split() if n
        ]
        data["households"] = []
        if group is not None and numbers:
            households = Household.objects.filter(
                town_id=group.town_id, number__in=numbers, deleted_at__isnull=True
            )
            if group.village_id:
                households = households.filter(village_id=group.village_id)
            found = {h.number: h for h in households}
            missing = [n for n in numbers if n not in found]
            if missing:
                self.add_error(
                    "household_numbers",
                    _("No such household in the group's village or town: %(numbers)s.")
                    % {"numbers": ", ".join(missing[:10])},
                )
            data["households"] = list(found.values())
        return data

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("household_numbers", None)
        return data


class PostForm(forms.Form):
    grid = forms.ModelChoiceField(label=_("compound"), queryset=None)
    post = forms.ChoiceField(label=_("post"), choices=Post.choices)
    building = forms.CharField(label=_("building or unit"), max_length=32, required=False)
    party_member = _MemberChoice(label=_("party member"), queryset=PartyMember.objects.none(), required=False)
    name = forms.CharField(label=_("name"), max_length=32, required=False)
    phone = forms.CharField(
        label=_("contact phone (on the card)"),
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    handles = forms.CharField(label=_("what they handle"), max_length=200)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = grids_kept_by(actor).order_by("code")
        self.fields["party_member"].queryset = _members(actor)
