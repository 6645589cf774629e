"""What the commands share: who acts, and their refusals as a command's errors."""
import contextlib

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from tracking.errors import DomainError
from tracking.models import acting_user as acting_user_var
from tracking.periods import Period, period_of


def add_user_argument(parser) -> None:
    parser.add_argument("--user", required=True,
                        help="The username you act for: the change is checked against its roles and audited under it.")


def add_reader_argument(parser) -> None:
    parser.add_argument("--user", help="Read as this user: only what their roles cover (default: everything, "
                                       "as the installation's operator).")


def reader(username: str | None):
    """Who reads: the user named ``username``, or the installation's operator (``access.SYSTEM``)."""
    from tracking.access import SYSTEM

    return acting_user(username) if username else SYSTEM


def acting_user(username: str):
    """The active user named ``username``: a command that writes acts for someone."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(_("No active user is called %(name)r.") % {"name": username})
    return user


@contextlib.contextmanager
def acting_as(user):
    """Run services for ``user`` (audited under that user); their refusals become a
    CommandError (exit status 1) with the same words the API and the admin show."""
    token = acting_user_var.set(user)
    try:
        yield
    except ValidationError as error:
        raise CommandError(" ".join(error.messages)) from error
    except DomainError as error:
        raise CommandError(str(error)) from error
    finally:
        acting_user_var.reset(token)


def period_or_error(text: str | None) -> Period | None:
    try:
        return period_of("period", text)
    except ValidationError as error:
        raise CommandError(" ".join(error.messages)) from error
