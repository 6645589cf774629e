"""A commune's editor submits its quarter in the admin ("Quarter approvals → Add") exactly as
through the API: the quarter is then submitted, by them, and the history says which way it came.

Xã Mường Phăng (03325) has been on the map throughout: in huyện Điện Biên, then in Điện Biên Phủ,
directly in the province since 2025-07-01. Its quarter 2025Q3 is over and was never submitted.
"""
import datetime

import pytest

from tests import edges
from tracking.models import AdministrativeUnit, QuarterApproval, RoleGrant

QUARTER = "2025Q3"


@pytest.fixture
def muong_phang(article, django_user_model):
    unit = AdministrativeUnit.objects.get(code="03325")
    assert unit.path_on(datetime.date(2025, 9, 30)) == "/11/03325/"  # on the map on the quarter's last day
    user = django_user_model.objects.create_user(username="muong_phang", password="pw", is_staff=True)
    RoleGrant.objects.create(user=user, unit=unit, role="editor")
    return unit


def submitted() -> list:
    return list(QuarterApproval.objects.filter(unit__code="03325", quarter=QUARTER).values_list(
        "state", "submitted_by__username", "approved_by"))


def test_a_commune_editor_submits_the_quarter_through_the_api(muong_phang):
    response = edges.api("muong_phang").post(f"/api/v1/units/03325/approvals/{QUARTER}/submit/", {}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "submitted"
    assert submitted() == [("submitted", "muong_phang", None)]
    assert QuarterApproval.objects.get(unit=muong_phang, quarter=QUARTER).history.latest().history_path == "api"


def test_a_commune_editor_submits_the_quarter_in_the_admin(muong_phang):
    client = edges.admin("muong_phang")
    assert client.get(edges.url("quarterapproval", "add")).status_code == 200
    response = client.post(edges.url("quarterapproval", "add"), {"unit": muong_phang.pk, "quarter": QUARTER},
                           HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert response.redirect_chain == [(edges.url("quarterapproval", "changelist"), 302)], edges.form_errors(response)
    assert f"{QUARTER} of xã Mường Phăng (03325): submitted." in [str(message) for message in response.context["messages"]]
    assert submitted() == [("submitted", "muong_phang", None)]
    assert QuarterApproval.objects.get(unit=muong_phang, quarter=QUARTER).history.latest().history_path == "admin"
