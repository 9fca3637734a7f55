"""The responsibility map, informants and compound posts in the admin: read-only and
scoped. Links are assigned, reassigned and closed through the services (the map's pages,
the API), which close the current link and keep the history; here they are only read."""

from django.contrib import admin

from governance.admin_base import ReadOnlyAdmin

from .models import Informant, InformantGroup, Responsibility, ServicePost


@admin.register(Responsibility)
class ResponsibilityAdmin(ReadOnlyAdmin):
    list_display = ["name", "level", "village", "grid", "household", "title", "phone", "since", "until"]
    list_filter = ["level", "village"]
    search_fields = ["name", "household__number", "village__name", "grid__name"]
    list_select_related = ["village", "grid", "household"]
    raw_id_fields = ["household", "grid", "user", "party_member"]


@admin.register(InformantGroup)
class InformantGroupAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "village", "leader"]
    list_filter = ["kind"]
    search_fields = ["name", "leader"]
    list_select_related = ["village"]


@admin.register(Informant)
class InformantAdmin(ReadOnlyAdmin):
    list_display = ["name", "group", "phone", "since", "until"]
    search_fields = ["name", "group__name"]
    list_select_related = ["group"]
    raw_id_fields = ["households", "user", "resident"]


@admin.register(ServicePost)
class ServicePostAdmin(ReadOnlyAdmin):
    list_display = ["grid", "post", "building", "name", "phone", "since", "until"]
    list_filter = ["post"]
    search_fields = ["name", "grid__name", "grid__code"]
    list_select_related = ["grid"]
    raw_id_fields = ["grid", "user", "party_member"]
