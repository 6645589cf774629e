"""The quarter entry grid: a commune's whole quarter on one page, one row a village.

- ``admin/entry/`` (``admin:entry_picker``): pick a commune (or a district) of the user's editor
  area and a quarter; the last ones opened are remembered in the session and offered again.
- ``admin/entry/<code>/<quarter>/`` (``admin:entry_grid``): the villages on the unit's map on the
  quarter's last day (``selectors.quarter_entry``), each row pre-filled from the village's report
  of the quarter, else from its latest earlier report, marked "carried … not saved yet"
  (admissions, a flow of their own quarter, are never carried). *Preview* runs
  ``services.quarter_submission_submit`` as a dry run, *Save* runs it for real: the same service
  as the API's ``PUT …/reports/{quarter}/``, all or nothing, each error on its village's field;
  a save posted from a page older than the quarter's latest saved report is refused (``_seen``).
  *Submit for approval* is ``services.approvals.quarter_submit``.

The page decides nothing about rights: it shows read-only what the selector says the user may
not change (a locked quarter, a reader), and any POST goes to the services whatever the page
showed, so a forged one is refused there and shown as a message.
"""
from __future__ import annotations

import datetime

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from .. import locks, selectors, services
from ..errors import DomainError, NotFound
from ..fields import PeriodFormField
from ..models import COUNT_FIELDS, MAX_COUNT, AdministrativeUnit, ApprovalState, QuarterReport, VillageStatus
from ..periods import Period, current_quarter
from ..services import approvals as approval_steps
from .approvals import APPROVAL_DONE
from .base import SOURCE_FIELDS, refusal


def entry_urls(site) -> list:
    """The picker and the grid, behind the admin's sign-in, in the ``admin`` namespace."""
    return [
        path("entry/", site.admin_view(lambda request: entry_picker_view(request, site)), name="entry_picker"),
        path("entry/<str:code>/<str:quarter>/",
             site.admin_view(lambda request, code, quarter: entry_grid_view(request, site, code, quarter)),
             name="entry_grid"),
    ]


SESSION_KEY = "tracking_entry"  # the last unit and quarter whose grid opened
PICKER_LIMIT = 300  # units listed at once in the picker; a search narrows a larger area
GRID_FIELDS = (*COUNT_FIELDS, "cell", "status")  # one input each, per village


def max_rows() -> int | None:
    """The most villages the grid takes.

    Note: the browser posts every input of the table, and Django refuses a POST of more than
    DATA_UPLOAD_MAX_NUMBER_FIELDS fields before any view runs (141 villages with the default
    1,000). A larger unit is shown read-only, with the CSV import (the same checks, no such
    limit) as the way to enter it."""
    limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    return None if limit is None else (limit - 10) // len(GRID_FIELDS)


def _label(name: str):
    return QuarterReport._meta.get_field(name).verbose_name


# ---------------------------------------------------------------------------------------
# The picker


def _unit_label(unit: AdministrativeUnit) -> str:
    # Communes of before and after the 2025 reform may share a name (or a code): their dates tell.
    return f"{unit} {unit.validity_text()}" if unit.valid_from or unit.valid_to else str(unit)


class EntryPickerForm(forms.Form):
    """A unit of the user's editor area and a quarter that has begun, on whose map the unit is."""

    unit = forms.ModelChoiceField(AdministrativeUnit.objects.none(), label=_("commune"),
                                  help_text=_("A commune of your area (or a district, for all its villages)."))
    quarter = PeriodFormField(quarters_only=True, label=_("quarter"))

    def __init__(self, *args, user, search: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = selectors.entry_units(by=user)
        self.fields["quarter"].widget.attrs.update({"list": "entry-quarters", "size": 8, "autocomplete": "off"})
        shown = list(selectors.entry_units(by=user, search=search).prefetch_related("placements__parent")[:PICKER_LIMIT + 1])
        self.truncated = len(shown) > PICKER_LIMIT
        shown = shown[:PICKER_LIMIT]
        chosen = self.data.get("unit") or self.initial.get("unit")
        if chosen and str(chosen).isdigit() and int(chosen) not in {unit.pk for unit in shown}:
            shown += list(self.fields["unit"].queryset.filter(pk=int(chosen)).prefetch_related("placements__parent"))
        self.fields["unit"].choices = [("", "---------"), *_grouped(shown)]

    def clean(self):
        cleaned = super().clean()
        unit, quarter = cleaned.get("unit"), cleaned.get("quarter")
        if quarter and quarter.start > timezone.localdate():
            self.add_error("quarter", gettext("%(quarter)s has not begun: no report for a future quarter.")
                           % {"quarter": quarter})
        elif unit and quarter and unit.path_on(quarter.end) is None:
            self.add_error("unit", gettext("%(unit)s is not on the map on the last day of %(quarter)s.")
                           % {"unit": unit, "quarter": quarter})
        return cleaned


def _grouped(units: list[AdministrativeUnit]) -> list:
    """The units as ``<optgroup>``s by the unit above them on their latest map."""
    groups: dict[str, list] = {}
    order: dict[str, tuple] = {}
    for unit in units:
        placements = sorted(unit.placements.all(), key=lambda p: p.valid_from or datetime.date.min)
        parent = placements[-1].parent if placements else None
        name = str(parent) if parent else "—"
        order[name] = (parent.level, parent.code) if parent else (-1, "")
        groups.setdefault(name, []).append(unit)
    return [
        (name, [(unit.pk, _unit_label(unit)) for unit in sorted(groups[name], key=lambda u: (u.level, u.name, u.code))])
        for name in sorted(groups, key=lambda name: order[name])
    ]


def _recent_quarters(count: int = 8) -> list[Period]:
    last = current_quarter()
    return [Period.from_index(last.index - step) for step in range(count)]


def entry_picker_view(request, site):
    """Pick a unit and a quarter (GET), then open their grid."""
    remembered = request.session.get(SESSION_KEY) or {}
    search = request.GET.get("q", "")
    initial = {"unit": remembered.get("unit"), "quarter": remembered.get("quarter") or current_quarter()}
    if "unit" in request.GET and "quarter" not in request.GET:  # a link from a unit's page
        initial["unit"] = request.GET["unit"]
    if not initial["unit"] and not search:
        only = list(selectors.entry_units(by=request.user)[:2])
        if len(only) == 1:  # the one commune of the user: chosen, at its last quarter on the map
            initial["unit"] = only[0].pk
            if only[0].valid_to and not remembered.get("quarter"):
                initial["quarter"] = min(current_quarter(), Period.quarter_of(only[0].valid_to - datetime.timedelta(days=1)),
                                         key=lambda quarter: quarter.index)
    bound = "quarter" in request.GET
    form = EntryPickerForm(request.GET if bound else None, initial=initial, user=request.user, search=search)
    if bound and form.is_valid():
        unit, quarter = form.cleaned_data["unit"], form.cleaned_data["quarter"]
        return HttpResponseRedirect(reverse("admin:entry_grid", args=[unit.code, str(quarter)]))
    context = {
        **site.each_context(request),
        "title": gettext("Enter a quarter"),
        "subtitle": None,
        "form": form,
        "search": search,
        "recent_quarters": _recent_quarters(),
        "remembered": remembered if remembered.get("code") else None,
        "opts": QuarterReport._meta,
    }
    return TemplateResponse(request, "admin/tracking/entry_picker.html", context)


# ---------------------------------------------------------------------------------------
# The grid


def _count_field(name: str) -> forms.IntegerField:
    return forms.IntegerField(
        label=_label(name), required=False, min_value=0, max_value=MAX_COUNT,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "entry-count", "data-column": name}),
    )


class EntryRowForm(forms.Form):
    """One village's row: its inputs are named ``v-<village id>-<field>`` (ids ``id_v-…``)."""

    full_members = _count_field("full_members")
    probationary_members = _count_field("probationary_members")
    admissions = _count_field("admissions")
    ethnic_minority_members = _count_field("ethnic_minority_members")
    candidates = _count_field("candidates")
    cell = forms.TypedChoiceField(label=_label("cell"), coerce=int, required=False, empty_value=None)
    status = forms.ChoiceField(label=_label("status"), required=False, choices=[("", "—"), *VillageStatus.choices])

    def __init__(self, data=None, *, row: selectors.EntryRow):
        super().__init__(data, prefix=f"v-{row.village.pk}", initial=_initial(row))
        self.row = row
        self.outcome = ""  # what a preview or a save did with the row
        self.fields["cell"].choices = [("", "—"), *row.cells]
        for field in self.fields.values():
            field.widget.attrs["aria-label"] = f"{row.village.name}: {field.label}"

    @property
    def carried_from(self) -> Period | None:
        return self.row.carried.quarter if self.row.report is None and self.row.carried else None

    def shown(self, name: str):
        """The value the row shows for ``name``: as posted, else as pre-filled."""
        return self[name].value()

    def cells(self) -> list[tuple]:
        """Each input of the row with the text a read-only table shows for it."""
        result = []
        for field in self:
            value = field.value()
            choices = getattr(field.field, "choices", None)
            if choices is not None:
                text = dict((str(key), label) for key, label in choices).get(str(value if value is not None else ""), "")
                text = "" if text == "—" else text
            else:
                text = "" if value is None else str(value)
            result.append((field, text))
        return result

    def values(self) -> dict | None:
        """The entry of the submission (``services.quarter_submission_submit``) for this row, or
        None for a row left empty where the village has no report of the quarter."""
        values = {name: self.cleaned_data[name] for name in GRID_FIELDS}
        values["status"] = values["status"] or ""
        if self.row.report is None and all(value in (None, "") for value in values.values()):
            return None
        if self.row.report is not None:  # what the grid does not show stays as saved
            values.update({name: getattr(self.row.report, name) for name in SOURCE_FIELDS})
        return {"village": self.row.village.pk, **values}


def _initial(row: selectors.EntryRow) -> dict:
    source = row.report or row.carried
    if source is None:
        return {}
    values = {name: getattr(source, name) for name in COUNT_FIELDS}
    values.update(status=source.status, cell=source.cell_id)
    if row.report is None:
        values["admissions"] = None  # admitted during *that* quarter: not this one's
        if source.cell_id not in dict(row.cells):
            values["cell"] = None  # the cell does not serve the village in this quarter
    return values


def _place_errors(error: ValidationError, owners: list[EntryRowForm], page_errors: list[str]) -> None:
    """Each error of the service (``reports.<entry>.<field>``) on its row's field."""
    details = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
    for path, reasons in details.items():
        parts = path.split(".")
        if len(parts) >= 2 and parts[0] == "reports" and parts[1].isdigit() and int(parts[1]) < len(owners):
            form = owners[int(parts[1])]
            name = parts[2] if len(parts) > 2 and parts[2] in form.fields else None
            # The service names the village in each message; on its own row that goes without saying.
            prefix = f"{form.row.village}: "
            form.add_error(name, [reason.removeprefix(prefix) for reason in reasons])
        else:
            page_errors.extend(reasons)


def _totals(forms_: list[EntryRowForm]) -> dict:
    # Note: the sum of what the table shows (typed or pre-filled), a check against the paper
    # form; the unit's figures (carry-forward, blank villages) are the selectors', not this.
    totals = {}
    for name in COUNT_FIELDS:
        values = [str(form.shown(name) or "").strip() for form in forms_]
        totals[name] = sum(int(value) for value in values if value.isdigit())
    return totals


def _grid_response(request, site, entry: selectors.QuarterEntry, forms_, *, editable: bool, page_errors=(),
                   preview=None, too_many: bool = False):
    context = {
        **site.each_context(request),
        "title": gettext("Quarter entry: %(what)s") % {"what": locks.unit_quarter(entry.unit, entry.quarter)},
        "subtitle": None,
        "entry": entry,
        "forms": forms_,
        "editable": editable,
        "too_many": too_many,
        "max_rows": max_rows(),
        "page_errors": list(page_errors),
        "error_summary": error_summary(_error_count(forms_)),
        "state_label": ApprovalState(entry.approval["state"]).label,
        "totals": [(name, total) for name, total in _totals(forms_).items()],
        "preview": preview,
        "count_fields": [(name, _label(name)) for name in COUNT_FIELDS],
        "lock_message": locks.locked_message(entry.lock) if entry.lock else "",
        "seen": _seen(entry),
        "opts": QuarterReport._meta,
    }
    return TemplateResponse(request, "admin/tracking/entry_grid.html", context)


def _seen(entry: selectors.QuarterEntry) -> str:
    """What the page was built from: how many reports of the quarter its villages had, and when
    the latest was saved. A save posted from an older page is refused (no lost update)."""
    saved = [row.report.updated_at for row in entry.rows if row.report is not None]
    return f"{len(saved)}/{max(saved).isoformat() if saved else ''}"


def _quarter_or_404(text: str) -> Period:
    try:
        quarter = Period.parse(text)
    except ValidationError:
        quarter = None
    if quarter is None or quarter.kind != "quarter":
        raise Http404(gettext("“%(value)s” is not a quarter: write it as 2019Q2.") % {"value": text})
    return quarter


def entry_grid_view(request, site, code: str, quarter: str):
    """The grid of ``code``'s villages for ``quarter``; POST ``action``: preview, save or submit."""
    quarter = _quarter_or_404(quarter)
    picker = reverse("admin:entry_picker")
    try:
        entry = selectors.quarter_entry(by=request.user, code=code, quarter=quarter)
    except NotFound as error:
        raise Http404(str(error)) from error
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return HttpResponseRedirect(picker)
    if quarter.start > timezone.localdate():
        messages.error(request, gettext("%(quarter)s has not begun: no report for a future quarter.") % {"quarter": quarter})
        return HttpResponseRedirect(picker)
    too_many = max_rows() is not None and len(entry.rows) > max_rows()
    editable = entry.may_edit and not entry.lock and not too_many
    action = request.POST.get("action") if request.method == "POST" else None
    if action in ("submit", "approve"):
        return _step(request, entry, action)
    if action not in ("preview", "save"):
        opened = {"unit": entry.unit.pk, "code": entry.unit.code, "name": str(entry.unit), "quarter": str(quarter)}
        if request.session.get(SESSION_KEY) != opened:
            request.session[SESSION_KEY] = opened
        forms_ = [EntryRowForm(row=row) for row in entry.rows]
        return _grid_response(request, site, entry, forms_, editable=editable, too_many=too_many)

    forms_ = [EntryRowForm(request.POST, row=row) for row in entry.rows]
    valid = all([form.is_valid() for form in forms_])
    owners = [form for form in forms_ if form.is_valid() and form.values() is not None]
    entries = [form.values() for form in owners]
    page_errors: list[str] = []
    outcome = None
    seen = request.POST.get("seen")
    if action == "save" and seen is not None and seen != _seen(entry):
        page_errors.append(gettext(
            "Someone else saved reports of this quarter after you opened the page: nothing was saved. Your values "
            "are still in the table: preview them to see what they change now, then save again."))
    elif not entries and valid:
        page_errors.append(gettext("Nothing to save: every row is empty."))
    elif entries:
        try:
            outcome = services.quarter_submission_submit(
                by=request.user, unit=entry.unit, quarter=quarter, entries=entries,
                # Rows that are not even numbers: the others are checked, nothing is saved.
                dry_run=action == "preview" or not valid)
        except ValidationError as error:
            _place_errors(error, owners, page_errors)
        except DomainError as error:
            page_errors.append(gettext("Nothing was saved: %(reason)s") % {"reason": refusal(error)})
            # A district's grid may hold villages of an approved commune: each says so on its row.
            for where, reason in getattr(error, "entries", []) if entry.lock is None else []:
                _place_errors(ValidationError({where: [reason]}), owners, [])
    if outcome is None or not valid:
        return _grid_response(request, site, entry, forms_, editable=editable, page_errors=page_errors, too_many=too_many)
    counts = {name: outcome[name]["count"] for name in ("created", "updated", "unchanged")}
    empty = len(forms_) - len(entries)
    if action == "save":
        message = gettext("%(what)s saved: %(created)s created, %(updated)s updated, %(unchanged)s unchanged.") % {
            "what": locks.unit_quarter(entry.unit, quarter), **counts}
        messages.success(request, message)
        return HttpResponseRedirect(request.path)
    by_village = {form.row.village.pk: form for form in forms_}
    for name in ("created", "updated", "unchanged"):
        for village_id in outcome[name]["villages"]:
            by_village[village_id].outcome = name
    return _grid_response(request, site, entry, forms_, editable=editable, too_many=too_many,
                          preview={**counts, "empty": empty})


def _step(request, entry: selectors.QuarterEntry, action: str):
    """Submit the quarter for approval, or approve it; back to the grid with what the service said."""
    what = locks.unit_quarter(entry.unit, entry.quarter)
    step = {"submit": approval_steps.quarter_submit, "approve": approval_steps.quarter_approve}[action]
    try:
        step(unit=entry.unit, quarter=entry.quarter, by=request.user)
    except ValidationError as error:
        messages.error(request, f"{what}: {' '.join(error.messages)}")
    except DomainError as error:
        messages.error(request, refusal(error))
    else:
        messages.success(request, APPROVAL_DONE[action] % {"what": what})
    return HttpResponseRedirect(request.path)


def _error_count(forms_) -> int:
    return sum(len(errors) for form in forms_ for errors in form.errors.values())


def error_summary(count: int) -> str:
    if not count:
        return ""
    return ngettext("Nothing was saved: %(n)s error, shown on its row.",
                    "Nothing was saved: %(n)s errors, shown on their rows.", count) % {"n": count}
