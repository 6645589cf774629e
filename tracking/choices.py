"""The closed sets of the tracker (levels, kinds of unit, statuses, metrics), as Django choices.

Apart from the models so that the querysets can name them without importing the models.
"""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.IntegerChoices):
    # Note: the nation is 0 so that levels sort from the root down, and it is falsy: compare
    # levels with ``is None``, never by truth.
    NATION = 0, _("nation")
    PROVINCE = 1, _("province")
    DISTRICT = 2, _("district")
    COMMUNE = 3, _("commune")

    @property
    def word(self) -> str:
        """The level as the API reads and writes it: nation, province, district or commune."""
        return self.name.lower()


class UnitKind(models.TextChoices):
    NATION = "quoc_gia", _("quốc gia (nation)")
    PROVINCE = "tinh", _("tỉnh (province)")
    RURAL_DISTRICT = "huyen", _("huyện (rural district)")
    TOWN = "thi_xa", _("thị xã (town)")
    CITY = "thanh_pho", _("thành phố (city)")
    URBAN_DISTRICT = "quan", _("quận (urban district)")
    COMMUNE = "xa", _("xã (commune)")
    WARD = "phuong", _("phường (ward)")
    TOWNSHIP = "thi_tran", _("thị trấn (township)")
    SPECIAL_ZONE = "dac_khu", _("đặc khu (special zone)")


# The word before a unit's name ("huyện Điện Biên"); the nation has none ("Việt Nam (VN)").
KIND_WORDS = {
    UnitKind.PROVINCE: "tỉnh",
    UnitKind.RURAL_DISTRICT: "huyện",
    UnitKind.TOWN: "thị xã",
    UnitKind.CITY: "thành phố",
    UnitKind.URBAN_DISTRICT: "quận",
    UnitKind.COMMUNE: "xã",
    UnitKind.WARD: "phường",
    UnitKind.TOWNSHIP: "thị trấn",
    UnitKind.SPECIAL_ZONE: "đặc khu",
}

# Which kinds each level may take. A city (thành phố) is a district-level unit here; the
# centrally run cities (Hà Nội, …) are provinces of kind "thành phố" too.
KINDS_BY_LEVEL = {
    Level.NATION: {UnitKind.NATION},
    Level.PROVINCE: {UnitKind.PROVINCE, UnitKind.CITY},
    Level.DISTRICT: {UnitKind.RURAL_DISTRICT, UnitKind.URBAN_DISTRICT, UnitKind.TOWN, UnitKind.CITY},
    Level.COMMUNE: {UnitKind.COMMUNE, UnitKind.WARD, UnitKind.TOWNSHIP, UnitKind.SPECIAL_ZONE},
}


class VillageStatus(models.TextChoices):
    """What a historical source says of a village when it gives no count."""

    NO_MEMBER = "no_member", _("no party member")
    HAS_MEMBERS = "has_members", _("has party members")
    HAS_OWN_CELL = "has_own_cell", _("has its own party cell")


class GoalMetric(models.TextChoices):
    """What a goal brings down to zero."""

    BLANK_VILLAGES = "blank_villages", _("blank villages")
    VILLAGES_WITHOUT_OWN_CELL = "villages_without_own_cell", _("villages without their own cell")
    MERGED_CELLS = "merged_cells", _("merged cells")


class ReportedMetric(models.TextChoices):
    VILLAGES_TOTAL = "villages_total", _("villages in total")
    BLANK_VILLAGES = "blank_villages", _("blank villages")
    FORMERLY_BLANK_WITH_MEMBERS = (
        "formerly_blank_with_members",
        _("formerly blank villages that now have members"),
    )
    MEMBERS = "members", _("party members")
    GRASSROOTS_ORGANISATIONS = "grassroots_organisations", _("grassroots party organisations")
    ADMISSIONS = "admissions", _("admissions")
    ETHNIC_MINORITY_ADMISSIONS = "ethnic_minority_admissions", _("ethnic-minority admissions")
    MERGED_CELLS = "merged_cells", _("merged cells")
    MERGED_CELLS_REDUCED = "merged_cells_reduced", _("merged cells reduced")
    VILLAGES_WITH_OWN_CELL = "villages_with_own_cell", _("villages with their own cell")


# The statistics office writes province codes with 2 digits, districts 3, communes 5. It numbers
# no country: the nation, the root of every map, takes its ISO 3166-1 code.
CODE_DIGITS = {Level.PROVINCE: 2, Level.DISTRICT: 3, Level.COMMUNE: 5}
NATION_CODE = "VN"
NATION_NAME = "Việt Nam"
# A unit's code as URLs, query parameters and bodies take it (a regular expression, unanchored).
UNIT_CODE_REGEX = f"[0-9]{{2,5}}|{NATION_CODE}"
