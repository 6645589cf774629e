"""The screen of completeness (``admin/completeness/``): for an area and a quarter, the counts of
its communes per unit below it and the communes themselves — which have reported all, some or
none of their villages, submitted, been approved — each linking to its quarter's approval.

It only translates: the area check and every count are ``selectors.completeness``'s; a refusal
(an area not the user's in that quarter, a quarter that is not one) shows on the form.
"""
from __future__ import annotations

from django import forms
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View

from .. import selectors
from ..errors import NotFound
from ..fields import PeriodFormField
from ..models import AdministrativeUnit, ApprovalState, QuarterApproval, Role
from ..selectors.completeness import ALL, NO_VILLAGES, NONE, SOME

REPORTED_LABELS = {
    ALL: _("all villages reported"),
    SOME: _("some villages reported"),
    NONE: _("no village reported"),
    NO_VILLAGES: _("no village on the map"),
}
# The columns of the counts per unit: the selector's count, and its heading.
SUMMARY_COLUMNS = (
    ("communes", _("communes")),
    ("reported_all", REPORTED_LABELS[ALL]),
    ("reported_some", REPORTED_LABELS[SOME]),
    ("reported_none", REPORTED_LABELS[NONE]),
    ("without_villages", REPORTED_LABELS[NO_VILLAGES]),
    ("submitted", ApprovalState.SUBMITTED.label),
    ("approved", ApprovalState.APPROVED.label),
    ("locked", _("reports locked")),
    ("villages", _("villages")),
    ("villages_reported", _("villages reported")),
)


class CompletenessForm(forms.Form):
    """The area and quarter asked for, and the filters of the commune list (a GET form)."""

    area = forms.ModelChoiceField(queryset=AdministrativeUnit.objects.none(), label=_("area"))
    quarter = PeriodFormField(
        quarters_only=True, required=False, label=_("quarter"),
        help_text=_("e.g. 2019Q2; empty: the latest quarter in which a village of the area reported."),
    )
    reported = forms.ChoiceField(
        label=_("villages reported"), required=False, choices=[("", _("any")), *REPORTED_LABELS.items()],
    )
    state = forms.ChoiceField(label=_("state"), required=False, choices=[("", _("any")), *ApprovalState.choices])

    def __init__(self, *args, user, admin_site, **kwargs):
        super().__init__(*args, **kwargs)
        area = self.fields["area"]
        # The admin's unit picker, searching the units the user may see as every unit field does
        # (the widget first: setting the queryset gives it its choices).
        area.widget = AutocompleteSelect(QuarterApproval._meta.get_field("unit"), admin_site)
        area.queryset = selectors.visible(by=user, queryset=AdministrativeUnit.objects.all())


class CompletenessScreen(View):
    admin_site = None  # given by ``screen_urls``
    template_name = "admin/tracking/completeness.html"
    communes_per_page = 100

    def get(self, request):
        user = request.user
        if not selectors.holds_role(by=user, role=Role.VIEWER):
            raise PermissionDenied
        data = request.GET
        if "area" not in data:  # the first visit: the user's widest area, its latest quarter
            area = selectors.completeness_default_area(by=user)
            data = {"area": str(area.pk)} if area else None
        form = CompletenessForm(data, user=user, admin_site=self.admin_site)
        result = None
        if form.is_bound and form.is_valid():
            values = form.cleaned_data
            try:
                result = selectors.completeness(
                    by=user, code=values["area"].code, quarter=values["quarter"],
                    reported=values["reported"] or None, state=values["state"] or None)
            except NotFound as error:
                form.add_error("area", str(error))
            except ValidationError as error:
                form.add_error(None, error)
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Completeness of a quarter"),
            "subtitle": None,
            "form": form,
            "media": form.media,
            "opts": QuarterApproval._meta,
        }
        if result is not None:
            context.update(self._result_context(request, form.cleaned_data["area"], result))
        return TemplateResponse(request, self.template_name, context)

    def _result_context(self, request, area: AdministrativeUnit, result: dict) -> dict:
        quarter = result["quarter"]
        may_submit = self.admin_site.get_model_admin(QuarterApproval).has_add_permission(request)
        page = Paginator(result["communes"], self.communes_per_page).get_page(request.GET.get("page"))
        for row in page:
            row["reported_label"] = REPORTED_LABELS[row["reported"]]
            row["state_label"] = ApprovalState(row["state"]).label
            row["approval_url"] = _approval_url(row, quarter, may_submit)
            row["reports_url"] = reverse("admin:tracking_quarterreport_changelist") + "?" + urlencode(
                {"commune": row["unit_id"], "quarter": quarter})
        summary = result["summary"]
        rows = [{"label": _ref_label(group["unit"]),
                 "url": "?" + urlencode({"area": group["unit_id"], "quarter": quarter}) if group["unit_id"] != area.pk else None,
                 "cells": [group[name] for name, _label in SUMMARY_COLUMNS]}
                for group in summary["by_unit"]]
        rows.append({"label": gettext("total"), "url": None, "total": True,
                     "cells": [summary[name] for name, _label in SUMMARY_COLUMNS]})
        return {"result": result, "area": area.label_on(None, result["area"]["name"]), "page": page, "summary_rows": rows,
                "summary_headings": [label for _name, label in SUMMARY_COLUMNS]}


def _ref_label(ref: dict) -> str:
    """"Thanh Luông (03328), now Thanh Nưa": a unit as ``unit_ref`` names it for the quarter."""
    label = f'{ref["name"]} ({ref["code"]})'
    if ref["name"] == ref["current_name"]:
        return label
    return gettext("%(unit)s, now %(name)s") % {"unit": label, "name": ref["current_name"]}


def _approval_url(row: dict, quarter: str, may_submit: bool) -> str | None:
    """The commune's quarter in the approvals; a draft without a row: the page that submits it
    (for an editor), else nothing to open."""
    if row["approval_id"]:
        return reverse("admin:tracking_quarterapproval_change", args=[row["approval_id"]])
    if may_submit:
        return reverse("admin:tracking_quarterapproval_add") + "?" + urlencode({"unit": row["unit_id"], "quarter": quarter})
    return None
