"""Two writers at the same moment (issue 12, point 1): an ETag sent in If-Match is compared with
the version the write replaces, under the record's lock, so of two PATCHes (or DELETEs) made
from one read exactly one is done and the other answers 412. On PostgreSQL, where writers do run
at the same time (SQLite writes one at a time)."""
import pytest
from django.db import connection
from rest_framework.test import APIClient

from tests import factories
from tests.simultaneous import at_once

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite runs one writer at a time")
ROUNDS = 30


@pytest.fixture
def writer(transactional_db, django_user_model):
    user = django_user_model.objects.create_superuser(username="boss", email="b@example.org", password="pw")

    def client():
        api = APIClient()
        api.force_authenticate(user)
        return api

    return client


def test_two_patches_from_one_read_give_one_200_and_one_412(writer, tree):
    village = factories.village(tree["north"], name="Huổi Chổn")
    report = factories.report(village, "2019Q2", full=1)
    url = f"/api/v1/reports/{report.pk}/"
    for round_ in range(ROUNDS):
        tag = writer().get(url)["ETag"]

        def patch(members):
            return lambda: writer().patch(url, {"full_members": members}, format="json", HTTP_IF_MATCH=tag).status_code

        statuses = at_once(patch(100 + 2 * round_), patch(101 + 2 * round_))
        assert sorted(statuses) == [200, 412], (round_, statuses)


def test_two_deletes_from_one_read_give_one_204_and_one_412_or_404(writer, tree):
    village = factories.village(tree["north"], name="Huổi Chổn")
    for round_ in range(ROUNDS):
        report = factories.report(village, f"{1990 + round_}Q2", full=1)
        url = f"/api/v1/reports/{report.pk}/"
        tag = writer().get(url)["ETag"]

        def delete():
            return writer().delete(url, HTTP_IF_MATCH=tag).status_code

        statuses = at_once(delete, delete)
        assert all(isinstance(status, int) for status in statuses), statuses
        assert sorted(statuses)[0] == 204 and sorted(statuses)[1] in (404, 412), (round_, statuses)
