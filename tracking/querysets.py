"""Chainable read filters. They filter and annotate; they never write."""
from __future__ import annotations

import datetime

from django.core.exceptions import EmptyResultSet
from django.db import models
from django.db.models import Lookup, OuterRef, Q, Subquery
from django.db.models.lookups import Contains

from .choices import Level
from .text import FOLD_FROM, FOLD_TO, fold


@models.Field.register_lookup
class Any(Lookup):
    """``field__any=[…]``: ``field__in`` for the long lists of ids, keys or paths a bulk write reads
    by (thousands a statement). On PostgreSQL the list is one array parameter (``= ANY(%s)``)
    instead of one parameter per value, which Django and psycopg prepare one by one; elsewhere it
    is ``IN (…)``. The values are plain ids or strings."""

    lookup_name = "any"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        values = list(dict.fromkeys(value for value in self.rhs if value is not None))
        if not values:
            raise EmptyResultSet
        if connection.vendor == "postgresql":
            kind = "bigint" if all(isinstance(value, int) for value in values) else "text"
            return f"{lhs} = ANY(%s::{kind}[])", [*params, values]
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*params, *values]


models.ForeignObject.register_lookup(Any)  # a relation's lookups are its own, not Field's


class Folded(models.Func):
    """``text.fold`` of a text column computed by the database, for free text that keeps no
    folded copy (goal titles, notes, descriptions, user names): ``translate(lower(…))`` with the
    fold's table of letters on PostgreSQL (whatever its locale), the fold itself on SQLite
    (``register_fold``). Names keep an indexed folded copy instead (``fields.FoldedField``)."""

    output_field = models.TextField()

    def as_sql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        if connection.vendor == "sqlite":
            return f"tracking_fold({sql})", params
        return f"translate(lower({sql}), %s, %s)", [*params, FOLD_FROM, FOLD_TO]


def register_fold(sender, connection, **kwargs) -> None:
    """Gives each new SQLite connection the fold (``connection_created``; ``apps`` connects it)."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("tracking_fold", 1, fold, deterministic=True)


def _search_path(model, spec: str) -> tuple[str, str, str]:
    """A search field as the admin writes it (``name``, ``unit__name``, ``^code``, ``=key``): the
    path to compare, its lookup, and how the word is compared: ``copy`` (with the field's folded
    copy), ``fold`` (folded by the database) or ``raw``."""
    lookup = {"^": "startswith", "=": "iexact"}.get(spec[:1], "icontains")
    path = spec.lstrip("^=")
    field, owner = None, model
    for part in path.split("__"):
        owner = field.related_model if field is not None else model
        field = owner._meta.get_field(part)
    if any(other.name == f"{field.name}_folded" for other in owner._meta.concrete_fields):  # fields.FoldedField
        return f"{path}_folded", "startswith" if lookup == "startswith" else "contains", "copy"
    if lookup == "icontains" and isinstance(field, (models.CharField, models.TextField)):
        return path, "contains", "fold"
    return path, lookup, "raw"


def search_q(model, fields, text: str) -> Q:
    """Rows of ``model`` in which each word of ``text`` is found in one of ``fields``: text is
    compared without accents or case ("huoi chon" finds "Huổi Chổn", "d" finds "đ"), on every
    database alike; codes and keys as typed. The one search of the API and the admin."""
    condition = Q()
    paths = [_search_path(model, spec) for spec in fields]
    for word in text.split():
        either = Q()
        for path, lookup, how in paths:
            value = word if how == "raw" else fold(word)
            if not value:
                continue
            either |= Q(Contains(Folded(path), value)) if how == "fold" else Q(**{f"{path}__{lookup}": value})
        condition &= either
    return condition


def former_name_q(unit_model, text: str, prefix: str = "") -> Q:
    """Rows whose unit (at ``prefix``: ``""`` for the units themselves, ``"unit__"`` for the
    records of a unit) bore, before a renaming, a name holding each word of ``text`` (the
    renaming's ``former_name``, compared as ``search_q`` compares)."""
    events = unit_model._meta.get_field("reorganisations_as_subject").related_model
    renamed = events.objects.filter(search_q(events, ["former_name"], text), kind="rename").values("subject_id")
    return Q(**{f"{prefix}in" if prefix else "pk__in": renamed})


def active_on_q(day: datetime.date, prefix: str = "") -> Q:
    """Rows whose validity range [valid_from, valid_to) contains ``day``; null ends are open."""
    return (Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": day})) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gt": day})
    )


def overlapping_q(start: datetime.date | None, end: datetime.date | None, prefix: str = "") -> Q:
    """Rows whose validity range meets [start, end); ``None`` ends are open."""
    condition = Q()
    if end is not None:
        condition &= Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lt": end})
    if start is not None:
        condition &= Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gt": start})
    return condition


class DatedQuerySet(models.QuerySet):
    def active_on(self, day: datetime.date):
        """Rows valid on ``day``."""
        return self.filter(active_on_q(day))

    def overlapping(self, start: datetime.date | None, end: datetime.date | None):
        """Rows valid at some time in [start, end)."""
        return self.filter(overlapping_q(start, end))


class UnitQuerySet(DatedQuerySet):
    def with_code(self, code: str):
        """Units with this official code, whatever their validity, latest first."""
        return self.filter(code=code).order_by(models.F("valid_from").desc(nulls_last=True))

    def within(self, unit, day: datetime.date):
        """Units below ``unit`` (not the unit itself) in the map of ``day``."""
        path = unit.path_on(day)
        if path is None:
            return self.none()
        return self.active_on(day).filter(
            placements__in=unit.placements.model.objects.active_on(day).under(path).exclude(unit=unit)
        )

    def children_of(self, unit, day: datetime.date):
        """The direct children of ``unit`` in the map of ``day``."""
        return self.active_on(day).filter(
            placements__in=unit.placements.model.objects.active_on(day).filter(parent=unit)
        )

    def at_level(self, level: int):
        """Units of one level (nation, province, district, commune)."""
        return self.filter(level=level)

    def nation(self):
        """The nation, the root of every map (empty until it is recorded)."""
        return self.filter(level=Level.NATION)


def minimal_prefixes(paths) -> list[str]:
    """The paths that are not below another path of the set (``/11/`` makes ``/11/100/`` redundant)."""
    result: list[str] = []
    for path in sorted(set(paths)):
        if not result or not path.startswith(result[-1]):
            result.append(path)
    return result


class PlacementQuerySet(DatedQuerySet):
    """Dated rows that place a unit or a village in the tree, under a path of unit codes."""

    def under(self, path: str):
        """Placements at ``path`` or below it: one prefix match on an indexed column."""
        return self.filter(path__startswith=path)

    def under_any(self, paths):
        """Placements at or below any of ``paths``, in one query; no path matches nothing."""
        condition = Q(pk__in=[])
        for path in paths:
            condition |= Q(path__startswith=path)
        return self.filter(condition)


class VillageQuerySet(DatedQuerySet):
    def within(self, unit, day: datetime.date, map_day: datetime.date | None = None):
        """Villages existing on ``day`` and placed at ``unit`` or below it on the map of
        ``map_day`` (default: ``day``).

        ``unit.path_on(...)`` is a primary-key lookup; the villages are then one query on the
        indexed path column, whatever the depth of the tree.
        """
        placements = self.model._meta.get_field("placements").related_model

        map_day = map_day or day
        path = unit.path_on(map_day)
        if path is None:
            return self.none()
        return self.active_on(day).filter(
            placements__in=placements.objects.active_on(map_day).under(path)
        )

    def search(self, text: str):
        """Villages whose name contains the words of ``text``, accents or not (``search_q``)."""
        return self.filter(search_q(self.model, ["name"], text))

    def with_unit_on(self, day: datetime.date):
        """Annotate each village with the id, code, name and kind of the unit it sits in on ``day``
        (its name today: ``models.name_on`` names it on a day)."""
        placements = self.model._meta.get_field("placements").related_model
        placement = placements.objects.filter(village=OuterRef("pk")).active_on(day)
        return self.annotate(
            unit_id_on_day=Subquery(placement.values("unit_id")[:1]),
            unit_code_on_day=Subquery(placement.values("unit__code")[:1]),
            unit_name_on_day=Subquery(placement.values("unit__name")[:1]),
            unit_kind_on_day=Subquery(placement.values("unit__kind")[:1]),
        )


class QuarterReportQuerySet(models.QuerySet):
    def up_to(self, quarter):
        """Reports of ``quarter`` and every earlier quarter."""
        return self.filter(quarter__lte=quarter)

    def latest_per_village(self, quarter):
        """For each village, its latest report at or before ``quarter`` (carry-forward), among the
        reports of this queryset."""
        later = self.filter(
            village=OuterRef("village"), quarter__gt=OuterRef("quarter"), quarter__lte=quarter
        )
        return self.up_to(quarter).exclude(models.Exists(later))


class GoalQuerySet(models.QuerySet):
    def for_unit(self, unit):
        """Goals set for ``unit``."""
        return self.filter(unit=unit)
