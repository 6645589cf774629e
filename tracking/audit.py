"""The audit trail: every change to units, villages, organisations, cells, reports, reported
figures and goals is a history row (django-simple-history) saying who, when, the values after
the change, and through which path it came (admin, API or a command)."""
from __future__ import annotations

import datetime

from django.db import connection
from django.dispatch import receiver
from django.utils import timezone
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record

from .models import AuditPath


def current_path() -> str:
    """The path of the change being saved: the request's, or a command's when there is none."""
    request = getattr(HistoricalRecords.context, "request", None)
    if request is None:
        return AuditPath.COMMAND
    if request.path.startswith("/admin/"):
        return AuditPath.ADMIN
    if request.path.startswith("/api/"):
        return AuditPath.API
    return AuditPath.WEB


@receiver(pre_create_historical_record)
def record_path(sender, history_instance, **kwargs) -> None:
    history_instance.history_path = current_path()


def history_of_saved(model, pks: list[int], history_type: str, by) -> None:
    """The audit rows of the saved rows ``pks`` of ``model`` (``+`` created, ``~`` changed), as a
    single save records them: the values now stored, who (``by``), when and through which path.

    One statement per 5,000 rows that copies the rows inside the database, instead of a history
    object built in Python for each (simple-history's bulk path): a quarter of the whole country
    is 100,000 reports."""
    history = model.history.model
    quote = connection.ops.quote_name
    columns = [field.column for field in history.tracked_fields]
    user = by.pk if getattr(by, "pk", None) is not None else None
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    insert = ", ".join(map(quote, [*columns, "history_path", "history_date", "history_change_reason", "history_type",
                                   "history_user_id"]))
    select = ", ".join(map(quote, columns))
    for start in range(0, len(pks), 5000):
        chunk = sorted(pks[start:start + 5000])
        marks = ", ".join(["%s"] * len(chunk))
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {quote(history._meta.db_table)} ({insert}) "
                f"SELECT {select}, %s, %s, '', %s, %s FROM {quote(model._meta.db_table)} "
                f"WHERE {quote(model._meta.pk.column)} IN ({marks}) ORDER BY {quote(model._meta.pk.column)}",
                [current_path(), now, history_type, user, *chunk])


def changes(records: list) -> list[dict]:
    """Each history row, newest first, with the fields it changed (before → after)."""
    entries = []
    for position, record in enumerate(records):
        previous = records[position + 1] if position + 1 < len(records) else None
        if previous is not None:
            changed = {change.field: {"before": _plain(change.old), "after": _plain(change.new)}
                       for change in record.diff_against(previous).changes}
        else:  # the first row: every value is new (or, for a deletion recorded alone, old)
            deleted = record.history_type == "-"
            changed = {field.attname: {"before": _plain(getattr(record, field.attname)) if deleted else None,
                                       "after": None if deleted else _plain(getattr(record, field.attname))}
                       for field in type(record).tracked_fields}  # not the derived ones (a folded name)
        entries.append({
            "at": record.history_date,
            "user": record.history_user.get_username() if record.history_user else None,
            "path": record.history_path,
            "action": {"+": "created", "~": "changed", "-": "deleted"}[record.history_type],
            "changes": changed,
        })
    return entries


def _plain(value):
    if isinstance(value, datetime.datetime):  # as the API writes times: ISO 8601, local time
        return timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value if value is None or isinstance(value, (int, float, bool)) else str(value)
