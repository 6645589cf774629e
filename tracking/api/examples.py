"""What the docs show beside the operations: the path and query parameters several operations
share, and the examples of successful answers (from the Điện Biên fixtures), which the views
attach with ``extend_schema``."""
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter

from ..periods import PATTERN, QUARTER_PATTERN
from .serializers.common import CODE_PATTERN

# ---------------------------------------------------------------------------------------
# Parameters

CODE_PARAM = OpenApiParameter("code", OpenApiTypes.STR, OpenApiParameter.PATH, pattern=CODE_PATTERN,
                              description="Official code of the unit, e.g. 11 (province) or 100 (district); VN: the nation.")
QUARTER_PARAM = OpenApiParameter("quarter", OpenApiTypes.STR, OpenApiParameter.PATH, pattern=QUARTER_PATTERN,
                                 description="The quarter, e.g. 2019Q2.")
ID_PARAM = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="Id of the record.")
BOUNDARIES_PARAM = OpenApiParameter(
    "boundaries", OpenApiTypes.STR, enum=["historical", "current"],
    description="historical (default): the map as it was in the period; current: today's map "
    "(a unit closed since: its map on its last day).",
)


def period_param(name: str, description: str, quarter: bool = False) -> OpenApiParameter:
    pattern = QUARTER_PATTERN if quarter else PATTERN
    return OpenApiParameter(name, OpenApiTypes.STR, OpenApiParameter.QUERY, pattern=pattern, description=description)


# ---------------------------------------------------------------------------------------
# Examples of successful answers

ARTICLE = (
    "http://nhandan.com.vn/chinhtri/dang-va-cuoc-song/item/"
    "42762402-chon-trong-tam-de-lanh-dao-nang-cao-vai-tro-to-chuc-co-so-dang.html"
)
_PROVINCE = {"code": "11", "name": "Điện Biên", "current_name": "Điện Biên", "level": "province"}
_DISTRICT = {"code": "100", "name": "Điện Biên", "current_name": "Điện Biên", "level": "district"}
_COMMUNE = {"code": "03317", "name": "Nà Nhạn", "current_name": "Nà Nhạn", "level": "commune"}
_GSO_NOTE = "Official code of the General Statistics Office."

UNIT = OpenApiExample("Điện Biên province", response_only=True, value={
    "code": "11", "name": "Điện Biên", "current_name": "Điện Biên", "kind": "tinh", "level": "province", "parent": "VN", "path": "/11/",
    "valid_from": None, "valid_to": None, "source_url": "", "source_location": "", "note": _GSO_NOTE,
})
UNIT_CHILD = OpenApiExample("A commune of huyện Điện Biên", response_only=True, value={
    "code": "03317", "name": "Nà Nhạn", "current_name": "Nà Nhạn", "kind": "xa", "level": "commune", "parent": "100", "path": "/11/100/03317/",
    "valid_from": None, "valid_to": None, "source_url": ARTICLE, "source_location": "paragraph 7",
    "note": "Commune of huyện Điện Biên named in the article.",
})
UNIT_PROGRESS = OpenApiExample("Điện Biên province in 2008", response_only=True, value={
    "unit": _PROVINCE, "period": "2008", "boundaries": "historical", "map_date": "2008-12-31", "as_of_quarter": "2008Q4",
    "villages_total": 7, "blank_villages": 7, "villages_with_members": 0, "villages_with_own_cell": 0,
    "villages_in_merged_cells": 0, "merged_cells": 0, "members": None, "villages_counted": 0,
    "villages_status_only": 7, "villages_carried_forward": 0, "admissions": None, "villages_without_report": 0,
    "source": "village_reports",
    "notes": ["7 villages are known by a status only, not by a count: their members are not in the total."],
    "reported": [
        {"id": 2, "metric": "blank_villages", "value": 134, "period": "2008", "since": None, "unit": _PROVINCE,
         "combined_with": [], "source": "reported_figure", "source_url": ARTICLE, "source_location": "paragraph 3",
         "note": "Villages of the province without a party member in 2008."},
        {"id": 1, "metric": "villages_total", "value": 1459, "period": "2008", "since": None, "unit": _PROVINCE,
         "combined_with": [], "source": "reported_figure", "source_url": ARTICLE, "source_location": "paragraph 3",
         "note": "Villages of the province in 2008."},
    ],
    "lineage": [],
    "approval": {"quarter": "2008Q4", "state": "draft", "approved_by_unit": None},
})
UNIT_TIMELINE = OpenApiExample("Huyện Điện Biên, 2019Q2", response_only=True, value={
    "unit": _DISTRICT, "period": "2019Q2", "boundaries": "historical", "map_date": "2019-06-30", "as_of_quarter": "2019Q2",
    "villages_total": 2, "blank_villages": 0, "villages_with_members": 2, "villages_with_own_cell": 0,
    "villages_in_merged_cells": 0, "merged_cells": 0, "members": None, "villages_counted": 0,
    "villages_status_only": 2, "villages_carried_forward": 0, "admissions": None, "villages_without_report": 0,
    "source": "village_reports",
    "notes": ["2 villages are known by a status only, not by a count: their members are not in the total."],
    "reported": [
        {"id": None, "metric": "blank_villages", "value": 0, "period": "2019", "since": None, "unit": _DISTRICT,
         "combined_with": [], "source": "derived_from_reported_figures",
         "derivation": "11 blank villages in 2008 − 11 of them with members by 2019", "derived_from": [5, 12],
         "source_url": ARTICLE, "source_location": "paragraph 3, paragraph 8", "note": ""},
    ],
    "lineage": [],
    "approval": {"quarter": "2019Q2", "state": "approved", "approved_by_unit": "100"},
})
BLANK_VILLAGE = OpenApiExample("Huổi Chổn in 2008", response_only=True, value={
    "id": 6, "name": "Huổi Chổn", "unit": _COMMUNE, "latest_quarter": "2008Q4",
})
SUBMISSION_RESULT = OpenApiExample("Two villages updated", response_only=True, value={
    "unit": _DISTRICT, "quarter": "2019Q2", "dry_run": False,
    "created": {"count": 0, "ids": [], "villages": []},
    "updated": {"count": 2, "ids": [12, 15], "villages": [6, 7]},
    "unchanged": {"count": 0, "ids": [], "villages": []},
})
VILLAGE = OpenApiExample("Huổi Chổn", response_only=True, value={
    "id": 6, "key": "03317-0001", "name": "Huổi Chổn", "unit": _COMMUNE, "valid_from": None, "valid_to": None,
    "source_url": ARTICLE, "source_location": "paragraph 7",
    "note": "Village of commune Nà Nhạn: blank in 2008, now with members and its own cell.",
})
CELL = OpenApiExample("The cell of Huổi Chổn", response_only=True, value={
    "id": 1, "name": "Chi bộ bản Huổi Chổn", "organisation": None, "founded_on": None, "dissolved_on": None,
    "villages": [6], "source_url": ARTICLE, "source_location": "paragraph 7",
    "note": "The article says the village now has its own party cell; it does not give the founding date.",
})
REPORT = OpenApiExample("Huổi Chổn, 2019Q4", response_only=True, value={
    "id": 13, "village": 6, "quarter": "2019Q4", "full_members": None, "probationary_members": None,
    "members": None, "admissions": None, "ethnic_minority_members": None, "candidates": None,
    "status": "has_own_cell", "cell": 1, "source_url": ARTICLE, "source_location": "paragraph 7",
    "note": "Has members and its own cell at the article's date (2019); status only, no count.",
    "created_at": "2019-06-30T09:00:00+07:00", "updated_at": "2019-06-30T09:00:00+07:00",
    "locked": False, "approval": "submitted",
})
REPORTED_FIGURE = OpenApiExample("134 blank villages in 2008", response_only=True, value={
    "id": 2, "unit": "11", "combined_with": [], "period": "2008", "since": None, "metric": "blank_villages",
    "value": 134, "source_url": ARTICLE, "source_location": "paragraph 3",
    "note": "Villages of the province without a party member in 2008.",
})
GOAL_PROVINCE = OpenApiExample("Điện Biên province: on track", response_only=True, value={
    "id": 1, "title": "Không còn bản chưa có đảng viên — tỉnh Điện Biên", "unit": _PROVINCE,
    "metric": "blank_villages", "target": 0, "set_by": "Tỉnh ủy Điện Biên", "baseline_period": "2008",
    "deadline": None, "as_of": "2019Q4", "baseline": 134,
    "baseline_source": {"value": 134, "period": "2008", "source": "reported_figure", "detail": "", "figure_ids": [2],
                        "source_url": ARTICLE, "source_location": "paragraph 3"},
    "current": 17, "current_period": "2019",
    "current_source": {"value": 17, "period": "2019", "source": "derived_from_reported_figures",
                       "detail": "134 blank villages in 2008 − 117 of them with members by 2019", "figure_ids": [2, 10],
                       "source_url": ARTICLE, "source_location": "paragraph 3, paragraph 8"},
    "resolved": 117, "progress": 0.8731, "status": "on_track", "projected_period": "2021Q3", "data_as_of": "2019",
    "basis": "reported_figure", "explanation": "At 2.66 a quarter (2008Q4 to 2019), zero is reached in 2021Q3.",
    "source_url": ARTICLE, "source_location": "paragraph 3",
})
GOAL_DISTRICT = OpenApiExample("Huyện Điện Biên: achieved in 2019Q2", response_only=True, value={
    "id": 4, "title": "Không còn bản chưa có đảng viên — huyện Điện Biên", "unit": _DISTRICT,
    "metric": "blank_villages", "target": 0, "set_by": "Đảng bộ huyện Điện Biên", "baseline_period": "2008",
    "deadline": None, "as_of": "2019Q4", "baseline": 11,
    "baseline_source": {"value": 11, "period": "2008", "source": "reported_figure", "detail": "", "figure_ids": [5],
                        "source_url": ARTICLE, "source_location": "paragraph 3"},
    "current": 0, "current_period": "2019",
    "current_source": {"value": 0, "period": "2019", "source": "derived_from_reported_figures",
                       "detail": "11 blank villages in 2008 − 11 of them with members by 2019", "figure_ids": [5, 12],
                       "source_url": ARTICLE, "source_location": "paragraph 3, paragraph 8"},
    "resolved": 11, "progress": 1.0, "status": "achieved", "projected_period": "2019Q2", "data_as_of": "2019",
    "basis": "reported_figure", "explanation": "Reached zero in 2019Q2.",
    "source_url": ARTICLE, "source_location": "paragraph 7",
})
REORGANISATION = OpenApiExample("Nà Nhạn moves to Điện Biên Phủ", response_only=True, value={
    "id": 1, "kind": "transfer", "effective_on": "2020-01-01",
    "description": "xã Nà Nhạn (03317) moved from huyện Điện Biên (100) to thành phố Điện Biên Phủ (094)",
    "subject": "03317", "former_name": "", "predecessors": ["100"], "successors": ["094"], "villages_moved": 1,
    "source_url": "", "source_location": "", "note": "", "created_at": "2026-11-26T10:00:00+07:00",
})
RENAMING = OpenApiExample("Thanh Luông becomes Thanh Nưa", response_only=True, value={
    "id": 57, "kind": "rename", "effective_on": "2025-07-01",
    "description": "xã Thanh Luông (03328) đổi tên thành Thanh Nưa",
    "subject": "03328", "former_name": "Thanh Luông", "predecessors": ["03328"], "successors": ["03328"], "villages_moved": 0,
    "source_url": "", "source_location": "", "note": "", "created_at": "2026-11-26T10:00:00+07:00",
})
# Note: one entry of a list; drf-spectacular puts it in the page (``results``).
HISTORY = OpenApiExample("A corrected count", response_only=True, value={
    "at": "2019-07-02T09:15:00+07:00", "user": "huyen-uy-dien-bien", "path": "api", "action": "changed",
    "changes": {"admissions": {"before": 2, "after": 1}},
})
_APPROVED = {
    "unit": _COMMUNE, "quarter": "2019Q2", "state": "approved",
    "submitted_by": "xa-na-nhan", "submitted_at": "2019-07-05T08:30:00+07:00",
    "approved_by": "huyen-uy-dien-bien", "approved_at": "2019-07-10T14:00:00+07:00",
    "reason": "", "updated_at": "2019-07-10T14:00:00+07:00", "locked": True, "approved_by_unit": "03317",
}
APPROVAL = OpenApiExample("Nà Nhạn's 2019Q2, approved", response_only=True, value=_APPROVED)
APPROVAL_DETAIL = OpenApiExample("Nà Nhạn's 2019Q2, approved", response_only=True, value={
    **_APPROVED, "reports": {"villages": 1, "reported": 1},
})
APPROVAL_REOPENED = OpenApiExample("Reopened by the district", response_only=True, value={
    "unit": _COMMUNE, "quarter": "2019Q2", "state": "draft", "submitted_by": None, "submitted_at": None,
    "approved_by": None, "approved_at": None, "reason": "Huổi Chổn's admissions were counted twice.",
    "updated_at": "2019-08-01T10:00:00+07:00", "locked": False, "approved_by_unit": None,
    "reports": {"villages": 1, "reported": 1},
})
APPROVAL_HISTORY = OpenApiExample("Approved", response_only=True, value={
    "at": "2019-07-10T14:00:00+07:00", "user": "huyen-uy-dien-bien", "path": "api", "action": "changed",
    "changes": {"state": {"before": "submitted", "after": "approved"}, "approved_by": {"before": None, "after": 4},
                "approved_at": {"before": None, "after": "2019-07-10 07:00:00+00:00"}},
})
LOCKED = OpenApiExample("locked", status_codes=["409"], response_only=True, value={
    "status": 409, "code": "locked",
    "detail": "2019Q2 of xã Nà Nhạn (03317) was approved by huyen-uy-dien-bien on 2019-07-10: an approver of a unit "
    "above must reopen it before its reports change.",
    "errors": [],
})
MAP_LOCKED = OpenApiExample("locked", status_codes=["409"], response_only=True, value={
    "status": 409, "code": "locked",
    "detail": "2019Q2 of huyện Điện Biên (100) was approved by tinh-uy-dien-bien on 2019-07-15: this change of the map "
    "would change its figures. An approver of a unit above must reopen it first.",
    "errors": [],
})
_NO_COUNTS = dict.fromkeys(("reported_some", "reported_none", "submitted", "approved", "locked"), 0)
_DISTRICT_2019Q2 = {"communes": 25, "reported_all": 2, "without_villages": 23, "draft": 25, "villages": 2,
                    "villages_reported": 2, **_NO_COUNTS}
_UNAPPROVED = {"state": "draft", "submitted_by": None, "submitted_at": None, "approved_by": None, "approved_at": None,
               "reason": "", "locked": False, "approved_by_unit": None}
COMPLETENESS = OpenApiExample("Huyện Điện Biên, 2019Q2, reported=all", response_only=True, value={
    "area": _DISTRICT, "quarter": "2019Q2", "map_date": "2019-06-30",
    "summary": {**_DISTRICT_2019Q2, "by_unit": [{**_DISTRICT_2019Q2, "unit": _DISTRICT, "path": "/11/100/"}]},
    "count": 2, "next": None, "previous": None,
    "results": [
        {"unit": {"code": "03316", "name": "Nà Tấu", "current_name": "Nà Tấu", "level": "commune"}, "path": "/11/100/03316/", "parent": _DISTRICT,
         "villages": 1, "villages_reported": 1, "reported": "all", **_UNAPPROVED},
        {"unit": _COMMUNE, "path": "/11/100/03317/", "parent": _DISTRICT,
         "villages": 1, "villages_reported": 1, "reported": "all", **_UNAPPROVED},
    ],
})
