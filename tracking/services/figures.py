"""The stored figures as a whole (``tracking.readmodel``): derive them anew, or check them against
the raw rows. The installation's operator does it (a superuser, or the system itself after
loading fixtures); every other write keeps them current on its own."""
from __future__ import annotations

from django.utils.translation import gettext as _

from .. import readmodel
from ..access import scope_of
from ..errors import NotPermitted


def _require_operator(by) -> None:
    if not scope_of(by).everything:
        raise NotPermitted(_("Only a superuser derives or checks the stored figures of the whole country."))


def figures_rebuild(*, by, progress=None) -> dict:
    """Derive every stored figure anew from the raw rows (all or nothing)."""
    _require_operator(by)
    return readmodel.rebuild(progress=progress)


def figures_verify(*, by, progress=None) -> list[str]:
    """The differences between the stored figures and the raw rows, in words; none when all is well."""
    _require_operator(by)
    return readmodel.verify(progress=progress)
