"""Builders of test data. They call the services rather than factory_boy's model factories: test
data then goes through the same rules, placements and paths as real data."""
import datetime

from tracking import services
from tracking.access import SYSTEM
from tracking.models import Level, UnitKind

_codes = iter(range(10000, 99999))


def province(*, code="11", name="Điện Biên", valid_from=None):
    return services.unit_create(by=SYSTEM, code=code, name=name, kind=UnitKind.PROVINCE, level=Level.PROVINCE, valid_from=valid_from)


def district(parent, *, code=None, name="Huyện thử", kind=UnitKind.RURAL_DISTRICT, valid_from=None, valid_to=None):
    return services.unit_create(by=SYSTEM,
        code=code or f"{next(_codes) % 1000:03d}", name=name, kind=kind, level=Level.DISTRICT,
        parent=parent, valid_from=valid_from, valid_to=valid_to,
    )


def commune(parent, *, code=None, name="Xã thử", valid_from=None, valid_to=None):
    return services.unit_create(by=SYSTEM,
        code=code or f"{next(_codes):05d}", name=name, kind=UnitKind.COMMUNE, level=Level.COMMUNE,
        parent=parent, valid_from=valid_from, valid_to=valid_to,
    )


def village(unit, *, name="Bản thử", valid_from=None, valid_to=None):
    return services.village_create(by=SYSTEM, name=name, unit=unit, valid_from=valid_from, valid_to=valid_to)


def cell(*villages, name="Chi bộ thử", founded_on=None):
    return services.cell_create(by=SYSTEM, name=name, founded_on=founded_on, villages=list(villages))


def report(village, quarter, *, full=0, probationary=0, **values):
    """A count report (``status=...`` instead makes a status-only one)."""
    if values.get("status"):
        return services.quarter_report_submit(by=SYSTEM, village=village, quarter=quarter, **values).report
    return services.quarter_report_submit(by=SYSTEM,
        village=village, quarter=quarter, full_members=full, probationary_members=probationary, **values
    ).report


D = datetime.date


def clerk(username: str = "clerk") -> str:
    """The username of a superuser that management commands act for (``--user``)."""
    from django.contrib.auth import get_user_model

    if not get_user_model().objects.filter(username=username).exists():
        get_user_model().objects.create_superuser(username=username, email=f"{username}@example.org", password="pw")
    return username
