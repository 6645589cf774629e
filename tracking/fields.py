"""Model fields that hold a :class:`~tracking.periods.Period`.

``QuarterField`` stores a quarter as its integer index (fast ordering and ranges);
``PeriodField`` stores any period as its text form. Both read and write ``2019Q2`` in forms,
fixtures and serialised data.
"""
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .bulk_sql import update_rows
from .periods import PATTERN, QUARTER, Period
from .text import fold, nfc


class PeriodFormField(forms.CharField):
    def __init__(self, *, quarters_only: bool = False, **kwargs):
        self.quarters_only = quarters_only
        kwargs.setdefault("help_text", _("e.g. 2019Q2") if quarters_only else _("e.g. 2008, 2019Q2 or 2019-05"))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return "" if value in (None, "") else str(value)

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        period = Period.parse(value)
        if self.quarters_only and period.kind != QUARTER:
            raise ValidationError(
                _("“%(value)s” is not a quarter: write it as 2019Q2."),
                code="not_a_quarter",
                params={"value": value},
            )
        return period


class QuarterField(models.IntegerField):
    """A quarter, stored as ``year * 4 + quarter - 1``."""

    description = _("Quarter")

    @property
    def validators(self):
        # IntegerField's range validators compare integers; a Period is validated when parsed.
        return []

    def from_db_value(self, value, expression, connection):
        return None if value is None else Period.from_index(value)

    def to_python(self, value):
        if value is None or isinstance(value, Period):
            if isinstance(value, Period) and value.kind != QUARTER:
                raise ValidationError(_("“%(value)s” is not a quarter."), params={"value": value})
            return value
        if isinstance(value, int):
            return Period.from_index(value)
        period = Period.parse(value)
        if period.kind != QUARTER:
            raise ValidationError(
                _("“%(value)s” is not a quarter: write it as 2019Q2."), params={"value": value}
            )
        return period

    def get_prep_value(self, value):
        if value is None:
            return None
        if isinstance(value, int):
            return value
        return self.to_python(value).index

    def value_to_string(self, obj):
        value = self.value_from_object(obj)
        return "" if value is None else str(value)

    def formfield(self, **kwargs):
        return PeriodFormField(quarters_only=True, required=not self.blank, label=self.verbose_name)


class PeriodField(models.CharField):
    """A year, quarter or month, stored as its text (``2008``, ``2019Q2``, ``2019-05``)."""

    description = _("Period")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 7)
        super().__init__(*args, **kwargs)
        self.validators.append(RegexValidator(PATTERN, _("Write a year, a quarter or a month.")))

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if kwargs.get("max_length") == 7:
            del kwargs["max_length"]
        return name, path, args, kwargs

    def from_db_value(self, value, expression, connection):
        return None if value in (None, "") else Period.parse(value)

    def to_python(self, value):
        if value in (None, ""):
            return None
        return Period.parse(value)

    def get_prep_value(self, value):
        if value in (None, ""):
            return None
        return str(Period.parse(value))

    def run_validators(self, value):
        return super().run_validators(None if value is None else str(value))

    def value_to_string(self, obj):
        value = self.value_from_object(obj)
        return "" if value is None else str(value)

    def formfield(self, **kwargs):
        # Parsing fixes the length: no max-length check on the parsed Period.
        return PeriodFormField(required=not self.blank, label=self.verbose_name)



class NameField(models.CharField):
    """A name, stored in Unicode NFC whichever way it was typed (forms, the API, bulk writes)."""

    def to_python(self, value):
        return nfc(super().to_python(value))

    def pre_save(self, model_instance, add):
        value = nfc(getattr(model_instance, self.attname))
        setattr(model_instance, self.attname, value)
        return value


class FoldedField(models.CharField):
    """The folded form (``text.fold``) of another field of the row, kept on every save and bulk
    insert: what search without accents compares."""

    def __init__(self, *args, source: str = "name", **kwargs):
        self.source = source
        kwargs.setdefault("max_length", 200)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        value = fold(getattr(model_instance, self.source))
        setattr(model_instance, self.attname, value)
        return value


def with_derived(model, values: dict) -> dict:
    """``values`` (field name → value) to write with ``QuerySet.update``, which calls no
    ``pre_save``: names in NFC, and the folded form of each name written."""
    values = dict(values)
    for field in model._meta.concrete_fields:
        if isinstance(field, NameField) and field.name in values:
            values[field.name] = nfc(values[field.name])
    for field in model._meta.concrete_fields:
        if isinstance(field, FoldedField) and field.source in values:
            values[field.name] = fold(values[field.source])
    return values


def refresh_names(model, chunk: int = 5000) -> int:
    """Put the rows of ``model`` written past ``save`` (fixtures, a migration) in line: each
    ``NameField`` in NFC and each ``FoldedField`` folded from its source. How many rows changed."""
    names = [field.attname for field in model._meta.concrete_fields if isinstance(field, NameField)]
    folded = [field for field in model._meta.concrete_fields if isinstance(field, FoldedField)]
    if not names and not folded:
        return 0
    columns = sorted({*names, *(field.source for field in folded), *(field.attname for field in folded)})
    changed = []
    for row in model._base_manager.only(*columns).iterator(chunk_size=chunk):
        before = {name: getattr(row, name) for name in columns}
        after = with_derived(model, before)
        if after != before:
            for name, value in after.items():
                setattr(row, name, value)
            changed.append(row)
    update_rows(model, changed, [*names, *(field.attname for field in folded)])
    return len(changed)
