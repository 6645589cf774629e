"""The committees' spreadsheets: a unit's quarter to download (XLSX or CSV), the same file loaded
back (checked and shown first, then written on confirmation) and the figures of a unit's
children quarter by quarter.

Thin, as the rest of the admin: the files' content is ``selectors.spreadsheets``', what a file
loaded writes is ``services.spreadsheets``' (the one import of reports); their refusals are shown
on the page. The confirmation posts the very bytes that were checked (kept in the page), so what
is written is what was shown.
"""
from __future__ import annotations

import base64
import binascii

from django import forms
from django.contrib import messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .. import selectors
from ..errors import DomainError, Locked
from ..fields import PeriodFormField
from ..models import AdministrativeUnit, QuarterApproval, Role
from ..selectors import spreadsheets as sheets
from ..services import imports
from ..services.spreadsheets import quarter_spreadsheet_load

FORMAT_CHOICES = [(sheets.XLSX, _("Excel workbook (.xlsx)")), (sheets.CSV, _("CSV file (.csv)"))]
OUTCOME_LABELS = {"created": _("new report"), "updated": _("changed"), "unchanged": _("unchanged")}
MAX_LINES_SHOWN = 500  # rows of the preview's table; the counts cover them all


def screen_urls(site) -> list:
    """The pages of spreadsheets, each behind the admin's sign-in."""

    def page(view):
        return site.admin_view(lambda request: view(request, site))

    return [
        path("spreadsheets/", page(spreadsheets_page), name="spreadsheets"),
        path("spreadsheets/template/", page(template_download), name="spreadsheets_template"),
        path("spreadsheets/upload/", page(spreadsheet_upload), name="spreadsheets_upload"),
        path("spreadsheets/children/", page(children_download), name="spreadsheets_children"),
    ]


class _UnitForm(forms.Form):
    """A form naming a unit of the user's area (an autocomplete of the admin's units)."""

    role = Role.VIEWER

    def __init__(self, *args, user, site, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"] = forms.ModelChoiceField(
            label=_("unit"),
            queryset=selectors.visible(by=user, queryset=AdministrativeUnit.objects.all(), role=self.role),
            widget=AutocompleteSelect(QuarterApproval._meta.get_field("unit"), site),
            help_text=_("A commune or a district (search by name or code)."),
        )
        self.order_fields(["unit"])


class TemplateForm(_UnitForm):
    quarter = PeriodFormField(quarters_only=True, label=_("quarter"))
    file_format = forms.ChoiceField(label=_("file"), choices=FORMAT_CHOICES, initial=sheets.XLSX,
                                    widget=forms.RadioSelect)


class UploadForm(_UnitForm):
    role = Role.EDITOR
    quarter = PeriodFormField(quarters_only=True, label=_("quarter"))
    file = forms.FileField(label=_("file"), help_text=_(
        "The quarter's spreadsheet filled in: an Excel workbook (.xlsx) or a CSV file in UTF-8, at most 1 MB. "
        "A row left with only the village's key writes nothing."))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        content = upload.read(imports.MAX_FILE_BYTES + 1)
        return upload.name, content


class ConfirmForm(forms.Form):
    """The checked file, posted again to be written: its name and bytes, as the preview read them."""

    unit = forms.IntegerField(widget=forms.HiddenInput)
    quarter = PeriodFormField(quarters_only=True, widget=forms.HiddenInput)
    file_name = forms.CharField(max_length=200, widget=forms.HiddenInput)
    content = forms.CharField(widget=forms.HiddenInput, strip=False)

    def clean_content(self):
        try:
            return base64.b64decode(self.cleaned_data["content"], validate=True)
        except (binascii.Error, ValueError) as error:
            raise ValidationError(gettext("The file was not sent back whole: load it again.")) from error


class ChildrenForm(_UnitForm):
    first = PeriodFormField(quarters_only=True, label=_("from"), required=False,
                            help_text=_("First quarter, e.g. 2019Q1 (default: three quarters before the last)."))
    last = PeriodFormField(quarters_only=True, label=_("to"), required=False,
                           help_text=_("Last quarter, e.g. 2019Q4 (default: the latest quarter with data)."))
    file_format = forms.ChoiceField(label=_("file"), choices=FORMAT_CHOICES, initial=sheets.XLSX,
                                    widget=forms.RadioSelect)


def _forms(request, site, **given) -> dict:
    initial = {"unit": request.GET.get("unit")} if request.GET.get("unit", "").isdigit() else {}
    return {
        "template_form": given.get("template_form") or TemplateForm(user=request.user, site=site, initial=initial,
                                                                    prefix="template"),
        "upload_form": given.get("upload_form") or UploadForm(user=request.user, site=site, initial=initial,
                                                              prefix="upload"),
        "children_form": given.get("children_form") or ChildrenForm(user=request.user, site=site, initial=initial,
                                                                    prefix="children"),
    }


def _page(request, site, status: int = 200, **given):
    context = {**site.each_context(request), "title": gettext("Spreadsheets"), "subtitle": None,
               **_forms(request, site, **given)}
    context["media"] = sum((form.media for name, form in context.items() if name.endswith("_form")), forms.Media())
    return TemplateResponse(request, "admin/tracking/spreadsheets.html", context, status=status)


def spreadsheets_page(request, site):
    return _page(request, site)


# The fields of the selectors' errors, as the forms name them.
_FORM_FIELDS = {"code": "unit", "from": "first", "to": "last", "quarter": "quarter"}


def _refused_on(form, error: Exception) -> None:
    """A refusal of a selector, on the form: at its field where the form has it, else on the form."""
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        for name, found in error.message_dict.items():
            field = _FORM_FIELDS.get(name)
            form.add_error(field if field in form.fields else None, found)
    elif isinstance(error, ValidationError):
        form.add_error(None, error.messages)
    else:
        form.add_error(None, str(error))


def _file(sheet: sheets.Sheet, file_format: str) -> HttpResponse:
    content, media_type, name = sheets.sheet_file(sheet, file_format)
    response = HttpResponse(content, content_type=media_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def template_download(request, site):
    """The quarter's spreadsheet of the unit chosen (GET), else the page with the form's errors."""
    form = TemplateForm(request.GET or None, user=request.user, site=site, prefix="template")
    if form.is_valid():
        try:
            sheet = sheets.quarter_template(by=request.user, code=form.cleaned_data["unit"].code,
                                            quarter=form.cleaned_data["quarter"])
        except (DomainError, ValidationError) as error:
            _refused_on(form, error)
        else:
            return _file(sheet, form.cleaned_data["file_format"])
    return _page(request, site, status=400 if request.GET else 200, template_form=form)


def children_download(request, site):
    """The children's figures of the unit chosen (GET), else the page with the form's errors."""
    form = ChildrenForm(request.GET or None, user=request.user, site=site, prefix="children")
    if form.is_valid():
        try:
            sheet = sheets.children_figures(by=request.user, code=form.cleaned_data["unit"].code,
                                            first=form.cleaned_data["first"], last=form.cleaned_data["last"])
        except (DomainError, ValidationError) as error:
            _refused_on(form, error)
        else:
            return _file(sheet, form.cleaned_data["file_format"])
    return _page(request, site, status=400 if request.GET else 200, children_form=form)


def spreadsheet_upload(request, site):
    """A file loaded: checked (nothing saved) and shown with what it would write and every error;
    then, confirmed, the same bytes written."""
    if request.method != "POST":
        return HttpResponseRedirect(reverse("admin:spreadsheets"))
    if "confirm" in request.POST:
        form = ConfirmForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(message for errors in form.errors.values() for message in errors))
            return HttpResponseRedirect(reverse("admin:spreadsheets"))
        unit = selectors.visible(by=request.user, queryset=AdministrativeUnit.objects.filter(
            pk=form.cleaned_data["unit"]), role=Role.EDITOR).first()
        name, content = form.cleaned_data["file_name"], form.cleaned_data["content"]
        quarter = form.cleaned_data["quarter"]
        dry_run = False
    else:
        form = UploadForm(request.POST, request.FILES, user=request.user, site=site, prefix="upload")
        if not form.is_valid():
            return _page(request, site, status=400, upload_form=form)
        unit, quarter = form.cleaned_data["unit"], form.cleaned_data["quarter"]
        name, content = form.cleaned_data["file"]
        dry_run = True
    if unit is None:
        messages.error(request, gettext("No unit has the id %(id)s.") % {"id": form.cleaned_data["unit"]})
        return HttpResponseRedirect(reverse("admin:spreadsheets"))
    try:
        outcome = quarter_spreadsheet_load(by=request.user, code=unit.code, quarter=quarter, file_name=name,
                                           content=content, dry_run=dry_run, with_lines=True)
    except (DomainError, ValidationError) as error:
        return _preview(request, site, unit, quarter, name, content, None, _problems(error), status=400)
    if dry_run:
        return _preview(request, site, unit, quarter, name, content, outcome, [])
    messages.success(request, gettext(
        "%(unit)s, %(quarter)s: %(created)s reports created, %(updated)s changed, %(unchanged)s unchanged.")
        % {"unit": outcome["unit"], "quarter": quarter, "created": outcome["created"],
           "updated": outcome["updated"], "unchanged": outcome["unchanged"]})
    return HttpResponseRedirect(reverse("admin:spreadsheets") + f"?unit={unit.pk}")


def _problems(error: Exception) -> list[dict]:
    """Each error of a refused file: its row, its column (as the file names it) and the reason."""
    if isinstance(error, Locked):
        found = list(error.entries) or [("", str(error))]
    elif isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        found = [(where, message) for where, messages_ in error.message_dict.items() for message in messages_]
    elif isinstance(error, ValidationError):
        found = [("", message) for message in error.messages]
    else:
        found = [("", str(error))]
    problems = []
    for where, message in found:
        parts = where.split(".")
        row = column = ""
        if parts[0] == "rows" and len(parts) > 1:
            row = parts[1]
            column = sheets.column_label(parts[2]) if len(parts) > 2 else ""
        elif parts[0] == "columns":
            row = "1"
        problems.append({"row": row, "column": column, "message": message})
    return problems


def _preview(request, site, unit, quarter, name: str, content: bytes, outcome: dict | None, problems: list,
             status: int = 200):
    lines = [{**line, "outcome_label": OUTCOME_LABELS[line["outcome"]]}
             for line in (outcome or {}).get("lines", []) if line["outcome"] != "unchanged"]
    context = {
        **site.each_context(request),
        "title": gettext("Check the spreadsheet"),
        "subtitle": None,
        "unit": unit,
        "quarter": quarter,
        "file_name": name,
        "outcome": outcome,
        "problems": problems,
        "lines": lines[:MAX_LINES_SHOWN],
        "more_lines": max(0, len(lines) - MAX_LINES_SHOWN),
        "confirm_form": ConfirmForm(initial={"unit": unit.pk, "quarter": quarter, "file_name": name,
                                             "content": base64.b64encode(content).decode("ascii")})
        if outcome and not problems else None,
    }
    return TemplateResponse(request, "admin/tracking/spreadsheet_preview.html", context, status=status)
