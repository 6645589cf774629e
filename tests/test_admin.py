"""The data-entry admin: every page renders, in Vietnamese and English; saves go through the
services and show what they refuse next to the field; lists stay at a fixed number of queries."""
import datetime
import re

import pytest
from django.utils import timezone
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from tests import factories
from tests.edges import form_data
from tracking import services
from tracking.access import SYSTEM
from tracking.models import (
    DERIVED_MODELS,
    AdministrativeUnit,
    Goal,
    GoalMetric,
    PartyCell,
    QuarterReport,
    Reorganisation,
    ReorganisationKind,
    UnitPlacement,
    Village,
    VillagePlacement,
)
from tracking.periods import Period
from tracking.services import reorganisations

pytestmark = pytest.mark.django_db

# The audit trail's historical models are read on each record's history page, not registered.
TRACKING_MODELS = sorted(
    (model for model in apps.get_app_config("tracking").get_models()
     if not model.__name__.startswith("Historical") and model not in DERIVED_MODELS),
    key=lambda model: model.__name__,
)
READ_ONLY_MODELS = {UnitPlacement, VillagePlacement, Reorganisation}
HUYEN_DIEN_BIEN = 8
NA_NHAN = 12
NA_TAU = 13
END_OF_2019Q2 = datetime.date(2019, 6, 30)


@pytest.fixture(autouse=True)
def dien_bien(db):
    """The article's facts, plus one grassroots organisation (the article names none).

    On the map as the article knew it, before any change is recorded: the tests record the
    changes themselves, through the admin.
    """
    call_command("loaddata", "dien_bien_article", verbosity=0)
    services.organisation_create(by=SYSTEM, name="Đảng bộ xã Nà Nhạn", unit=AdministrativeUnit.objects.get(pk=NA_NHAN))


@pytest.fixture(autouse=True)
def _default_language():
    yield
    # LocaleMiddleware leaves the last request's language active in this thread.
    translation.deactivate()


def url(model, view: str, *args) -> str:
    return reverse(f"admin:tracking_{model._meta.model_name}_{view}", args=args)


def row_of(content: str, link: str) -> str:
    """The changelist row that links to ``link``."""
    position = content.index(f'href="{link}"')
    return content[content.rindex("<tr", 0, position) : content.index("</tr>", position)]


def count_queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def hand_built_transfer() -> Reorganisation:
    """A commune moved to another district, on units built for the test beside the fixtures."""
    province = factories.province(code="98", name="Tỉnh thử")
    first = factories.district(province, code="980", name="Huyện Một")
    second = factories.district(province, code="981", name="Huyện Hai")
    commune = factories.commune(first, code="98001", name="Xã Thử")
    factories.village(commune, name="Bản Thử")
    return reorganisations.unit_transfer(by=SYSTEM, unit=commune, parent=second, on=datetime.date(2020, 1, 1))


def open_action(client, action: str, selected: list[int], language: str = "en"):
    """Choose an action for the selected units in the unit list, as its Go button does."""
    data = {"action": action, "_selected_action": [str(pk) for pk in selected], "index": 0}
    return client.post(url(AdministrativeUnit, "changelist"), data, HTTP_ACCEPT_LANGUAGE=language)


def apply_action(client, action: str, selected: list[int], **fields):
    """Submit an action's form, as its page posts it back to the unit list."""
    data = {"action": action, "_selected_action": [str(pk) for pk in selected], "apply": "yes", **fields}
    return client.post(url(AdministrativeUnit, "changelist"), data, HTTP_ACCEPT_LANGUAGE="en", follow=True)


def map_snapshot() -> tuple:
    """Every placement row and event, to show that a refused event changed nothing."""
    fields = ("unit", "path", "valid_from", "valid_to")
    return (
        set(UnitPlacement.objects.values_list("pk", *fields)),
        set(VillagePlacement.objects.values_list("pk", "village", *fields)),
        set(AdministrativeUnit.objects.values_list("pk", "name", "valid_to")),
        Reorganisation.objects.count(),
    )


# ---------------------------------------------------------------------------------------
# Every page renders


def test_every_model_is_registered(admin_client):
    assert {model.__name__ for model in TRACKING_MODELS} == {
        "AdministrativeUnit", "UnitPlacement", "Village", "VillagePlacement", "GrassrootsOrganisation",
        "PartyCell", "CellCoverage", "QuarterReport", "ReportedFigure", "Goal", "Reorganisation", "RoleGrant", "QuarterApproval",
    }
    index = admin_client.get(reverse("admin:app_list", args=["tracking"])).content.decode()
    for model in TRACKING_MODELS:
        assert url(model, "changelist") in index


@pytest.mark.parametrize("model", TRACKING_MODELS, ids=lambda model: model.__name__)
def test_changelist_renders(admin_client, model):
    assert admin_client.get(url(model, "changelist")).status_code == 200


@pytest.mark.parametrize("model", TRACKING_MODELS, ids=lambda model: model.__name__)
def test_add_page_renders_except_for_read_only_models(admin_client, model):
    expected = 403 if model in READ_ONLY_MODELS else 200
    assert admin_client.get(url(model, "add")).status_code == expected


@pytest.mark.parametrize("model", TRACKING_MODELS, ids=lambda model: model.__name__)
def test_change_page_renders(admin_client, admin_user, model):
    from tracking.models import QuarterApproval, RoleGrant

    unit = AdministrativeUnit.objects.get(code="11")
    made = {
        Reorganisation: hand_built_transfer,
        RoleGrant: lambda: RoleGrant.objects.create(user=admin_user, unit=unit, role="viewer"),
        QuarterApproval: lambda: QuarterApproval.objects.create(unit=unit, quarter=Period.parse("2019Q2")),
    }
    obj = made[model]() if model in made else model.objects.order_by("pk").first()
    assert admin_client.get(url(model, "change", obj.pk)).status_code == 200


def test_placements_are_shown_but_not_editable(admin_client):
    content = admin_client.get(url(VillagePlacement, "change", 6)).content.decode()
    assert "/11/100/03317/" in content
    assert 'name="unit"' not in content
    assert admin_client.post(url(VillagePlacement, "change", 6), {"unit": 8}).status_code == 403
    assert VillagePlacement.objects.get(pk=6).unit_id == NA_NHAN


def test_village_change_page_shows_reports_and_placements_but_add_page_does_not(admin_client):
    change = admin_client.get(url(Village, "change", 6))
    inlines = {inline.formset.model for inline in change.context["inline_admin_formsets"]}
    assert inlines == {QuarterReport, VillagePlacement}
    assert "2019Q4" in change.content.decode()
    add = admin_client.get(url(Village, "add"))
    assert add.context["inline_admin_formsets"] == []
    assert "unit" in add.context["adminform"].form.fields


# ---------------------------------------------------------------------------------------
# Changes of the map: recorded by the unit list's actions, shown read-only

D = datetime.date
PROVINCE_DIEN_BIEN = 1
TP_DIEN_BIEN_PHU = 2
MUONG_LAY = 3
NAM_PO = 11
HUOI_CHON = 6
HOA = 7
ACTIONS = [
    ("transfer_units", [NA_NHAN, NA_TAU]),
    ("rename_unit", [NA_NHAN]),
    ("merge_units", [NA_NHAN, NA_TAU]),
    ("split_unit", [HUYEN_DIEN_BIEN]),
    ("abolish_districts", [PROVINCE_DIEN_BIEN]),
]


def test_reorganisation_page_links_the_units_before_and_after_and_cannot_be_edited(admin_client):
    event = hand_built_transfer()
    change_url = url(Reorganisation, "change", event.pk)
    content = admin_client.get(change_url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "xã Xã Thử (98001) moved from huyện Huyện Một (980) to huyện Huyện Hai (981)" in content
    for unit in (*event.predecessors.all(), *event.successors.all()):
        assert f'<a href="{url(AdministrativeUnit, "change", unit.pk)}">{unit}</a>' in content
    assert 'name="description"' not in content
    assert admin_client.post(change_url, {"description": "edited"}).status_code == 403
    assert admin_client.post(url(Reorganisation, "delete", event.pk), {"post": "yes"}).status_code == 403
    assert Reorganisation.objects.get(pk=event.pk).description == event.description


def test_reorganisation_list_filters_by_kind_and_searches_descriptions(admin_client):
    transfer = hand_built_transfer()
    na_tau = AdministrativeUnit.objects.get(pk=NA_TAU)
    rename = reorganisations.unit_rename(by=SYSTEM, unit=na_tau, name="Nà Tấu Mới", on=D(2021, 1, 1))
    path = url(Reorganisation, "changelist")
    renames = admin_client.get(path, {"kind": ReorganisationKind.RENAME}).context["cl"]
    assert list(renames.result_list) == [rename]
    found = admin_client.get(path, {"q": "Huyện Hai"}).context["cl"]
    assert list(found.result_list) == [transfer]
    content = admin_client.get(path, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    row = row_of(content, url(Reorganisation, "change", transfer.pk))
    assert "transfer to another parent" in row
    assert "<td class=\"field-villages_moved\">1</td>" in row


@pytest.mark.parametrize(("action", "units"), ACTIONS, ids=[action for action, _ in ACTIONS])
def test_each_action_shows_its_form_for_the_selected_units(admin_client, action, units):
    response = open_action(admin_client, action, units)
    assert response.status_code == 200
    assert "admin/tracking/map_change.html" in [template.name for template in response.templates]
    content = response.content.decode()
    for pk in units:
        assert str(AdministrativeUnit.objects.get(pk=pk)) in content
        assert f'<input type="hidden" name="_selected_action" value="{pk}">' in content
    assert f'<input type="hidden" name="action" value="{action}">' in content
    assert 'name="effective_on"' in content
    assert not Reorganisation.objects.exists()


def test_action_form_is_in_vietnamese_when_the_browser_asks_for_vi(admin_client):
    content = open_action(admin_client, "transfer_units", [NA_NHAN], language="vi").content.decode()
    assert "Chuyển sang đơn vị cấp trên khác" in content
    assert "Đơn vị cấp trên mới" in content
    assert "Ghi nhận thay đổi" in content


def test_split_form_offers_the_units_under_the_unit(admin_client):
    form = open_action(admin_client, "split_unit", [HUYEN_DIEN_BIEN]).context["form"]
    assert sorted(form.fields["units"].queryset.values_list("pk", flat=True)) == [NA_NHAN, NA_TAU]
    assert "villages" not in form.fields  # no village sits directly in huyện Điện Biên


@pytest.mark.parametrize(
    ("action", "units", "reason"),
    [
        ("rename_unit", [NA_NHAN, NA_TAU], "Select exactly one unit for this action."),
        ("abolish_districts", [HUYEN_DIEN_BIEN], "Select a province for this action."),
    ],
)
def test_action_for_a_wrong_selection_goes_back_to_the_list_with_the_reason(admin_client, action, units, reason):
    response = apply_action(admin_client, action, units, effective_on="2020-01-01", name="Tên mới")
    assert response.redirect_chain == [(url(AdministrativeUnit, "changelist"), 302)]
    assert reason in [str(message) for message in response.context["messages"]]
    assert not Reorganisation.objects.exists()


def test_transfer_moves_the_commune_and_its_villages_from_the_effective_date(admin_client):
    source = "https://thuvienphapluat.vn/van-ban/Bo-may-hanh-chinh/Nghi-quyet-794-NQ-UBTVQH14.aspx"
    response = apply_action(
        admin_client, "transfer_units", [NA_NHAN], parent=TP_DIEN_BIEN_PHU, effective_on="2020-01-01",
        source_url=source, source_location="Article 1",
    )
    assert response.redirect_chain == [(url(AdministrativeUnit, "changelist"), 302)]
    placements = VillagePlacement.objects.filter(village=HUOI_CHON)
    assert set(placements.values_list("unit", "path", "valid_from", "valid_to")) == {
        (NA_NHAN, "/11/100/03317/", None, D(2020, 1, 1)),
        (NA_NHAN, "/11/094/03317/", D(2020, 1, 1), None),
    }
    assert AdministrativeUnit.objects.get(pk=NA_TAU).path_on(D(2020, 1, 1)) == "/11/100/03316/"
    event = Reorganisation.objects.get()
    assert (event.kind, event.effective_on, event.subject_id, event.villages_moved) == (
        ReorganisationKind.TRANSFER, D(2020, 1, 1), NA_NHAN, 1,
    )
    assert list(event.predecessors.values_list("pk", flat=True)) == [HUYEN_DIEN_BIEN]
    assert list(event.successors.values_list("pk", flat=True)) == [TP_DIEN_BIEN_PHU]
    assert (event.source_url, event.source_location) == (source, "Article 1")
    assert event.description == "xã Nà Nhạn (03317) moved from huyện Điện Biên (100) to thành phố Điện Biên Phủ (094)"
    assert f"Recorded, effective 2020-01-01: {event.description}." in [str(m) for m in response.context["messages"]]
    # The village's page shows its history: both placements.
    village_page = admin_client.get(url(Village, "change", HUOI_CHON)).content.decode()
    assert "/11/100/03317/" in village_page and "/11/094/03317/" in village_page


def test_transfer_of_several_units_is_all_or_nothing(admin_client):
    # Huổi Chổn leaves Nà Nhạn for Mường Lay in 2021: Nà Nhạn cannot move, with it, on an
    # earlier date any more. Nà Tấu, first in the list, could.
    lay_nua = factories.commune(AdministrativeUnit.objects.get(pk=MUONG_LAY), code="03201", name="Lay Nưa")
    reorganisations.village_move(by=SYSTEM, village=Village.objects.get(pk=HUOI_CHON), unit=lay_nua, on=D(2021, 1, 1))
    before = map_snapshot()
    response = apply_action(
        admin_client, "transfer_units", [NA_NHAN, NA_TAU], parent=TP_DIEN_BIEN_PHU, effective_on="2020-01-01",
    )
    assert response.status_code == 200
    [reason] = response.context["form"].non_field_errors()
    assert reason.startswith("xã Nà Nhạn (03317): Huổi Chổn ⊂ xã Lay Nưa (03201) already changes on 2021-01-01")
    assert "record changes in date order" in reason
    assert reason in response.content.decode()
    assert map_snapshot() == before  # Nà Tấu did not move either
    apply_action(admin_client, "transfer_units", [NA_TAU], parent=TP_DIEN_BIEN_PHU, effective_on="2020-01-01")
    assert AdministrativeUnit.objects.get(pk=NA_TAU).path_on(D(2020, 1, 1)) == "/11/094/03316/"


def test_refused_transfer_shows_the_reason_next_to_the_parent(admin_client):
    before = map_snapshot()
    response = apply_action(admin_client, "transfer_units", [NA_NHAN], parent=NAM_PO, effective_on="2010-01-01")
    assert response.status_code == 200
    assert response.context["form"].errors == {"parent": ["huyện Nậm Pồ (103) is not on the map on 2010-01-01."]}
    content = response.content.decode()
    start = content.index("form-row errors field-parent")
    parent_row = content[start : content.index('class="form-row', start + 1)]
    assert "is not on the map on 2010-01-01" in parent_row
    assert map_snapshot() == before


def test_abolishing_districts_with_a_village_directly_in_one_is_refused(admin_client):
    before = map_snapshot()
    response = apply_action(admin_client, "abolish_districts", [PROVINCE_DIEN_BIEN], effective_on="2025-07-01")
    assert response.status_code == 200
    [reason] = response.context["form"].non_field_errors()
    assert "belongs directly to huyện Điện Biên Đông (101): move it to a commune" in reason
    assert reason in response.content.decode()
    assert map_snapshot() == before


def test_abolishing_districts_can_place_villages_without_a_commune_in_the_province(admin_client):
    response = apply_action(admin_client, "abolish_districts", [PROVINCE_DIEN_BIEN], effective_on="2025-07-01",
                            villages_up="on")
    assert response.redirect_chain
    paths = VillagePlacement.objects.active_on(D(2025, 7, 1)).values_list("village", "path")
    assert dict(paths) == {
        1: "/11/", 2: "/11/", 3: "/11/", 4: "/11/", 5: "/11/", HUOI_CHON: "/11/03317/", HOA: "/11/03316/",
    }
    description = Reorganisation.objects.get().description
    assert "5 villages whose commune is not known now sit directly in tỉnh Điện Biên (11)" in description


def test_abolishing_districts_moves_the_communes_up_to_the_province(admin_client):
    event = hand_built_transfer()
    province = AdministrativeUnit.objects.get(code="98")
    response = apply_action(admin_client, "abolish_districts", [province.pk], effective_on="2025-07-01")
    assert response.redirect_chain
    commune = AdministrativeUnit.objects.get(code="98001")
    assert commune.path_on(D(2025, 7, 1)) == "/98/98001/"
    assert commune.path_on(D(2025, 6, 30)) == "/98/981/98001/"
    assert not AdministrativeUnit.objects.filter(code__in=["980", "981"], valid_to__isnull=True).exists()
    abolition = Reorganisation.objects.exclude(pk=event.pk).get()
    assert (abolition.kind, abolition.villages_moved) == (ReorganisationKind.ABOLISH_LEVEL, 1)


def test_rename_keeps_the_former_name_in_the_event(admin_client):
    response = apply_action(admin_client, "rename_unit", [NA_NHAN], name="Thanh Nưa", effective_on="2021-01-01")
    assert response.redirect_chain
    assert AdministrativeUnit.objects.get(pk=NA_NHAN).name == "Thanh Nưa"
    event = Reorganisation.objects.get()
    assert event.kind == ReorganisationKind.RENAME
    assert event.description == "xã Nà Nhạn (03317) renamed Thanh Nưa"


def test_merge_into_a_new_unit_moves_the_villages_of_both(admin_client):
    response = apply_action(
        admin_client, "merge_units", [NA_NHAN, NA_TAU], effective_on="2025-07-01",
        new_code="03318", new_name="Nà Nhạn Nà Tấu", new_kind="xa",
    )
    assert response.redirect_chain
    merged = AdministrativeUnit.objects.get(code="03318")
    assert set(Village.objects.within(merged, D(2025, 7, 1)).values_list("pk", flat=True)) == {HUOI_CHON, HOA}
    closed = AdministrativeUnit.objects.filter(pk__in=[NA_NHAN, NA_TAU]).values_list("valid_to", flat=True)
    assert set(closed) == {D(2025, 7, 1)}
    event = Reorganisation.objects.get()
    assert (event.kind, event.villages_moved) == (ReorganisationKind.MERGE, 2)


def test_merge_needs_one_target(admin_client):
    neither = apply_action(admin_client, "merge_units", [NA_NHAN, NA_TAU], effective_on="2025-07-01")
    assert neither.context["form"].non_field_errors() == [
        "Choose the unit to merge into, or give the code, name and kind of a new one."
    ]
    half = apply_action(admin_client, "merge_units", [NA_NHAN, NA_TAU], effective_on="2025-07-01", new_code="03318")
    assert set(half.context["form"].errors) == {"new_name", "new_kind"}
    both = apply_action(
        admin_client, "merge_units", [NA_NHAN, NA_TAU], effective_on="2025-07-01", into=NA_NHAN, new_code="03318",
    )
    assert both.context["form"].non_field_errors() == ["Merge into an existing unit or into a new one, not both."]
    assert not Reorganisation.objects.exists()


def test_split_moves_the_chosen_commune_to_the_new_district(admin_client):
    response = apply_action(
        admin_client, "split_unit", [HUYEN_DIEN_BIEN], effective_on="2020-01-01",
        code="104", name="Nà Tấu", kind="huyen", units=[NA_TAU],
    )
    assert response.redirect_chain
    assert AdministrativeUnit.objects.get(pk=NA_TAU).path_on(D(2020, 1, 1)) == "/11/104/03316/"
    assert AdministrativeUnit.objects.get(pk=NA_NHAN).path_on(D(2020, 1, 1)) == "/11/100/03317/"
    event = Reorganisation.objects.get()
    assert (event.kind, event.villages_moved) == (ReorganisationKind.SPLIT, 1)
    assert set(event.successors.values_list("code", flat=True)) == {"100", "104"}


def test_split_that_would_leave_the_original_with_nothing_to_close_is_refused(admin_client):
    before = map_snapshot()
    response = apply_action(
        admin_client, "split_unit", [HUYEN_DIEN_BIEN], effective_on="2020-01-01",
        code="104", name="Nà Tấu", kind="huyen", units=[NA_TAU], close_original="on",
    )
    assert response.status_code == 200
    [reason] = response.context["form"].non_field_errors()
    assert "still has 1 villages on 2020-01-01" in reason
    assert map_snapshot() == before


# ---------------------------------------------------------------------------------------
# Labels in both languages


def test_labels_are_vietnamese_when_the_browser_asks_for_vi(admin_client):
    content = admin_client.get(url(Village, "changelist"), HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    assert "Chọn bản để thay đổi" in content
    assert "có chi bộ riêng" in content  # the latest state of Huổi Chổn and Hoa
    assert "Select village to change" not in content
    report_form = admin_client.get(url(QuarterReport, "add"), HTTP_ACCEPT_LANGUAGE="vi").content.decode()
    for label in ("Đảng viên chính thức", "Đảng viên dự bị", "Kết nạp trong quý", "Quần chúng ưu tú đang bồi dưỡng"):
        assert label in report_form


def test_labels_are_english_when_the_browser_asks_for_en(admin_client):
    content = admin_client.get(url(Village, "changelist"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Select village to change" in content
    assert "own cell" in content
    assert "Chọn bản" not in content


# ---------------------------------------------------------------------------------------
# Saving through the services


def test_rejected_report_shows_the_reason_next_to_admissions_and_saves_nothing(admin_client):
    before = QuarterReport.objects.count()
    response = admin_client.post(
        url(QuarterReport, "add"),
        {"village": 6, "quarter": "2020Q1", "full_members": 3, "probationary_members": 1, "admissions": 2},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    message = (
        "Admissions (2) cannot exceed the probationary members (1): every new member starts on probation."
    )
    assert response.context["adminform"].form.errors == {"admissions": [message]}
    content = response.content.decode()
    admissions_row = content[content.index("field-admissions") : content.index("field-ethnic_minority_members")]
    assert message in admissions_row
    assert QuarterReport.objects.count() == before


def test_report_added_through_the_admin_is_saved_by_the_service(admin_client):
    response = admin_client.post(
        url(QuarterReport, "add"),
        {"village": 6, "quarter": "2020Q1", "full_members": 3, "probationary_members": 1, "admissions": 1, "cell": 1},
    )
    assert response.status_code == 302
    report = QuarterReport.objects.get(village=6, quarter="2020Q1")
    assert (report.members, report.admissions, report.cell_id) == (4, 1, 1)


def test_report_change_keeps_fields_the_form_does_not_show(admin_client):
    report = QuarterReport.objects.get(village=6, quarter="2019Q4")
    data = form_data(admin_client.get(url(QuarterReport, "change", report.pk)))
    data["note"] = "Checked against the commune's register."
    assert admin_client.post(url(QuarterReport, "change", report.pk), data).status_code == 302
    report.refresh_from_db()
    assert report.note == "Checked against the commune's register."
    assert report.source_url.startswith("http")
    assert report.status == "has_own_cell"


def test_report_added_in_the_village_page_goes_through_the_service(admin_client):
    change_url = url(Village, "change", 6)
    data = form_data(admin_client.get(change_url))
    extra = int(data["reports-TOTAL_FORMS"]) - 1
    data.update({f"reports-{extra}-quarter": "2020Q1", f"reports-{extra}-full_members": 4,
                 f"reports-{extra}-probationary_members": 2, f"reports-{extra}-admissions": 3})
    rejected = admin_client.post(change_url, data)
    assert rejected.status_code == 200
    assert "admissions" in rejected.context["inline_admin_formsets"][1].formset.errors[extra]
    assert not QuarterReport.objects.filter(village=6, quarter="2020Q1").exists()

    data[f"reports-{extra}-admissions"] = 2
    assert admin_client.post(change_url, data).status_code == 302
    assert QuarterReport.objects.get(village=6, quarter="2020Q1").members == 6
    assert QuarterReport.objects.filter(village=6).count() == 4


def test_report_deleted_in_the_village_page_goes_through_the_service(admin_client):
    change_url = url(Village, "change", 6)
    data = form_data(admin_client.get(change_url))
    row = next(key for key, value in data.items() if key.endswith("-quarter") and value == "2019Q2")
    data[row.replace("-quarter", "-DELETE")] = "on"
    assert admin_client.post(change_url, data).status_code == 302
    assert sorted(map(str, QuarterReport.objects.filter(village=6).values_list("quarter", flat=True))) == [
        "2008Q4", "2019Q4",
    ]


def test_saved_report_keeps_its_quarter_in_the_village_page(admin_client):
    change_url = url(Village, "change", 6)
    data = form_data(admin_client.get(change_url))
    first = next(key for key, value in data.items() if key.endswith("-quarter") and value == "2008Q4")
    data[first] = "2009Q4"
    response = admin_client.post(change_url, data)
    assert response.status_code == 200
    assert not QuarterReport.objects.filter(village=6, quarter="2009Q4").exists()


def test_village_add_places_the_village_through_the_service(admin_client):
    data = form_data(admin_client.get(url(Village, "add")))
    data.update(name="Bản Mới", unit=NA_NHAN)
    assert admin_client.post(url(Village, "add"), data).status_code == 302
    village = Village.objects.get(name="Bản Mới")
    assert list(village.placements.values_list("path", flat=True)) == ["/11/100/03317/"]


def test_village_add_shows_what_the_service_refuses_next_to_unit(admin_client):
    # Nậm Pồ exists only since 2012: a village known "since before the records" cannot sit in it.
    data = form_data(admin_client.get(url(Village, "add")))
    data.update(name="Bản Mới", unit=11, valid_from="", on_every_past_map="on")
    response = admin_client.post(url(Village, "add"), data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "does not exist for the whole life of the village" in str(response.context["adminform"].form.errors["unit"])
    assert not Village.objects.filter(name="Bản Mới").exists()


def test_a_village_added_in_the_admin_begins_today_unless_told_it_is_on_every_past_map(admin_client):
    data = form_data(admin_client.get(url(Village, "add")))
    assert data["valid_from"]  # today's date, offered
    data.update(name="Bản Hôm Nay", unit=NA_NHAN)
    assert admin_client.post(url(Village, "add"), data).status_code == 302
    assert Village.objects.get(name="Bản Hôm Nay").valid_from == timezone.localdate()
    # An empty start joins every past map: only when the user says so.
    data.update(name="Bản Xưa", valid_from="")
    response = admin_client.post(url(Village, "add"), data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "no start date" in str(response.context["adminform"].form.errors["valid_from"])
    assert not Village.objects.filter(name="Bản Xưa").exists()
    data["on_every_past_map"] = "on"
    assert admin_client.post(url(Village, "add"), data).status_code == 302
    assert Village.objects.get(name="Bản Xưa").valid_from is None


def test_unit_add_goes_through_the_service(admin_client):
    data = form_data(admin_client.get(url(AdministrativeUnit, "add")))
    data.update(code="03318", name="Mường Pồn", kind="xa", level=3, parent=HUYEN_DIEN_BIEN)
    assert admin_client.post(url(AdministrativeUnit, "add"), data).status_code == 302
    assert AdministrativeUnit.objects.get(code="03318").path_on(END_OF_2019Q2) == "/11/100/03318/"


def test_closing_a_unit_that_still_has_villages_is_refused_on_the_form(admin_client):
    change_url = url(AdministrativeUnit, "change", 9)
    data = form_data(admin_client.get(change_url))
    data["valid_to"] = "2025-07-01"
    response = admin_client.post(change_url, data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "5 villages still belong to this unit" in str(response.context["adminform"].form.errors["valid_to"])
    assert AdministrativeUnit.objects.get(pk=9).valid_to is None
    assert not UnitPlacement.objects.filter(unit=9, valid_to__isnull=False).exists()


def test_goal_change_goes_through_the_service(admin_client):
    data = form_data(admin_client.get(url(Goal, "change", 4)))
    data["deadline"] = "2007"
    response = admin_client.post(url(Goal, "change", 4), data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"deadline": ["The deadline comes after the baseline period."]}
    data["deadline"] = "2020"
    assert admin_client.post(url(Goal, "change", 4), data).status_code == 302
    assert str(Goal.objects.get(pk=4).deadline) == "2020"


def test_cell_add_serves_its_villages_through_the_service(admin_client):
    data = form_data(admin_client.get(url(PartyCell, "add")))
    data.update(name="Chi bộ ghép Thẩm Chấu – Háng Pa", villages=["1", "2"])
    assert admin_client.post(url(PartyCell, "add"), data).status_code == 302
    cell = PartyCell.objects.get(name="Chi bộ ghép Thẩm Chấu – Háng Pa")
    assert sorted(cell.villages_served_on(END_OF_2019Q2)) == [1, 2]


def test_report_delete_goes_through_the_service(admin_client):
    report = QuarterReport.objects.get(village=6, quarter="2019Q4")
    response = admin_client.post(url(QuarterReport, "delete", report.pk), {"post": "yes"})
    assert response.status_code == 302
    assert not QuarterReport.objects.filter(pk=report.pk).exists()


def test_only_reports_can_be_deleted(admin_client):
    assert admin_client.get(url(Village, "delete", 1)).status_code == 403
    assert admin_client.get(url(QuarterReport, "delete", 1)).status_code == 200


# ---------------------------------------------------------------------------------------
# Lists: filters, figures and query counts


def test_village_filter_by_district_narrows_the_list(admin_client):
    everything = admin_client.get(url(Village, "changelist")).context["cl"]
    assert everything.result_count == 7
    changelist = admin_client.get(url(Village, "changelist"), {"district": HUYEN_DIEN_BIEN}).context["cl"]
    assert sorted(village.name for village in changelist.result_list) == ["Hoa", "Huổi Chổn"]
    communes = next(spec for spec in changelist.filter_specs if spec.parameter_name == "commune")
    district_communes = AdministrativeUnit.objects.filter(pk__in=[NA_NHAN, NA_TAU])
    assert sorted(name for _, name in communes.lookup_choices) == sorted(map(str, district_communes))
    commune = admin_client.get(url(Village, "changelist"), {"commune": NA_NHAN}).context["cl"]
    assert [village.name for village in commune.result_list] == ["Huổi Chổn"]


def test_report_filters_by_district_and_quarter(admin_client):
    changelist = admin_client.get(url(QuarterReport, "changelist"), {"quarter": "2019Q2"}).context["cl"]
    quarters = next(spec for spec in changelist.filter_specs if spec.parameter_name == "quarter")
    assert [value for value, _ in quarters.lookup_choices] == ["2019Q4", "2019Q2", "2008Q4"]
    assert sorted(str(report) for report in changelist.result_list) == ["Hoa 2019Q2", "Huổi Chổn 2019Q2"]
    district = admin_client.get(url(QuarterReport, "changelist"), {"district": 9, "quarter": "2019Q4"}).context["cl"]
    assert district.result_count == 5
    assert admin_client.get(url(QuarterReport, "changelist"), {"quarter": "2019Q9"}).status_code == 302


def test_village_list_shows_each_latest_state(admin_client):
    commune = AdministrativeUnit.objects.get(pk=NA_NHAN)
    no_report = services.village_create(by=SYSTEM, name="Bản Chưa Báo Cáo", unit=commune)
    blank = services.village_create(by=SYSTEM, name="Bản Trắng", unit=commune)
    services.quarter_report_submit(by=SYSTEM, village=blank, quarter="2020Q1", full_members=0, probationary_members=0)
    merged = PartyCell.objects.get(pk=services.cell_create(by=SYSTEM, name="Chi bộ ghép", villages=[no_report, blank]).pk)
    in_merged = Village.objects.get(pk=1)
    services.cell_coverage_add(by=SYSTEM, cell=merged, village=in_merged)
    services.quarter_report_submit(by=SYSTEM, village=in_merged, quarter="2020Q1", full_members=2, probationary_members=1, cell=merged)
    content = admin_client.get(url(Village, "changelist"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "no report" in row_of(content, url(Village, "change", no_report.pk))
    assert "blank" in row_of(content, url(Village, "change", blank.pk))
    assert "merged cell" in row_of(content, url(Village, "change", 1))
    assert "has members" in row_of(content, url(Village, "change", 2))
    assert "own cell" in row_of(content, url(Village, "change", 6))
    assert "Nà Nhạn (03317)" in row_of(content, url(Village, "change", 6))


def test_goal_list_shows_huyen_dien_bien_achieved(admin_client):
    content = admin_client.get(url(Goal, "changelist"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    row = row_of(content, url(Goal, "change", 4))
    assert "achieved" in row
    assert "100%" in row
    change = admin_client.get(url(Goal, "change", 4), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "achieved" in change
    assert "Reached zero in 2019Q2." in change


def test_goal_list_renders_in_a_fixed_number_of_queries(admin_client, django_assert_max_num_queries):
    path = url(Goal, "changelist")
    count_queries(admin_client, path)
    few = count_queries(admin_client, path)
    for unit in AdministrativeUnit.objects.all():
        for metric in GoalMetric.values:
            services.goal_save(by=SYSTEM, goal=Goal(unit=unit, title=f"{metric} {unit.name}", metric=metric,
                                         baseline_period="2008", set_by="Tỉnh ủy Điện Biên"))
    assert Goal.objects.count() > 40
    with django_assert_max_num_queries(few):
        admin_client.get(path)


def test_village_list_renders_in_a_fixed_number_of_queries(admin_client, django_assert_max_num_queries):
    path = url(Village, "changelist")
    count_queries(admin_client, path)
    few = count_queries(admin_client, path)
    commune = AdministrativeUnit.objects.get(pk=NA_NHAN)
    villages = [services.village_create(by=SYSTEM, name=f"Bản {number}", unit=commune) for number in range(60)]
    cell = services.cell_create(by=SYSTEM, name="Chi bộ ghép", villages=villages[:20])
    for number, village in enumerate(villages[:40]):
        members = number % 3
        services.quarter_report_submit(by=SYSTEM,
            village=village, quarter="2020Q1", full_members=members, probationary_members=0,
            cell=cell if members and number < 20 else None,
        )
    with django_assert_max_num_queries(few):
        admin_client.get(path)


# ---------------------------------------------------------------------------------------
# The nation, root of the map

NATION = 14


def test_the_nation_is_listed_first_and_filtered_by_its_level(admin_client):
    listed = admin_client.get(url(AdministrativeUnit, "changelist"), HTTP_ACCEPT_LANGUAGE="en")
    assert listed.context["cl"].result_list[0].code == "VN"
    only = admin_client.get(url(AdministrativeUnit, "changelist"), {"level__exact": "0"}, HTTP_ACCEPT_LANGUAGE="vi")
    assert [unit.code for unit in only.context["cl"].result_list] == ["VN"]
    assert "quốc gia" in only.content.decode()  # the level's label, in Vietnamese


def test_the_nations_page_shows_it_as_the_root(admin_client):
    content = admin_client.get(url(AdministrativeUnit, "change", NATION), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Việt Nam (VN)" in content
    assert re.search(r'<td class="field-path">\s*<p>/</p>', content)  # its placement: the path "/"


def test_a_province_added_without_a_parent_goes_under_the_nation(admin_client):
    data = form_data(admin_client.get(url(AdministrativeUnit, "add")))
    data.update(code="12", name="Lai Châu", kind="tinh", level=1)
    assert admin_client.post(url(AdministrativeUnit, "add"), data).status_code == 302
    added = AdministrativeUnit.objects.get(code="12")
    assert (added.parent_on(END_OF_2019Q2).pk, added.path_on(END_OF_2019Q2)) == (NATION, "/12/")


@pytest.mark.parametrize(
    ("action", "reason"),
    [
        ("transfer_units", "The nation is the root of the map: it does not move."),
        ("merge_units", "The nation is the root of the map: it is not merged."),
        ("split_unit", "The nation is the root of the map: it is not split."),
        ("abolish_districts", "Select a province for this action."),
    ],
)
def test_a_change_of_the_map_that_would_reshape_the_nation_is_refused_before_its_form(admin_client, action, reason):
    before = map_snapshot()
    response = apply_action(admin_client, action, [NATION, PROVINCE_DIEN_BIEN] if action == "merge_units" else [NATION],
                            effective_on="2020-01-01", parent=PROVINCE_DIEN_BIEN, into=PROVINCE_DIEN_BIEN)
    assert response.redirect_chain == [(url(AdministrativeUnit, "changelist"), 302)]
    assert reason in [str(message) for message in response.context["messages"]]
    assert map_snapshot() == before


def test_a_province_is_offered_only_the_nation_as_its_new_parent(admin_client):
    form = open_action(admin_client, "transfer_units", [PROVINCE_DIEN_BIEN]).context["form"]
    assert list(form.fields["parent"].queryset.values_list("pk", flat=True)) == [NATION]
    response = apply_action(admin_client, "transfer_units", [PROVINCE_DIEN_BIEN], parent=NATION, effective_on="2020-01-01")
    assert "already sits under" in str(response.context["form"].errors)
