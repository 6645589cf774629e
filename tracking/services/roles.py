"""Role grants: who may read, write and approve where. Superusers only."""
from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from ..access import scope_of
from ..errors import NotPermitted
from ..models import (
    RoleGrant,
)


def _require_superuser(by, message: str) -> None:
    if not scope_of(by).everything:
        raise NotPermitted(message)


@transaction.atomic
def role_grant_save(*, by, grant: RoleGrant) -> RoleGrant:
    """Grant (or change) a role of a user on a unit: superusers only. Audited like every write.
    A role opens the admin, where committees work: its holder becomes staff (Django's door to the
    admin; what they see there is still only their area)."""
    _require_superuser(by, _("Only a superuser grants roles."))
    grant.full_clean()
    grant.save()
    user = grant.user
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return grant


@transaction.atomic
def role_grant_delete(*, by, grant: RoleGrant) -> None:
    """Take a role back: superusers only."""
    _require_superuser(by, _("Only a superuser grants roles."))
    grant.delete()
