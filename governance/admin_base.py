"""The base of every ModelAdmin: the same scoping and services as the API."""

from django.contrib import admin
from django.contrib.admin.utils import NotRelationField, get_fields_from_path
from django.core.exceptions import FieldDoesNotExist, ValidationError

from .scoping import CHANGE, VIEW, can, is_scoped, restrict
from .services import governed_create, governed_delete, governed_update, live_dependants


class ScopedRelatedFieldListFilter(admin.RelatedFieldListFilter):
    """A list filter by a related object that offers only the objects the user may see
    (Django's offers every row of the related table, other towns' included)."""

    def field_choices(self, field, request, model_admin):
        related = field.related_model
        if not is_scoped(related):
            return super().field_choices(field, request, model_admin)
        queryset = restrict(related._default_manager.all(), request.user)
        ordering = self.field_admin_ordering(field, request, model_admin)
        if ordering:
            queryset = queryset.order_by(*ordering)
        return [(obj.pk, str(obj)) for obj in queryset]


class ScopedModelAdmin(admin.ModelAdmin):
    """Rows outside the user's scope do not exist in the admin either (the admin answers
    "not found"); writes go through the audited services; deletes are soft; related
    choices (form fields and list filters) are scoped too."""

    def get_queryset(self, request):
        return restrict(super().get_queryset(request), request.user, VIEW)

    def get_list_filter(self, request):
        filters = []
        for item in super().get_list_filter(request):
            if isinstance(item, str):
                try:
                    field = get_fields_from_path(self.model, item)[-1]
                except (FieldDoesNotExist, NotRelationField):
                    field = None
                if field is not None and field.is_relation:
                    item = (item, ScopedRelatedFieldListFilter)
            filters.append(item)
        return filters

    def _in_change_scope(self, request, obj) -> bool:
        return restrict(type(obj)._default_manager.filter(pk=obj.pk), request.user, CHANGE).exists()

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff and can(request.user, VIEW, self.model)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return request.user.is_staff and can(request.user, CHANGE, self.model)

    def has_change_permission(self, request, obj=None):
        if not (request.user.is_staff and can(request.user, CHANGE, self.model)):
            return False
        return obj is None or self._in_change_scope(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)

        class FullyValidatedForm(form):
            """The admin form leaves out fields it does not show (a household's village,
            derived from its grid); validate the whole instance so a clash shows on the
            form instead of failing on save."""

            def _post_clean(self):
                super()._post_clean()
                if self.errors:
                    return
                try:
                    self.instance.full_clean()
                except ValidationError as exc:
                    for field, messages in exc.message_dict.items():
                        self.add_error(field if field in self.fields else None, messages)

        return FullyValidatedForm

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset") and is_scoped(field.queryset.model):
            field.queryset = restrict(field.queryset, request.user)
        return field

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and hasattr(field, "queryset") and is_scoped(field.queryset.model):
            field.queryset = restrict(field.queryset, request.user)
        return field

    def save_model(self, request, obj, form, change):
        if change:
            # Only what the form changed goes to the service, which applies it to the
            # row under its lock (another person's concurrent change of another field
            # stays). Personal data typed in full is set on the instance by the form.
            data = {
                name: getattr(obj, name)
                for name in form.changed_data
                if name in form.fields and hasattr(obj, name) and not _is_m2m(obj, name)
            }
            saved = governed_update(instance=obj, data=data, actor=request.user)
            obj.__dict__.update({f.attname: getattr(saved, f.attname) for f in obj._meta.concrete_fields})
        else:
            # The form has filled the instance; the service validates, saves and audits it.
            saved = governed_create(model=type(obj), data=self.create_data(obj), actor=request.user)
            obj.pk = saved.pk
            obj._state = saved._state

    def create_data(self, obj) -> dict:
        """What a new object is created with: the fields the form filled in."""
        return {
            f.name: getattr(obj, f.name)
            for f in obj._meta.concrete_fields
            if f.editable and not f.primary_key
        }

    def delete_model(self, request, obj):
        governed_delete(instance=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            governed_delete(instance=obj, actor=request.user)

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        # Soft deletes cascade nothing: live records that still hang off an object block it.
        for obj in objs:
            for names in live_dependants(obj):
                protected.append(f"{obj}: {names}")
        return [str(o) for o in objs], counts, perms_needed, protected


def _is_m2m(obj, name: str) -> bool:
    """Many-to-many fields are saved by the form's save_m2m after save_model."""
    try:
        return obj._meta.get_field(name).many_to_many
    except FieldDoesNotExist:  # a form field that is not a model field (a personal number)
        return False


class ReadOnlyAdmin(ScopedModelAdmin):
    """Records only services write (the audit trail, notifications, ratings): listed and
    shown, scoped, never added, changed or deleted by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
