"""The admin's history pages (django-simple-history's), as a committee reads them: each change
with the names of the records it names (not their ids), the words of closed sets in the page's
language ("đã gửi duyệt → đã duyệt", not "submitted → approved"), times in local time, and every
label in the page's language (``admin/tracking/object_history_list.html``)."""
from __future__ import annotations

import datetime

from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext
from simple_history.models import DeletedObject
from simple_history.template_utils import HistoricalRecordContextHelper

EMPTY = "—"


def shown(field: models.Field, value) -> str:
    """``value`` of ``field`` as the admin's pages show it."""
    if isinstance(value, DeletedObject):
        # Note: simple-history gives an empty reference as a deleted record without an id.
        if value.pk is None:
            return EMPTY
        return gettext("%(what)s %(id)s (deleted)") % {"what": value.model._meta.verbose_name, "id": value.pk}
    if value is None or value == "":
        return EMPTY
    if isinstance(value, list):  # the records of a many-to-many field
        return ", ".join(shown(field, item) for item in value) or EMPTY
    if field.flatchoices and not isinstance(value, models.Model):
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, datetime.datetime):
        return formats.localize(timezone.localtime(value) if timezone.is_aware(value) else value)
    if isinstance(value, datetime.date):
        return formats.localize(value)
    return str(value)


class ChangeDisplay(HistoricalRecordContextHelper):
    """A change of one field, before → after, in the words of ``shown``."""

    def prepare_delta_change_value(self, change, value):
        field = self.model._meta.get_field(change.field)
        return shown(field, super().prepare_delta_change_value(change, value))


class HistoryPagesMixin:
    """For a ``SimpleHistoryAdmin``: its history pages read as ``ChangeDisplay`` says, with a
    column for the path of each change (``Audited.through``)."""

    history_list_display = ("through",)
    object_history_list_template = "admin/tracking/object_history_list.html"

    def get_historical_record_context_helper(self, request, historical_record):
        return ChangeDisplay(self.model, historical_record)
