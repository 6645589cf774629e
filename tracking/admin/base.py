"""What every page of the admin shares: the area rules of roles, saving through a service,
read-only pages and inlines, figures computed a page at a time, and the intermediate page of
the actions that ask for more."""
from __future__ import annotations

from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.utils import lookup_spawns_duplicates, unquote
from django.db import models
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils.translation import gettext

from .. import selectors, services
from ..errors import DomainError
from ..querysets import former_name_q, search_q
from .history import HistoryPagesMixin
from ..models import (
    AdministrativeUnit,
    GrassrootsOrganisation,
    PartyCell,
    Role,
    Village,
    name_on,
)

SOURCE_FIELDS = ("source_url", "source_location", "note")


def _formfield(db_field, **kwargs):
    # Note: a source URL typed without its scheme is read as https, Django 6's default, rather
    # than as http with a deprecation warning.
    if isinstance(db_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return db_field.formfield(**kwargs)


def refusal(error: DomainError) -> str:
    """The reason of a service's refusal that is not a ValidationError: a locked quarter, a
    role the user lacks, a wrong transition, a record that does not exist."""
    return str(error)


def _narrow_choices(form, user) -> None:
    """Every list of records a form offers holds only those of the user's editor area."""
    for field in form.fields.values():
        queryset = getattr(field, "queryset", None)
        if queryset is not None and queryset.model in AREA_MODELS:
            field.queryset = selectors.visible(by=user, queryset=queryset, role=Role.EDITOR)


AREA_MODELS = {AdministrativeUnit, Village, PartyCell, GrassrootsOrganisation}


def _action_page(model_admin, request, template: str, form, fieldsets, title, selected, action: str):
    """The intermediate page of an action that asks for more (``admin/tracking/<template>.html``,
    built on ``action_page.html``): the form and the selected rows, posted back with ``apply``."""
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "subtitle": None,
        "opts": model_admin.opts,
        "form": form,
        "adminform": helpers.AdminForm(form, fieldsets, {}, model_admin=model_admin),
        "errors": helpers.AdminErrorList(form, []),
        "media": model_admin.media + form.media,
        "selected": selected,
        "page_name": template.replace("_", "-"),
        "action": action,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, f"admin/tracking/{template}.html", context)


class FoldedSearchMixin:
    """The admin's search box and autocompletes search as the API does (``querysets.search_q``):
    names without accents or case."""

    def get_search_results(self, request, queryset, search_term):
        fields = self.get_search_fields(request)
        if not search_term or not fields:
            return queryset, False
        paths = [spec.lstrip("^=@") for spec in fields]
        duplicates = any(lookup_spawns_duplicates(self.opts, path) for path in paths)
        condition = search_q(self.model, fields, search_term)
        # A unit's name: its former names too, as the API's search (``querysets.former_name_q``).
        for path in paths:
            if path == "name" and self.model is AdministrativeUnit:
                condition |= former_name_q(AdministrativeUnit, search_term)
            elif path.endswith("unit__name"):
                condition |= former_name_q(AdministrativeUnit, search_term, path[:-len("name")])
        return queryset.filter(condition), duplicates


class AreaAdmin(HistoryPagesMixin, FoldedSearchMixin, admin.ModelAdmin):
    """Roles decide, not Django's per-model permissions: a staff user sees the records of the
    areas of their roles (tracking.access) and changes those of their editor areas; anything
    else is not found (404), as in the API. Superusers see everything."""

    class Media:
        css = {"all": ("tracking/screens.css",)}  # the lists read at 1366 px beside the menu

    def get_queryset(self, request):
        return selectors.visible(by=request.user, queryset=super().get_queryset(request))

    def _staff(self, request, role: str) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff and selectors.holds_role(by=user, role=role))

    def has_module_permission(self, request):
        return self._staff(request, Role.VIEWER)

    def has_view_permission(self, request, obj=None):
        return self._staff(request, Role.VIEWER)

    def has_add_permission(self, request):
        return self._staff(request, Role.EDITOR)

    def has_change_permission(self, request, obj=None):
        # The page opens for a record of the user's editor area at some time; what the form
        # saves is then checked for its day (ServiceForm.full_clean).
        return self._staff(request, Role.EDITOR) and (
            obj is None or selectors.sees(by=request.user, record=obj, role=Role.EDITOR))

    def has_delete_permission(self, request, obj=None):
        # No form checks a deletion afterwards: the rule for the record's day, now.
        return self._staff(request, Role.EDITOR) and (obj is None or services.may_change(by=request.user, record=obj))

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Note: Django redirects to the index for an id it cannot find; here a record outside the
        # user's areas and one that does not exist answer alike, and as the API does: 404.
        raise Http404(gettext("No %(what)s has the id %(id)s.") % {"what": opts.verbose_name, "id": object_id})

    def _in_area_or_404(self, request, object_id) -> None:
        if not self.get_queryset(request).filter(pk=unquote(object_id)).exists():
            raise Http404

    def history_view(self, request, object_id, extra_context=None):
        self._in_area_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._in_area_or_404(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)
        user = request.user

        class AreaForm(form_class):
            def __init__(self, *args, **form_kwargs):
                super().__init__(*args, **form_kwargs)
                self.user = user  # who acts: every service call of the form passes it as ``by``
                _narrow_choices(self, user)

        AreaForm.__name__ = form_class.__name__
        return AreaForm


class ServiceAdmin(AreaAdmin):
    """Saves through the form's service. Deleting is offered only where a service deletes."""

    add_form = None  # the form of the add page, when it differs from ``form``
    changeable = True  # False where no service updates a saved row
    deletable = False  # True where a service deletes
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # as ``_formfield``

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None and self.add_form is not None:
            kwargs["form"] = self.add_form
        return super().get_form(request, obj, change, **kwargs)

    def has_change_permission(self, request, obj=None):
        return self.changeable and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.deletable and super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if form.has_changed():
            saved = form.submit()
            # Note: a create service builds its own instance; the admin goes on with ``obj``.
            obj.pk, obj._state.adding = saved.pk, False

    def save_related(self, request, form, formsets, change):
        # The service has saved the form's many-to-many fields already.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)


class ReadOnlyAdmin(AreaAdmin):
    """Rows only services write: viewable, never edited by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0

    def has_view_permission(self, request, obj=None):
        return selectors.holds_role(by=request.user, role=Role.VIEWER)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PageFiguresMixin:
    """Computes a changelist's figures for the whole page at once, never one query per row."""

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        changelist.result_list = list(changelist.result_list)
        self.annotate_page(request, changelist.result_list)
        return changelist

    def annotate_page(self, request, objects: list) -> None:
        raise NotImplementedError


def _closing_fields(obj) -> tuple[str, ...]:
    # The services close a unit or village but never reopen one.
    return ("valid_to",) if obj.valid_to else ()


def unit_then(unit, day) -> str:
    """A unit as a list of past records shows it: by its name on ``day``, with today's name
    beside it where they differ (its renamings read with the page: ``with_names``)."""
    label = unit.label_on(day)
    now = name_on(unit)
    return label if name_on(unit, day) == now else gettext("%(unit)s, now %(name)s") % {"unit": label, "name": now}
