"""No lost updates: ETags, If-Match, and concurrent submissions of one commune's quarter."""
import threading

import pytest
from django.db import connection

from tests import factories
from tracking.models import QuarterReport


@pytest.fixture
def report(tree):
    village = factories.village(tree["north"], name="Huổi Chổn")
    return factories.report(village, "2019Q2", full=3, probationary=1)


def test_a_stale_if_match_is_refused_and_changes_nothing(report, staff_api, api_error):
    url = f"/api/v1/reports/{report.pk}/"
    read = staff_api.get(url)
    tag = read["ETag"]
    changed = staff_api.patch(url, {"full_members": 4}, format="json", HTTP_IF_MATCH=tag)
    assert changed.status_code == 200 and changed["ETag"] != tag
    body = api_error(staff_api.patch(url, {"full_members": 9}, format="json", HTTP_IF_MATCH=tag), 412, "precondition_failed")
    assert "changed since you read it" in body["detail"]
    api_error(staff_api.delete(url, HTTP_IF_MATCH=tag), 412, "precondition_failed")
    report.refresh_from_db()
    assert report.full_members == 4
    assert staff_api.patch(url, {"full_members": 5}, format="json", HTTP_IF_MATCH=changed["ETag"]).status_code == 200
    assert staff_api.patch(url, {"full_members": 6}, format="json").status_code == 200  # no If-Match: no check
    assert staff_api.delete(url, HTTP_IF_MATCH="*").status_code == 204


@pytest.mark.parametrize("value", ["0", "", "abc", '"unclosed', '"a" "b"', "*, *"])
def test_a_malformed_if_match_is_a_400_not_a_412(staff, data, api_error, value):
    url = f"/api/v1/reports/{data['report'].pk}/"
    api_error(staff.patch(url, {"full_members": 4}, format="json", HTTP_IF_MATCH=value), 400, "validation_error", "If-Match")
    api_error(staff.delete(url, HTTP_IF_MATCH=value), 400, "validation_error", "If-Match")
    assert QuarterReport.objects.get(pk=data["report"].pk).full_members == 3


def test_a_body_in_error_is_a_400_even_with_a_stale_if_match(staff, data, api_error):
    url = f"/api/v1/cells/{data['cell'].pk}/"
    api_error(staff.patch(url, {"dissolved_on": 1966}, format="json", HTTP_IF_MATCH='"stale"'), 400, "validation_error", "dissolved_on")
    api_error(staff.patch(url, {"name": "Chi bộ"}, format="json", HTTP_IF_MATCH='"stale"'), 412, "precondition_failed")
    tag = staff.get(url)["ETag"]
    assert staff.patch(url, {"name": "Chi bộ"}, format="json", HTTP_IF_MATCH=f'"other" ,\t{tag}').status_code == 200


def test_each_detail_resource_has_an_etag(article, api):
    for url in ("/api/v1/units/11/", "/api/v1/villages/6/", "/api/v1/cells/1/", "/api/v1/reports/1/",
                "/api/v1/reported-figures/1/", "/api/v1/goals/1/"):
        response = api.get(url)
        assert response.status_code == 200 and response["ETag"].startswith('"'), url


@pytest.mark.skipif(connection.vendor != "postgresql", reason="real concurrency needs PostgreSQL (CI runs it)")
@pytest.mark.django_db(transaction=True)
def test_two_committees_submitting_at_once_end_with_one_whole_submission(django_user_model):
    from rest_framework.test import APIClient

    province = factories.province(code="11")
    district = factories.district(province, code="100")
    commune = factories.commune(district, code="03317")
    villages = [factories.village(commune, name=f"Bản {i}") for i in range(30)]
    user = django_user_model.objects.create_superuser("admin", "a@example.org", "pw")
    bodies = [
        {"reports": [{"village": v.pk, "full_members": members, "probationary_members": 0} for v in villages]}
        for members in (1, 2)
    ]
    barrier = threading.Barrier(2)
    statuses = []

    def submit(body):
        client = APIClient()
        client.force_authenticate(user)
        barrier.wait()
        statuses.append(client.put("/api/v1/units/03317/reports/2019Q2/", body, format="json").status_code)
        connection.close()

    threads = [threading.Thread(target=submit, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 200]
    counts = set(QuarterReport.objects.filter(quarter="2019Q2").values_list("full_members", flat=True))
    assert len(counts) == 1  # all one submission's values, never a mix
    assert QuarterReport.objects.count() == 30
