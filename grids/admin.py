from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from guardian.admin import GuardedModelAdminMixin

from governance import audit, crypto
from governance.admin_base import ScopedModelAdmin
from governance.api.throttles import PersonalLookupThrottle
from governance.scoping import CHANGE, can, can_see_personal, resolve_scope
from governance.sheets import FORMATS

from .choices import HOUSEHOLD_FLAGS
from .filters import personal_match
from .models import Department, Grid, Household, PartyBranch, PartyMember, Resident, Town, Village
from .transfer import TransferError, export_residents, import_residents
from .validators import validate_id_number, validate_phone

AREA_LIST = ["name", "code", "centre_lat", "centre_lng"]


def can_see_personal_anywhere(user) -> bool:
    return bool(resolve_scope(user).personal_town_ids)


@admin.register(Town)
class TownAdmin(GuardedModelAdminMixin, ScopedModelAdmin):
    """Object permissions (the per-town personal-data grant) are django-guardian's page,
    open to superusers only."""

    list_display = [*AREA_LIST, "county"]
    search_fields = ["name", "code"]

    def obj_perms_manage_view(self, request, object_pk):
        if not request.user.is_superuser:
            raise PermissionDenied
        return super().obj_perms_manage_view(request, object_pk)

    def obj_perms_manage_user_view(self, request, object_pk, user_id):
        if not request.user.is_superuser:
            raise PermissionDenied
        return super().obj_perms_manage_user_view(request, object_pk, user_id)

    def obj_perms_manage_group_view(self, request, object_pk, group_id):
        if not request.user.is_superuser:
            raise PermissionDenied
        return super().obj_perms_manage_group_view(request, object_pk, group_id)


@admin.register(Village)
class VillageAdmin(ScopedModelAdmin):
    list_display = [*AREA_LIST, "town", "kind"]
    list_filter = ["kind", "town"]
    search_fields = ["name", "code"]
    list_select_related = ["town"]


@admin.register(Grid)
class GridAdmin(ScopedModelAdmin):
    list_display = [*AREA_LIST, "village", "parent", "level"]
    list_filter = ["level"]
    search_fields = ["name", "code", "village__name"]
    list_select_related = ["village", "parent"]
    raw_id_fields = ["village", "parent", "leader"]


@admin.register(Department)
class DepartmentAdmin(ScopedModelAdmin):
    list_display = ["name", "code", "town", "phone"]
    search_fields = ["name", "code"]
    list_select_related = ["town"]


class PersonalDataForm(forms.ModelForm):
    """Personal data is typed in full; left blank on a change it stays as it was."""

    id_number = forms.CharField(
        label=_("ID number"),
        required=False,
        max_length=18,
        validators=[validate_id_number],
        help_text=_("Leave blank to keep the number on record."),
    )
    phone = forms.CharField(
        label=_("phone"),
        required=False,
        max_length=32,
        validators=[validate_phone],
        help_text=_("Leave blank to keep the number on record."),
    )

    def _post_clean(self):
        for name in self._meta.model.PERSONAL_FIELDS:
            if name in self.fields and self.cleaned_data.get(name):
                setattr(self.instance, name, self.cleaned_data[name])
        super()._post_clean()


class MaskedDisplayMixin:
    """Personal data in the admin as in the API: masked for users without the grant, in
    full for those with it, every unmasked view audited (a list page: one trail row).

    ``personal_list`` maps list columns to the personal field they show; a read-only
    ``<field>_on_record`` shows one on the change form. Callables bound to the request
    are built per request (a ModelAdmin is shared by every thread).
    """

    personal_list: dict[str, str] = {}
    # Shown on a change form only to users with the grant: with the last four digits of
    # a masked ID number and the town's region code they would rebuild the number.
    personal_derived: tuple[str, ...] = ()

    def get_list_display(self, request):
        columns = []
        for item in super().get_list_display(request):
            field = self.personal_list.get(item) if isinstance(item, str) else None
            columns.append(self._column(request, item, field) if field else item)
        return columns

    @staticmethod
    def _per_request(request, name, build):
        # The same callable for every call in one request: Django matches read-only
        # fields by identity between get_fields and get_form.
        made = request.__dict__.setdefault("_masked_display", {})
        if name not in made:
            made[name] = build()
        return made[name]

    def _column(self, request, name, field):
        return self._per_request(request, f"column:{name}", lambda: self._make_column(name, field, request))

    def _make_column(self, name, field, request):
        def column(obj):
            value = getattr(obj, field)
            return value if value and can_see_personal(request.user, obj.town_id) else crypto.mask(value)

        column.__name__ = name
        column.short_description = getattr(self, name).short_description
        return column

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        cl = (getattr(response, "context_data", None) or {}).get("cl")
        if cl is not None and self.personal_list:
            fields = tuple(sorted(set(self.personal_list.values())))
            shown = [
                obj
                for obj in cl.result_list
                if can_see_personal(request.user, obj.town_id) and any(getattr(obj, f) for f in fields)
            ]
            audit.record_personal_views(actor=request.user, instances=shown, fields=fields)
        return response

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        hidden = set()
        if obj is not None and not self.has_change_permission(request, obj):
            # A read-only change form shows every form field's value: the personal
            # numbers would appear in full, unaudited. Their "on record" shows them.
            hidden |= set(self.model.PERSONAL_FIELDS)
        if obj is not None and not can_see_personal(request.user, obj.town_id):
            hidden |= set(self.personal_derived)
        return [f for f in fields if f not in hidden]

    def get_readonly_fields(self, request, obj=None):
        fields = []
        for name in super().get_readonly_fields(request, obj):
            if isinstance(name, str) and name.endswith("_on_record"):
                fields.append(self._on_record(request, name, name.removesuffix("_on_record")))
            else:
                fields.append(name)
        return fields

    def _on_record(self, request, name, field):
        return self._per_request(
            request, f"record:{name}", lambda: self._make_on_record(name, field, request)
        )

    def _make_on_record(self, name, field, request):
        def on_record(obj):
            if obj is None or not obj.pk:
                return ""
            value = getattr(obj, field)
            if value and can_see_personal(request.user, obj.town_id):
                audit.record_personal_views(actor=request.user, instances=[obj], fields=(field,))
                return value
            return crypto.mask(value)

        on_record.__name__ = name
        on_record.short_description = getattr(self, name).short_description
        return on_record


class HouseholdForm(PersonalDataForm):
    id_number = None

    class Meta:
        model = Household
        fields = [
            "grid",
            "number",
            "head_name",
            "address",
            "phone",
            *HOUSEHOLD_FLAGS,
            "latitude",
            "longitude",
        ]


@admin.register(Household)
class HouseholdAdmin(MaskedDisplayMixin, ScopedModelAdmin):
    form = HouseholdForm
    list_display = ["number", "head_name", "village", "grid", "masked_phone"]
    list_filter = list(HOUSEHOLD_FLAGS)
    search_fields = ["number", "head_name", "address"]
    list_select_related = ["village", "grid"]
    raw_id_fields = ["grid"]
    readonly_fields = ["phone_on_record"]
    personal_list = {"masked_phone": "phone"}

    @admin.display(description=_("phone"))
    def masked_phone(self, obj):
        return crypto.mask(obj.phone)

    @admin.display(description=_("phone on record"))
    def phone_on_record(self, obj):
        return crypto.mask(obj.phone)  # per request: MaskedDisplayMixin._on_record


class ResidentForm(PersonalDataForm):
    class Meta:
        model = Resident
        fields = ["household", "name", "gender", "birth_date", "relation", "residency", "id_number", "phone"]


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV or Excel file"))
    dry_run = forms.BooleanField(label=_("Dry run: check only, write nothing"), required=False, initial=True)


@admin.register(Resident)
class ResidentAdmin(MaskedDisplayMixin, ScopedModelAdmin):
    form = ResidentForm
    list_display = ["name", "masked_id_number", "residency", "village", "household"]
    list_filter = ["residency", "gender"]
    search_fields = ["name"]
    list_select_related = ["village", "household"]
    raw_id_fields = ["household"]
    readonly_fields = ["id_number_on_record", "phone_on_record", "birth_year"]
    actions = ["export_csv", "export_xlsx"]
    change_list_template = "admin/grids/resident/change_list.html"
    personal_list = {"masked_id_number": "id_number"}
    personal_derived = ("birth_date",)

    @admin.display(description=_("ID number"))
    def masked_id_number(self, obj):
        return crypto.mask(obj.id_number)

    @admin.display(description=_("ID number on record"))
    def id_number_on_record(self, obj):
        return crypto.mask(obj.id_number)  # per request: MaskedDisplayMixin._on_record

    @admin.display(description=_("phone on record"))
    def phone_on_record(self, obj):
        return crypto.mask(obj.phone)  # per request: MaskedDisplayMixin._on_record

    @admin.display(description=_("year of birth"))
    def birth_year(self, obj):
        return obj.birth_date.year if obj.birth_date else ""

    def get_search_results(self, request, queryset, search_term):
        queryset, distinct = super().get_search_results(request, queryset, search_term)
        term = crypto.normalise(search_term)
        if len(term) == 18 and can_see_personal_anywhere(request.user):
            # An ID number: exact match through its keyed digest, for users with the
            # personal-data grant only, throttled and audited as in the API.
            if not PersonalLookupThrottle().allow_request(request, None):
                self.message_user(
                    request, _("Too many searches by ID number; try again later."), messages.ERROR
                )
                return queryset, distinct
            matched = personal_match(
                self.get_queryset(request), user=request.user, field="id_number", value=term
            )
            queryset = queryset | matched
        return queryset, distinct

    def _export(self, request, queryset, fmt):
        body = export_residents(queryset=queryset, user=request.user, fmt=fmt)
        response = HttpResponse(body, content_type=FORMATS[fmt])
        response["Content-Disposition"] = f'attachment; filename="residents.{fmt}"'
        return response

    @admin.action(description=_("Export selected to CSV"))
    def export_csv(self, request, queryset):
        return self._export(request, queryset, "csv")

    @admin.action(description=_("Export selected to Excel"))
    def export_xlsx(self, request, queryset):
        return self._export(request, queryset, "xlsx")

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="grids_resident_import"),
            *super().get_urls(),
        ]

    def import_view(self, request):
        if not can(request.user, CHANGE, Resident):
            raise PermissionDenied
        result = None
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = import_residents(
                    data=upload.read(),
                    filename=upload.name,
                    actor=request.user,
                    dry_run=form.cleaned_data["dry_run"],
                )
            except TransferError as exc:
                form.add_error("file", str(exc))
            else:
                if result.ok and not result.dry_run:
                    self.message_user(
                        request, _("Imported %(n)d rows.") % {"n": result.rows}, messages.SUCCESS
                    )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import households and residents"),
            "form": form,
            "result": result,
            "changelist_url": reverse("admin:grids_resident_changelist"),
        }
        return TemplateResponse(request, "admin/grids/resident/import.html", context)


@admin.register(PartyBranch)
class PartyBranchAdmin(ScopedModelAdmin):
    list_display = ["name", "kind", "village", "grid"]
    list_filter = ["kind"]
    search_fields = ["name"]
    list_select_related = ["village", "grid"]
    raw_id_fields = ["village", "grid"]


@admin.register(PartyMember)
class PartyMemberAdmin(ScopedModelAdmin):
    list_display = ["resident", "branch", "joined_on", "is_central_household"]
    list_filter = ["is_central_household"]
    search_fields = ["resident__name"]
    list_select_related = ["resident", "branch"]
    raw_id_fields = ["resident", "branch", "covered_households"]
