"""The official units in tracking/data and their reader (no database, no network).

Điện Biên's figures are those of DOMAIN.md: 10 districts and 129 communes on 2025-06-30,
45 communes (42 xã, 3 phường) on 2025-07-01. The tool that regenerates the files
(``python -m tracking.data.extract_admin_units``) needs PyPI: it runs only with
ADMIN_DATA_NETWORK=1 (see the last test).
"""
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tracking import official_units
from tracking.data import extract_admin_units as extract
from tracking.official_units import (
    AdminUnit,
    ReformLink,
    reform_mapping,
    units_after_reform,
    units_before_reform,
)

DIEN_BIEN = "11"
DISTRICTS_2019 = {
    "094": ("Điện Biên Phủ", "thanh_pho"),
    "095": ("Mường Lay", "thi_xa"),
    "096": ("Mường Nhé", "huyen"),
    "097": ("Mường Chà", "huyen"),
    "098": ("Tủa Chùa", "huyen"),
    "099": ("Tuần Giáo", "huyen"),
    "100": ("Điện Biên", "huyen"),
    "101": ("Điện Biên Đông", "huyen"),
    "102": ("Mường Ảng", "huyen"),
    "103": ("Nậm Pồ", "huyen"),
}
KINDS = {
    "province": {"tinh", "thanh_pho"},
    "district": {"huyen", "quan", "thi_xa", "thanh_pho"},
    "commune": {"xa", "phuong", "thi_tran", "dac_khu"},
}


def by_level(units) -> dict[str, list[AdminUnit]]:
    levels: dict[str, list[AdminUnit]] = {}
    for unit in units:
        levels.setdefault(unit.level, []).append(unit)
    return levels


def raw(path):
    return json.loads(path.read_text(encoding="utf-8"))


# ----- Điện Biên ------------------------------------------------------------------------


def test_dien_bien_before_the_reform_has_10_districts_and_129_communes():
    levels = by_level(units_before_reform(DIEN_BIEN))
    assert [(u.code, u.name, u.kind) for u in levels["province"]] == [("11", "Điện Biên", "tinh")]
    assert {u.code: (u.name, u.kind) for u in levels["district"]} == DISTRICTS_2019
    assert all(u.parent_code == DIEN_BIEN for u in levels["district"])
    assert len(levels["commune"]) == 129
    assert {u.parent_code for u in levels["commune"]} == set(DISTRICTS_2019)
    assert Counter(u.parent_code for u in levels["commune"])["100"] == 21  # huyện Điện Biên after 2020


def test_na_nhan_and_na_tau_are_communes_of_dien_bien_phu_city_on_2025_06_30():
    communes = {u.code: u for u in units_before_reform(DIEN_BIEN) if u.level == "commune"}
    assert communes["03317"] == AdminUnit("03317", "Nà Nhạn", "xa", "commune", "094", "Xã Nà Nhạn", "11")
    assert communes["03316"] == AdminUnit("03316", "Nà Tấu", "xa", "commune", "094", "Xã Nà Tấu", "11")


def test_dien_bien_after_the_reform_has_45_communes_42_xa_3_phuong():
    levels = by_level(units_after_reform(DIEN_BIEN))
    assert set(levels) == {"province", "commune"}
    assert [(u.code, u.name) for u in levels["province"]] == [("11", "Điện Biên")]
    communes = levels["commune"]
    assert len(communes) == 45
    assert Counter(u.kind for u in communes) == {"xa": 42, "phuong": 3}
    assert {u.name for u in communes if u.kind == "phuong"} == {"Điện Biên Phủ", "Mường Lay", "Mường Thanh"}
    assert all(u.parent_code == DIEN_BIEN and u.province_code == DIEN_BIEN for u in communes)


def test_every_old_commune_of_dien_bien_went_into_new_communes_of_dien_bien():
    old = {u.code for u in units_before_reform(DIEN_BIEN) if u.level == "commune"}
    new = {u.code for u in units_after_reform(DIEN_BIEN) if u.level == "commune"}
    links = {link.old_code: link for link in reform_mapping(DIEN_BIEN)}
    assert set(links) == old
    for link in links.values():
        assert link.new_codes and set(link.new_codes) <= new, link
        assert link.new_province_codes == (DIEN_BIEN,)
    # every new commune has at least one predecessor
    assert {code for link in links.values() for code in link.new_codes} == new


def test_dien_bien_communes_were_merged_whole_none_divided():
    # Matches the GSO conversion table: every Điện Biên row is "Nhập toàn bộ" (merged whole).
    assert [link.old_code for link in reform_mapping(DIEN_BIEN) if link.divided] == []
    assert all(len(link.new_codes) == 1 for link in reform_mapping(DIEN_BIEN))


def test_na_nhan_went_into_muong_phang_and_na_tau_stayed_na_tau():
    links = {link.old_code: link for link in reform_mapping(DIEN_BIEN)}
    after = {u.code: u for u in units_after_reform(DIEN_BIEN)}
    assert links["03317"] == ReformLink("03317", "11", ("03325",), ("11",), False, None)
    assert after["03325"].name == "Mường Phăng"
    assert links["03316"].new_codes == ("03316",)
    assert after["03316"].name == "Nà Tấu"
    # the new Nà Tấu also took in Mường Đăng and Ngối Cáy of Mường Ảng; Mường Phăng took Pá Khoang
    assert sorted(code for code, link in links.items() if link.new_codes == ("03316",)) == ["03286", "03287", "03316"]
    assert sorted(code for code, link in links.items() if link.new_codes == ("03325",)) == ["03317", "03325", "03326"]


def test_no_dien_bien_unit_was_left_unmatched():
    codes = {u.code for u in units_before_reform(DIEN_BIEN)}
    unmatched = raw(official_units.REFORM_FILE)["unmatched"]
    for kind, keys in unmatched.items():
        assert not [key for key in keys if key.startswith("tinhdienbien") or key in codes], kind


# ----- national ---------------------------------------------------------------------------


def test_national_counts():
    before = Counter(u.level for u in units_before_reform())
    after = Counter(u.level for u in units_after_reform())
    assert before == {"province": 63, "district": 696, "commune": 10051}
    assert after == {"province": 34, "commune": 3321}


@pytest.mark.parametrize("loader", [units_before_reform, units_after_reform])
def test_codes_are_unique_padded_and_kinds_known(loader):
    units = loader()
    assert len({u.code for u in units}) == len(units)
    for unit in units:
        assert len(unit.code) == extract.CODE_WIDTH[unit.level] and unit.code.isdigit(), unit
        assert unit.kind in KINDS[unit.level], unit
        assert unit.full_name.endswith(unit.name) and unit.name == unit.name.strip(), unit


def test_reform_links_point_at_known_units():
    old = {u.code for u in units_before_reform() if u.level == "commune"}
    new = {u.code for u in units_after_reform() if u.level == "commune"}
    links = reform_mapping()
    assert len({link.old_code for link in links}) == len(links)
    for link in links:
        assert link.old_code in old and set(link.new_codes) <= new, link
        assert link.divided == (len(link.new_codes) > 1), link
        assert (link.default_new_code in link.new_codes) if link.divided else link.default_new_code is None


# ----- the files are what the reader reads ------------------------------------------------


@pytest.mark.parametrize(
    ("path", "loader"),
    [(official_units.BEFORE_FILE, units_before_reform), (official_units.AFTER_FILE, units_after_reform)],
)
def test_the_reader_returns_exactly_the_records_of_the_committed_files(path, loader):
    document = raw(path)
    expected = {
        (level, item["code"], item["name"], item["kind"], item["parent_code"], item["full_name"])
        for level, key in official_units.LEVEL_LISTS.items()
        for item in document.get(key, [])
    }
    assert {(u.level, u.code, u.name, u.kind, u.parent_code, u.full_name) for u in loader()} == expected
    for key in official_units.LEVEL_LISTS.values():
        codes = [item["code"] for item in document.get(key, [])]
        assert codes == sorted(codes), f"{path.name}: {key} not sorted"


def test_the_reader_returns_exactly_the_links_of_the_committed_file():
    document = raw(official_units.REFORM_FILE)
    assert sorted((x.old_code, list(x.new_codes), x.divided) for x in reform_mapping()) == [
        (item["old_code"], item["new_codes"], item["divided"]) for item in document["communes"]
    ]


def test_the_files_say_where_they_come_from():
    sources = official_units.sources()
    assert sources["units-2025-06-30.json"]["version"] == "0.6.0"
    assert sources["units-2025-07-01.json"]["version"] == "2025.10.1"
    assert {s["package"] for s in sources["reform-2025.json"]} == {"vietnamadminunits", "vietnam-provinces"}
    readme = (official_units.DATA_DIR / "README.md").read_text(encoding="utf-8")
    assert "extract_admin_units" in readme
    for wheel in extract.WHEELS:
        assert wheel.sha256 in readme


def test_the_files_are_small_enough_to_keep_national():
    for path in (official_units.BEFORE_FILE, official_units.AFTER_FILE, official_units.REFORM_FILE):
        assert path.stat().st_size < 5_000_000, path


# ----- the reader's API -------------------------------------------------------------------


def test_province_codes_are_accepted_as_int_or_string_and_cached():
    assert units_before_reform(11) is units_before_reform("11") is units_before_reform("011")
    assert reform_mapping(11) is reform_mapping("11")


def test_an_unknown_or_abolished_province_is_an_error():
    with pytest.raises(KeyError, match="02"):
        units_after_reform("02")  # Hà Giang, merged into Tuyên Quang in 2025
    assert units_before_reform("02")[0].name == "Hà Giang"
    with pytest.raises(KeyError):
        units_before_reform(99)


def test_a_province_merged_in_2025_maps_into_its_new_province():
    # Hà Giang (02) went into Tuyên Quang (08)
    assert {code for link in reform_mapping("02") for code in link.new_province_codes} == {"08"}


# ----- the tool's name handling (no network) ------------------------------------------------


@pytest.mark.parametrize(
    ("full_name", "level", "expected"),
    [
        ("Thành phố Điện Biên Phủ", "district", ("thanh_pho", "Điện Biên Phủ")),
        ("Thành Phố Bắc Kạn", "district", ("thanh_pho", "Bắc Kạn")),
        ("Thị xã Mường Lay", "district", ("thi_xa", "Mường Lay")),
        ("Thị trấn Tủa Chùa", "commune", ("thi_tran", "Tủa Chùa")),
        ("Xã Thanh Xương", "commune", ("xa", "Thanh Xương")),
        ("Thành phố Hà Nội", "province", ("thanh_pho", "Hà Nội")),
    ],
)
def test_split_name(full_name, level, expected):
    assert extract.split_name(full_name, level) == expected


def test_name_keys_follow_the_converter():
    assert extract.name_key("Xã Nà Nhạn") == "xananhan"
    assert extract.name_key("Thành phố Điện Biên Phủ") == "thanhphodienbienphu"
    assert extract.name_key("Xã Ẳng Tở") == "xaangto"
    # when two names differ only by their diacritics, the converter keeps them
    assert extract.accented_key("Xã Phú Thạnh") == "xãphúthạnh"
    assert extract.accented_key("Xã Phú Thạnh") != extract.accented_key("Xã Phú Thành")


# ----- the tool itself: run as python -m, without Django -------------------------------------

REPOSITORY = Path(__file__).resolve().parents[1]


def run_tool(*arguments: str) -> subprocess.CompletedProcess:
    environment = {name: value for name, value in os.environ.items() if name != "DJANGO_SETTINGS_MODULE"}
    return subprocess.run(
        [sys.executable, "-m", "tracking.data.extract_admin_units", *arguments],
        cwd=REPOSITORY, env=environment, capture_output=True, text=True, check=False, timeout=600,
    )


def test_the_tool_is_a_build_tool_not_a_management_command():
    from django.core.management import get_commands

    assert "extract_admin_units" not in get_commands()


def test_the_tool_runs_without_django_settings_and_refuses_missing_wheels(tmp_path):
    before = {path: path.read_bytes() for path in (official_units.BEFORE_FILE, official_units.AFTER_FILE)}
    result = run_tool("--wheels", str(tmp_path), "--output-dir", str(tmp_path / "out"))
    assert result.returncode == 1, result
    assert f"{extract.OLD.filename} is missing" in result.stderr
    assert not (tmp_path / "out").exists()
    assert {path: path.read_bytes() for path in before} == before
    assert "--check" in run_tool("--help").stdout


@pytest.mark.skipif(not os.environ.get("ADMIN_DATA_NETWORK"), reason="needs PyPI: set ADMIN_DATA_NETWORK=1")
def test_the_committed_files_are_what_the_tool_generates():
    result = run_tool("--check")
    assert result.returncode == 0, result.stderr
    assert "The files are up to date." in result.stdout
