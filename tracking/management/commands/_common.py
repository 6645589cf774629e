"""Argument parsing shared by the figure commands."""
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from tracking.models import AdministrativeUnit
from tracking.periods import Period


def unit_by_code(code: str) -> AdministrativeUnit:
    """The unit with ``code``; the latest one if the code was reused after a reorganisation."""
    unit = AdministrativeUnit.objects.with_code(code).first()
    if unit is None:
        raise CommandError(f"No unit has the code {code!r}.")
    return unit


def period_or_error(text: str | None) -> Period | None:
    if text is None:
        return None
    try:
        return Period.parse(text)
    except ValidationError as error:
        raise CommandError(" ".join(error.messages)) from error
