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

from .periods import PATTERN, QUARTER, Period


class PeriodFormField(forms.CharField):
    def __init__(self, *, quarters_only: bool = False, **kwargs):
        self.quarters_only = quarters_only
        kwargs.setdefault("help_text", _("2019Q2") if quarters_only else _("2008, 2019Q2 or 2019-05"))
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

