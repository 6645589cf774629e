"""Regenerate tracking/data/*.json from the PyPI packages that carry Vietnam's official units.

A build tool, not part of a running installation: it needs neither Django nor a database.

    python -m tracking.data.extract_admin_units            # downloads the wheels from PyPI
    python -m tracking.data.extract_admin_units --check    # fails if the files here are out of date
    python -m tracking.data.extract_admin_units --wheels DIR   # offline, from the three wheels in DIR

The two structures come from two versions of the same package (``vietnam-provinces`` 0.6.0
and 2025.10.1), which cannot be installed side by side. So this tool downloads the pinned
wheels with pip into a temporary folder, reads the data files inside them (JSON, SQLite)
without importing or installing anything, and writes normalised, deterministic JSON files:

- ``units-2025-06-30.json``: provinces, districts and communes before the 2025 reform;
- ``units-2025-07-01.json``: provinces and communes after it (no district level);
- ``reform-2025.json``: for each old commune, the new commune(s) it went into.

The old→new table of ``vietnamadminunits`` is keyed by normalised names, not codes; the keys
are matched to the official codes by name (without diacritics, as the package does), and,
for the few names spelled differently in the two packages, by the code the package's own
dataset gives to the same key, accepted only if that code sits in the same district.
Whatever stays unmatched is written into the reform file and printed.

Network: PyPI (through ``pip download``) unless ``--wheels DIR`` points at the wheels.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import re
import sqlite3
import subprocess
import sys
import tempfile
import unicodedata
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

DATA_DIR = Path(__file__).resolve().parent

BEFORE_FILE = "units-2025-06-30.json"
AFTER_FILE = "units-2025-07-01.json"
REFORM_FILE = "reform-2025.json"


@dataclass(frozen=True)
class Wheel:
    package: str
    version: str
    filename: str
    sha256: str  # PyPI files are immutable: a different hash means a different file

    @property
    def requirement(self) -> str:
        return f"{self.package}=={self.version}"


OLD = Wheel(
    "vietnam-provinces",
    "0.6.0",
    "vietnam_provinces-0.6.0-py3-none-any.whl",
    "4b5772870efdcb7c58a64fbdc0e0c9ce497e67017a0c189dff99582ddadb7815",
)
NEW = Wheel(
    "vietnam-provinces",
    "2025.10.1",
    "vietnam_provinces-2025.10.1-py3-none-any.whl",
    "1693dece496b1e04e2b637a3dd79a87a22666e13c91c51cf06dc27e482987f57",
)
CONVERTER = Wheel(
    "vietnamadminunits",
    "1.0.4",
    "vietnamadminunits-1.0.4-py3-none-any.whl",
    "737ee3662e877290386c1c45ed4d71f2e5fae34ab6fb9c64bfb4cb74b216ea35",
)
WHEELS = (OLD, NEW, CONVERTER)

NESTED_JSON = "vietnam_provinces/data/nested-divisions.json"
CONVERTER_JSON = "vietnamadminunits/data/converter_2025.json"
CONVERTER_DB = "vietnamadminunits/data/dataset.db"

CODE_WIDTH = {"province": 2, "district": 3, "commune": 5}


class ExtractError(Exception):
    """What stops the extraction: reported as ``error: ...``, exit status 1."""


# Type prefix of a name -> kind, per level. 0.6.0 says "huyện" for every district and "xã"
# for every commune in its division_type field, so the prefix of the name decides there.
PREFIX_KIND = {
    "province": {"tỉnh": "tinh", "thành phố": "thanh_pho"},
    "district": {"huyện": "huyen", "quận": "quan", "thị xã": "thi_xa", "thành phố": "thanh_pho"},
    "commune": {"xã": "xa", "phường": "phuong", "thị trấn": "thi_tran", "đặc khu": "dac_khu"},
}
# division_type of 2025.10.1 -> kind (reliable in that version).
DIVISION_TYPE_KIND = {
    "tỉnh": "tinh",
    "thành phố trung ương": "thanh_pho",
    "xã": "xa",
    "phường": "phuong",
    "đặc khu": "dac_khu",
}
KIND_PREFIX = {
    "tinh": "Tỉnh",
    "thanh_pho": "Thành phố",
    "huyen": "Huyện",
    "quan": "Quận",
    "thi_xa": "Thị xã",
    "xa": "Xã",
    "phuong": "Phường",
    "thi_tran": "Thị trấn",
    "dac_khu": "Đặc khu",
}


# ----- names ------------------------------------------------------------------------------


def name_key(text: str) -> str:
    """The normalised key vietnamadminunits uses: no diacritics, lower case, letters and digits only.

    (The package uses unidecode; for Vietnamese that is: decompose, drop the marks, đ -> d.)
    """
    text = unicodedata.normalize("NFD", text).replace("đ", "d").replace("Đ", "D")
    text = "".join(char for char in text if unicodedata.category(char) != "Mn")
    return re.sub(r"[^0-9a-z]", "", text.lower())


def accented_key(text: str) -> str:
    """The key vietnamadminunits falls back to when two names differ only by their diacritics
    (Xã Phú Thạnh / Xã Phú Thành in one district): lower case, letters and digits, marks kept."""
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFC", text).lower())


def split_name(full_name: str, level: str) -> tuple[str, str]:
    """('Thành phố Điện Biên Phủ', 'district') -> ('thanh_pho', 'Điện Biên Phủ')."""
    text = unicodedata.normalize("NFC", " ".join(full_name.split()))
    lowered = text.lower()
    for prefix, kind in sorted(PREFIX_KIND[level].items(), key=lambda item: -len(item[0])):
        if lowered.startswith(prefix + " "):
            return kind, text[len(prefix) + 1 :].strip()
    raise ExtractError(f"No known type prefix in the {level} name {full_name!r}.")


def padded(code: int | str, level: str) -> str:
    return str(int(code)).zfill(CODE_WIDTH[level])


def unit(code: str, full_name: str, kind: str, name: str, parent_code: str | None) -> dict:
    return {"code": code, "name": name, "kind": kind, "parent_code": parent_code, "full_name": full_name}


# ----- reading the wheels -----------------------------------------------------------------


def download(wheel: Wheel, folder: Path, say: Callable[[str], None]) -> Path:
    target = folder / f"{wheel.package}-{wheel.version}"
    target.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
        "--disable-pip-version-check", "--no-input", "--quiet", "--dest", str(target), wheel.requirement,
    ]
    say(f"Downloading {wheel.requirement} ...")
    result = subprocess.run(command, check=False, capture_output=True, text=True)
    if result.returncode != 0:
        raise ExtractError(f"pip download {wheel.requirement} failed:\n{result.stderr.strip()}")
    return target / wheel.filename


def checked(path: Path, wheel: Wheel) -> Path:
    if not path.is_file():
        raise ExtractError(f"{path} is missing (expected the wheel of {wheel.requirement}).")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != wheel.sha256:
        raise ExtractError(f"{path.name}: sha256 {digest}, expected {wheel.sha256}.")
    return path


def read_json(path: Path, member: str):
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read(member).decode("utf-8"))


def read_metadata(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        return archive.read(name).decode("utf-8")


def stated_licence(path: Path) -> str:
    """The licence as the wheel's METADATA states it (License field or classifiers)."""
    headers = read_metadata(path).split("\n\n", 1)[0].splitlines()
    stated = [line.split(":", 1)[1].strip() for line in headers if line.startswith("License:")]
    stated += [line.split("::")[-1].strip() for line in headers if line.startswith("Classifier: License ::")]
    stated += [line.split(":", 1)[1].strip() for line in headers if line.startswith("License-Expression:")]
    return ", ".join(sorted(set(stated))) or "none stated"


def read_legacy_rows(path: Path, folder: Path) -> list[dict]:
    """admin_units_legacy of vietnamadminunits' dataset.db: keys and codes of the old units."""
    database = folder / "dataset.db"
    with zipfile.ZipFile(path) as archive:
        database.write_bytes(archive.read(CONVERTER_DB))
    connection = sqlite3.connect(database)
    connection.row_factory = sqlite3.Row
    try:
        return [
            dict(row)
            for row in connection.execute(
                "SELECT provinceKey, districtKey, wardKey, provinceCode, districtCode, wardCode, ward "
                "FROM admin_units_legacy"
            )
        ]
    finally:
        connection.close()


# ----- the two structures -----------------------------------------------------------------


def before_reform(nested: list[dict]) -> tuple[dict, list[str]]:
    """The 3-level structure of 0.6.0. Returns the document and the kind corrections made."""
    provinces, districts, communes, corrections = [], [], [], []
    for province in nested:
        p_code = padded(province["code"], "province")
        p_kind, p_name = split_name(province["name"], "province")
        if DIVISION_TYPE_KIND.get(province["division_type"], "tinh") != p_kind:
            corrections.append(f"{p_code} {province['name']}: division_type {province['division_type']!r}")
        provinces.append(unit(p_code, province["name"], p_kind, p_name, None))
        for district in province["districts"]:
            d_code = padded(district["code"], "district")
            d_kind, d_name = split_name(district["name"], "district")
            if DIVISION_TYPE_KIND.get(district["division_type"], "huyen") != d_kind:
                corrections.append(f"{d_code} {district['name']}: division_type {district['division_type']!r}")
            districts.append(unit(d_code, district["name"], d_kind, d_name, p_code))
            for ward in district["wards"]:
                c_code = padded(ward["code"], "commune")
                c_kind, c_name = split_name(ward["name"], "commune")
                if DIVISION_TYPE_KIND.get(ward["division_type"]) != c_kind:
                    corrections.append(f"{c_code} {ward['name']}: division_type {ward['division_type']!r}")
                communes.append(unit(c_code, ward["name"], c_kind, c_name, d_code))
    document = {
        "provinces": sorted(provinces, key=lambda u: u["code"]),
        "districts": sorted(districts, key=lambda u: u["code"]),
        "communes": sorted(communes, key=lambda u: u["code"]),
    }
    return document, corrections


def after_reform(nested: list[dict]) -> dict:
    """The 2-level structure of 2025.10.1 (names of provinces, but cities', come without their type)."""
    provinces, communes = [], []
    for province in nested:
        p_code = padded(province["code"], "province")
        p_kind = DIVISION_TYPE_KIND[province["division_type"]]
        prefix = KIND_PREFIX[p_kind]
        # "Thành phố Hà Nội" but "Điện Biên": the type is written for the cities only.
        full = province["name"] if province["name"].startswith(prefix + " ") else f"{prefix} {province['name']}"
        kind, name = split_name(full, "province")
        if kind != p_kind:
            raise ExtractError(f"{p_code} {province['name']}: division_type {province['division_type']!r}")
        provinces.append(unit(p_code, full, p_kind, name, None))
        for ward in province["wards"]:
            c_code = padded(ward["code"], "commune")
            c_kind, c_name = split_name(ward["name"], "commune")
            if DIVISION_TYPE_KIND[ward["division_type"]] != c_kind:
                raise ExtractError(f"{c_code} {ward['name']}: division_type {ward['division_type']!r}")
            communes.append(unit(c_code, ward["name"], c_kind, c_name, p_code))
    return {
        "provinces": sorted(provinces, key=lambda u: u["code"]),
        "communes": sorted(communes, key=lambda u: u["code"]),
    }


def check_unique(document: dict, label: str) -> None:
    for level, units in document.items():
        codes = [u["code"] for u in units]
        if len(codes) != len(set(codes)):
            raise ExtractError(f"{label}: duplicate {level} codes.")


# ----- the reform -------------------------------------------------------------------------


def unique_index(pairs, label: str) -> dict:
    index, duplicates = {}, set()
    for key, value in pairs:
        if key in index and index[key] != value:
            duplicates.add(key)
        index[key] = value
    if duplicates:
        raise ExtractError(f"{label}: ambiguous keys {sorted(duplicates)[:10]}")
    return index


def keyed(triples) -> dict[str, str]:
    """{parent_key + "_" + ward key: code} from (parent key, full name, code), under both key forms
    the converter uses: without diacritics when unique under the parent, with them always.
    A key shared by two units (a duplicated name in the source) is left out."""
    codes_by_key: dict[str, set[str]] = defaultdict(set)
    plain: dict[str, set[str]] = defaultdict(set)
    for parent, full_name, code in triples:
        codes_by_key[f"{parent}_{accented_key(full_name)}"].add(code)
        plain[f"{parent}_{name_key(full_name)}"].add(code)
    index = {key: next(iter(codes)) for key, codes in codes_by_key.items() if len(codes) == 1}
    for key, codes in plain.items():
        if len(codes) == 1:
            index.setdefault(key, next(iter(codes)))
    return index


def reform(before: dict, after: dict, converter: dict, legacy_rows: list[dict]) -> dict:
    districts = {u["code"]: u for u in before["districts"]}
    provinces_old = {u["code"]: u for u in before["provinces"]}
    communes_old = {u["code"]: u for u in before["communes"]}

    # Old side: "province_district_ward" key -> commune code. A ward key without diacritics
    # is used only when it is unique in its district; the converter then writes it with them.
    old_by_key = keyed(
        (
            "_".join(
                name_key(x)
                for x in (
                    provinces_old[districts[c["parent_code"]]["parent_code"]]["full_name"],
                    districts[c["parent_code"]]["full_name"],
                )
            ),
            c["full_name"],
            c["code"],
        )
        for c in before["communes"]
    )
    old_province_by_key = unique_index(((name_key(p["full_name"]), p["code"]) for p in before["provinces"]), "0.6.0")
    district_by_key = unique_index(
        (
            (f"{name_key(provinces_old[d['parent_code']]['full_name'])}_{name_key(d['full_name'])}", d["code"])
            for d in before["districts"]
        ),
        "0.6.0 districts",
    )
    legacy_by_key = {
        f"{r['provinceKey']}_{r['districtKey']}_{r['wardKey'] or ''}": r for r in legacy_rows
    }

    # New side: province key -> code; (province code, ward key) -> code.
    new_province_by_key = unique_index(
        ((name_key(p["full_name"]), p["code"]) for p in after["provinces"]), "2025.10.1 provinces"
    )
    new_by_key = keyed((c["parent_code"], c["full_name"], c["code"]) for c in after["communes"])

    unmatched: dict[str, list] = defaultdict(list)
    by_code_matches: dict[str, dict] = {}
    conflicts: dict[str, dict] = {}

    province_links = []
    new_province_of = {}
    for new_key, old_keys in sorted(converter["DICT_PROVINCE"].items()):
        new_code = new_province_by_key.get(new_key)
        if new_code is None:
            unmatched["new_provinces"].append(new_key)
            continue
        for old_key in old_keys:
            old_code = old_province_by_key.get(old_key)
            if old_code is None:
                unmatched["old_provinces"].append(old_key)
                continue
            province_links.append({"old_code": old_code, "new_code": new_code})
        new_province_of[new_key] = new_code

    def in_same_district(row: dict) -> str | None:
        """The 0.6.0 commune with the code the converter's dataset gives to a key, if in the same district."""
        if not row or not row["wardCode"]:
            return None
        code = padded(row["wardCode"], "commune")
        candidate = communes_old.get(code)
        if candidate is None or candidate["parent_code"] != padded(row["districtCode"], "district"):
            return None
        return code

    def old_codes_of(old_key: str) -> list[str]:
        row = legacy_by_key.get(old_key)
        by_name = old_by_key.get(old_key)
        by_code = in_same_district(row)
        if by_name is not None:
            if by_code is not None and by_code != by_name:
                # The name and the code point at two 0.6.0 communes: merged between the 0.6.0
                # snapshot and 2025-06-30 under one name and the other's code. Both went on.
                conflicts[old_key] = {
                    "key": old_key,
                    "code_by_name": by_name,
                    "code_in_dataset": by_code,
                    "names_in_vietnam_provinces": [
                        communes_old[by_name]["full_name"],
                        communes_old[by_code]["full_name"],
                    ],
                }
                return [by_name, by_code]
            return [by_name]
        if by_code is None:
            return []
        by_code_matches[old_key] = {
            "key": old_key,
            "code": by_code,
            "name_in_converter": row["ward"],
            "name_in_vietnam_provinces": communes_old[by_code]["full_name"],
        }
        return [by_code]

    def new_code_of(new_province_key: str, new_ward_key: str) -> str | None:
        province = new_province_of.get(new_province_key)
        return None if province is None else new_by_key.get(f"{province}_{new_ward_key}")

    targets: dict[str, set[str]] = defaultdict(set)
    divided: dict[str, bool] = {}
    default: dict[str, str] = {}
    district_targets: dict[str, set[str]] = defaultdict(set)

    def link(old_key: str, new_code: str, is_divided: bool, is_default: bool) -> None:
        if old_key.endswith("_"):  # a district without communes (the islands)
            district = district_by_key.get(old_key[:-1])
            if district is None:
                unmatched["old_districts"].append(old_key)
            else:
                district_targets[district].add(new_code)
            return
        old_codes = old_codes_of(old_key)
        if not old_codes:
            unmatched["old_communes"].append(old_key)
        for old_code in old_codes:
            if divided.get(old_code, is_divided) != is_divided:
                raise ExtractError(f"{old_key}: listed both as divided and as not divided.")
            divided[old_code] = is_divided
            targets[old_code].add(new_code)
            if is_default:
                default[old_code] = new_code

    for new_province_key, wards in sorted(converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items()):
        for new_ward_key, old_keys in sorted(wards.items()):
            new_code = new_code_of(new_province_key, new_ward_key)
            if new_code is None:
                unmatched["new_communes"].append(f"{new_province_key}_{new_ward_key}")
                continue
            for old_key in old_keys:
                link(old_key, new_code, False, False)
    for new_province_key, olds in sorted(converter["DICT_PROVINCE_WARD_DIVIDED"].items()):
        for old_key, news in sorted(olds.items()):
            for new in news:
                new_code = new_code_of(new_province_key, new["newWardKey"])
                if new_code is None:
                    unmatched["new_communes"].append(f"{new_province_key}_{new['newWardKey']}")
                    continue
                link(old_key, new_code, True, bool(new["isDefaultNewWard"]))

    communes = []
    for old_code in sorted(targets):
        new_codes = sorted(targets[old_code])
        entry = {
            "old_code": old_code,
            "old_province_code": districts[communes_old[old_code]["parent_code"]]["parent_code"],
            "new_codes": new_codes,
            "divided": divided[old_code],
        }
        if entry["divided"]:
            entry["default_new_code"] = default.get(old_code)
        communes.append(entry)
    unmatched["old_communes_without_successor"] = sorted(set(communes_old) - set(targets))
    return {
        "provinces": sorted(province_links, key=lambda x: x["old_code"]),
        "communes": communes,
        "districts_without_communes": [
            {"old_code": code, "new_codes": sorted(codes)} for code, codes in sorted(district_targets.items())
        ],
        "matched_by_code": sorted(by_code_matches.values(), key=lambda x: x["code"]),
        "name_code_conflicts": sorted(conflicts.values(), key=lambda x: x["code_by_name"]),
        "unmatched": {key: sorted(set(values)) for key, values in sorted(unmatched.items())},
    }


# ----- writing ----------------------------------------------------------------------------


def dumps(document: dict) -> str:
    """JSON with one record per line: valid, deterministic, small diffs."""
    lines = ["{"]
    items = list(document.items())
    for position, (key, value) in enumerate(items):
        comma = "," if position < len(items) - 1 else ""
        if isinstance(value, list) and value and isinstance(value[0], dict):
            lines.append(f"  {json.dumps(key)}: [")
            lines += [
                f"    {json.dumps(item, ensure_ascii=False)}{',' if i < len(value) - 1 else ''}"
                for i, item in enumerate(value)
            ]
            lines.append(f"  ]{comma}")
        else:
            lines.append(f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False, sort_keys=True)}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def source(wheel: Wheel, member: str, licence: str) -> dict:
    return {
        "package": wheel.package,
        "version": wheel.version,
        "wheel": wheel.filename,
        "sha256": wheel.sha256,
        "file": member,
        "licence_in_metadata": licence,
    }


def extract(wheels: str | Path | None = None, output_dir: str | Path = DATA_DIR, check: bool = False,
            say: Callable[[str], None] = print) -> None:
    """Read the three wheels (from ``wheels``, else downloaded) and write the files into ``output_dir``;
    with ``check``, write nothing and raise ExtractError if a file there differs."""
    with tempfile.TemporaryDirectory(prefix="admin-units-") as tmp:
        folder = Path(tmp)
        if wheels:
            paths = {w: checked(Path(wheels) / w.filename, w) for w in WHEELS}
        else:
            paths = {w: checked(download(w, folder, say), w) for w in WHEELS}
        licences = {w: stated_licence(paths[w]) for w in WHEELS}
        old_nested = read_json(paths[OLD], NESTED_JSON)
        new_nested = read_json(paths[NEW], NESTED_JSON)
        converter = read_json(paths[CONVERTER], CONVERTER_JSON)
        legacy_rows = read_legacy_rows(paths[CONVERTER], folder)

    before, corrections = before_reform(old_nested)
    after = after_reform(new_nested)
    check_unique(before, BEFORE_FILE)
    check_unique(after, AFTER_FILE)
    links = reform(before, after, converter, legacy_rows)

    documents = {
        BEFORE_FILE: {
            "valid_on": "2025-06-30",
            "levels": ["province", "district", "commune"],
            "source": source(OLD, NESTED_JSON, licences[OLD]),
            "note": (
                "vietnam-provinces 0.6.0 was built from the GSO list of 2025-01-04; kinds come from the "
                "name prefix, since its division_type says huyện for every district and xã for every commune."
            ),
            **before,
        },
        AFTER_FILE: {
            "valid_on": "2025-07-01",
            "levels": ["province", "commune"],
            "source": source(NEW, NESTED_JSON, licences[NEW]),
            **after,
        },
        REFORM_FILE: {
            "date": "2025-07-01",
            "sources": [
                source(CONVERTER, CONVERTER_JSON, licences[CONVERTER]),
                source(CONVERTER, CONVERTER_DB, licences[CONVERTER]),
                source(OLD, NESTED_JSON, licences[OLD]),
                source(NEW, NESTED_JSON, licences[NEW]),
            ],
            "note": (
                "new_codes: the communes of 2025-07-01 an old commune went into, all of it (divided false) "
                "or a part into each (divided true, default_new_code as the converter's default). Keys of "
                "the converter are matched by name; matched_by_code lists the names the two packages spell "
                "differently, matched by the converter dataset's code in the same district."
            ),
            **links,
        },
    }

    out = Path(output_dir)
    differences = []
    for filename, document in documents.items():
        text = dumps(document)
        target = out / filename
        if check:
            if not target.is_file() or target.read_text(encoding="utf-8") != text:
                differences.append(filename)
            continue
        out.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        say(f"Wrote {target} ({target.stat().st_size:,} bytes).")

    say(
        f"2025-06-30: {len(before['provinces'])} provinces, {len(before['districts'])} districts, "
        f"{len(before['communes'])} communes ({len(corrections)} kinds taken from the name prefix)."
    )
    say(
        f"2025-07-01: {len(after['provinces'])} provinces, {len(after['communes'])} communes."
    )
    say(
        f"Reform: {len(links['communes'])} old communes linked, "
        f"{sum(1 for c in links['communes'] if c['divided'])} divided, "
        f"{len(links['matched_by_code'])} matched by code."
    )
    for kind, keys in links["unmatched"].items():
        if keys:
            say(f"Unmatched {kind} ({len(keys)}): {', '.join(keys[:12])}")
    if check:
        if differences:
            raise ExtractError(f"Out of date: {', '.join(differences)}")
        say("The files are up to date.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tracking.data.extract_admin_units",
        description=(
            "Download the pinned wheels of vietnam-provinces 0.6.0 and 2025.10.1 and vietnamadminunits "
            "1.0.4 (pip download, nothing installed or imported) and regenerate tracking/data/*.json."
        ),
    )
    parser.add_argument("--wheels", help="Read the three wheels from this folder instead of downloading them.")
    parser.add_argument("--output-dir", default=str(DATA_DIR), help=f"Where to write (default {DATA_DIR}).")
    parser.add_argument(
        "--check", action="store_true", help="Write nothing; fail if the files in --output-dir differ."
    )
    options = parser.parse_args(argv)
    try:
        extract(wheels=options.wheels, output_dir=options.output_dir, check=options.check)
    except ExtractError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
