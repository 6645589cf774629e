"""The plain errors of the domain: what services and selectors raise when they refuse.

They carry no HTTP or framework type: the API maps them to its error shape (404, 403, 409),
the admin to form errors and messages, the commands to an exit status. Input that breaks a
rule is Django's ``ValidationError`` (with the field it concerns), as ``full_clean`` raises it.
"""
from __future__ import annotations

from django.core.exceptions import ValidationError

Invalid = ValidationError  # a rule of the data: 400 in the API, a form error in the admin


class DomainError(Exception):
    """A refusal with a message for the user and a short machine-readable code."""

    code = "error"

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message)
        self.message = str(message)
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return self.message


class NotFound(DomainError):
    """No such record for this user: it does not exist, or it lies outside the user's areas
    (the two read the same, so an area's records cannot be probed from outside it)."""

    code = "not_found"


class NotPermitted(DomainError):
    """The user sees the record but their roles do not let them do this (the reason says why)."""

    code = "permission_denied"


class Conflict(DomainError):
    """The action does not fit the record's state (a wrong approval step, a record still
    referred to, a report that exists already)."""

    code = "conflict"


class Locked(Conflict):
    """A write to the reports of an approved quarter.

    ``approval`` is the approved row that locks them; ``entries`` lists, for a request that
    names several villages, each one locked as ``(path, message)`` (``reports.2.village``).
    """

    code = "locked"

    def __init__(self, message: str, *, approval, entries=()):
        super().__init__(message)
        self.approval = approval
        self.entries = list(entries)
