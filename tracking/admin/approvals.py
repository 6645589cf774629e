"""Quarter approvals: where each unit's quarter stands, and the transitions of
``tracking.approvals`` as the add page and the list's actions."""
from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .. import locks
from ..errors import DomainError
from ..models import QuarterApproval, with_names
from ..services import approvals as approval_steps
from .base import PageFiguresMixin, ServiceAdmin, _action_page, refusal, unit_then
from .filters import QuarterFilter
from .forms import ServiceForm


class QuarterSubmitForm(ServiceForm):
    """The add page of quarter approvals: submit a unit's quarter (also one returned or reopened)."""

    class Meta(ServiceForm.Meta):
        model = QuarterApproval
        fields = ("unit", "quarter")

    def _get_validation_exclusions(self):
        # Note: a returned or reopened quarter keeps its row; the service submits it again
        # rather than the form refusing a second row for the unit and quarter.
        return {*super()._get_validation_exclusions(), "quarter"}

    def submit(self):
        return approval_steps.quarter_submit(unit=self.cleaned_data["unit"], quarter=self.cleaned_data["quarter"], by=self.user)


class ApprovalReasonForm(forms.Form):
    """The intermediate page of returning or reopening quarters: the reason, required."""

    reason = forms.CharField(
        label=_("reason"), max_length=approval_steps.REASON_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text=_("Kept in the history of each quarter."),
    )


APPROVAL_DONE = {
    "submit": _("%(what)s: submitted."),
    "approve": _("%(what)s: approved; its reports are locked."),
    "return": _("%(what)s: returned to draft."),
    "reopen": _("%(what)s: reopened; its reports can change again."),
}


@admin.register(QuarterApproval)
class QuarterApprovalAdmin(PageFiguresMixin, ServiceAdmin, SimpleHistoryAdmin):
    """Where each unit's quarter stands. Rows change only by the transitions of
    ``tracking.approvals``: the add page submits a quarter, the list's actions submit, approve,
    return and reopen the selected ones (returning and reopening ask for the reason). Who may do
    what follows the user's roles; what a service refuses is shown as a message."""

    add_form = QuarterSubmitForm
    changeable = False
    # Seven columns read at 1366 px: who and when together.
    list_display = ("unit_then", "quarter", "state", "locked", "submitted", "approved", "reason")
    list_select_related = ("unit", "submitted_by", "approved_by")
    list_filter = ("state", QuarterFilter)
    search_fields = ("unit__code", "unit__name")
    autocomplete_fields = ("unit",)
    actions = ("submit_quarters", "approve_quarters", "return_quarters", "reopen_quarters")

    @admin.display(description=_("unit"), ordering="unit__code")
    def unit_then(self, row):
        return unit_then(row.unit, row.quarter.end)

    @admin.display(description=_("submitted"), ordering="submitted_at")
    def submitted(self, row):
        return _who_and_when(row.submitted_by, row.submitted_at)

    @admin.display(description=_("approved"), ordering="approved_at")
    def approved(self, row):
        return _who_and_when(row.approved_by, row.approved_at)

    def add_view(self, request, form_url="", extra_context=None):
        extra_context = {"title": gettext("Submit a unit's quarter"), **(extra_context or {})}
        return super().add_view(request, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        saved = form.submit()
        obj.pk, obj.state, obj._state.adding = saved.pk, saved.state, False

    def response_add(self, request, obj, post_url_continue=None):
        self.message_user(request, APPROVAL_DONE["submit"] % {"what": locks.unit_quarter(obj.unit, obj.quarter)},
                          messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:tracking_quarterapproval_changelist"))

    def annotate_page(self, request, rows):
        with_names(row.unit for row in rows)
        for row, standing in zip(rows, locks.standings_of_rows(rows)):
            row.standing = standing

    @admin.display(description=_("reports locked"), boolean=True)
    def locked(self, row):
        if not hasattr(row, "standing"):
            row.standing = locks.standings_of_rows([row])[0]
        return row.standing.locked

    # Each action runs one transition per selected quarter, each in its own transaction.

    @admin.action(description=_("Submit for approval"), permissions=["view"])
    def submit_quarters(self, request, queryset):
        self._transition(request, queryset, "submit")

    @admin.action(description=_("Approve (locks the reports)"), permissions=["view"])
    def approve_quarters(self, request, queryset):
        self._transition(request, queryset, "approve")

    @admin.action(description=_("Return to draft…"), permissions=["view"])
    def return_quarters(self, request, queryset):
        return self._with_reason(request, queryset, "return", "return_quarters", _("Return to draft"))

    @admin.action(description=_("Reopen…"), permissions=["view"])
    def reopen_quarters(self, request, queryset):
        return self._with_reason(request, queryset, "reopen", "reopen_quarters", _("Reopen approved quarters"))

    def _transition(self, request, queryset, name: str, **values) -> None:
        for row in queryset.select_related("unit"):
            what = locks.unit_quarter(row.unit, row.quarter)
            try:
                approval_steps.TRANSITIONS[name](unit=row.unit, quarter=row.quarter, by=request.user, **values)
            except ValidationError as error:
                self.message_user(request, f"{what}: {' '.join(error.messages)}", messages.ERROR)
            except DomainError as error:
                self.message_user(request, refusal(error), messages.ERROR)
            else:
                self.message_user(request, APPROVAL_DONE[name] % {"what": what}, messages.SUCCESS)

    def _with_reason(self, request, queryset, name: str, action: str, title):
        """The reason's page (like Django's delete confirmation), then the transition for each
        selected quarter; back to the list (by returning None) once applied."""
        if "apply" in request.POST:
            form = ApprovalReasonForm(request.POST)
            if form.is_valid():
                self._transition(request, queryset, name, reason=form.cleaned_data["reason"])
                return None
        else:
            form = ApprovalReasonForm()
        return _action_page(self, request, "approval_reason", form, [(None, {"fields": ["reason"]})], title,
                            queryset.select_related("unit"), action)


def _who_and_when(user, at) -> str:
    if user is None:
        return "–"
    return format_html("{}<br><small>{}</small>", user.get_username(),
                       date_format(timezone.localtime(at), "SHORT_DATETIME_FORMAT") if at else "")

