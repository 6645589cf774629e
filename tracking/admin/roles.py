"""Roles: who holds which role where, also on Django's user page."""
from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext
from simple_history.admin import SimpleHistoryAdmin

from .. import services
from ..models import RoleGrant
from .base import FoldedSearchMixin
from .history import HistoryPagesMixin


@admin.register(RoleGrant)
class RoleGrantAdmin(HistoryPagesMixin, FoldedSearchMixin, SimpleHistoryAdmin):
    """Who holds which role where. Only superusers grant roles; every grant is in the audit trail."""

    list_display = ("user", "role", "unit", "granted_at", "note")
    list_select_related = ("user", "unit")
    list_filter = ("role",)
    search_fields = ("user__username", "unit__name", "unit__code")
    autocomplete_fields = ("user", "unit")
    readonly_fields = ("granted_at",)

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    has_view_permission = has_add_permission = has_change_permission = has_delete_permission = (
        lambda self, request, obj=None: self.has_module_permission(request)
    )

    def save_model(self, request, obj, form, change):
        services.role_grant_save(by=request.user, grant=obj)

    def delete_model(self, request, obj):
        services.role_grant_delete(by=request.user, grant=obj)

    def delete_queryset(self, request, queryset):
        for grant in queryset:
            services.role_grant_delete(by=request.user, grant=grant)


class RoleGrantInline(admin.TabularInline):
    model = RoleGrant
    fields = ("role", "unit", "note")
    autocomplete_fields = ("unit",)
    extra = 1


def permission_label(permission) -> str:
    """A permission in the page's language: Django stores their names in English when it makes
    the tables ("Can add village")."""
    model = permission.content_type.model_class()
    action = permission.codename.split("_", 1)[0]
    words = {"add": gettext("Can add %(what)s"), "change": gettext("Can change %(what)s"),
             "delete": gettext("Can delete %(what)s"), "view": gettext("Can view %(what)s")}.get(action)
    if model is None or words is None:
        return str(permission)
    return f"{model._meta.app_config.verbose_name} | {words % {'what': model._meta.verbose_name}}"


class PermissionLabelsMixin:
    """The lists of permissions of the user and group pages name them in the page's language."""

    def formfield_for_manytomany(self, db_field, request=None, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name in ("permissions", "user_permissions"):
            field.label_from_instance = permission_label
        return field


User = get_user_model()
for registered in (User, Group):
    if admin.site.is_registered(registered):
        admin.site.unregister(registered)


@admin.register(Group)
class GroupInPageLanguageAdmin(PermissionLabelsMixin, GroupAdmin):
    pass


@admin.register(User)
class UserWithRolesAdmin(PermissionLabelsMixin, FoldedSearchMixin, UserAdmin):
    """Django's user page, with the user's roles below it; its search and the user pickers find
    names without accents."""

    inlines = (RoleGrantInline,)

    def save_formset(self, request, form, formset, change):
        if formset.model is not RoleGrant:
            return super().save_formset(request, form, formset, change)
        grants = formset.save(commit=False)
        for grant in formset.deleted_objects:
            services.role_grant_delete(by=request.user, grant=grant)
        for grant in grants:
            services.role_grant_save(by=request.user, grant=grant)
        return None
