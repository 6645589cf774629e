"""Argument parsing shared by the figure commands."""
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from tracking.models import AdministrativeUnit
from tracking.periods import Period


def add_user_argument(parser) -> None:
    parser.add_argument("--user", required=True,
                        help="The username you act for: the change is checked against its roles and audited under it.")


def acting_user(username: str):
    """The active user named ``username``: a command that writes acts for someone."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"No active user is called {username!r}.")
    return user


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
