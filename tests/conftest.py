import pytest
from django.core.management import call_command
from django.utils import translation

from tests import factories, once


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives a real browser (tests/browser); run once in CI, on SQLite")
    config.addinivalue_line("markers", "node: runs Node.js tools on the schema (tests/test_schema_tools.py); run once in CI, on SQLite")


@pytest.fixture
def article(db):
    """The Điện Biên fixtures of the source article."""
    call_command("loaddata", "dien_bien", verbosity=0)


@pytest.fixture
def tree(db):
    """A province with one district and two communes, each with villages."""
    province = factories.province(code="11")
    district = factories.district(province, code="100", name="Điện Biên")
    north = factories.commune(district, code="03317", name="Nà Nhạn")
    south = factories.commune(district, code="03316", name="Nà Tấu")
    other = factories.district(province, code="101", name="Điện Biên Đông")
    return {
        "province": province,
        "district": district,
        "north": north,
        "south": south,
        "other": other,
    }


@pytest.fixture(autouse=True)
def english_after_each_test():
    """LocaleMiddleware leaves the last request's language active in the test thread."""
    yield
    translation.deactivate()


# ----- API clients ---------------------------------------------------------------------


@pytest.fixture(autouse=True)
def fresh_throttles():
    """Sign-in throttles count in the cache: each test starts with none."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def anonymous():
    """An API client nobody signed in to: everything but the schema and docs answers 401."""
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def api(db, django_user_model):
    """An API client signed in as a superuser, who reads everything (the tests of what a role
    reaches use ``role_api``)."""
    from rest_framework.test import APIClient

    user = django_user_model.objects.create_superuser(username="reader", email="reader@example.org", password="pw")
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def staff_api(db, django_user_model):
    """An API client logged in as a superuser, who may write everything."""
    from rest_framework.test import APIClient

    user = django_user_model.objects.create_superuser(username="admin", email="admin@example.org", password="pw")
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def staff(db, django_user_model):
    """A superuser's API client that answers a server error with a 500 response, as a real
    server does, rather than raising it (the tests that no input is a 500 need to see it)."""
    from rest_framework.test import APIClient

    client = APIClient(raise_request_exception=False)
    client.force_authenticate(django_user_model.objects.create_superuser(username="root", email="r@example.org", password="pw"))
    return client


@pytest.fixture
def data(tree):
    """A village of the ``tree`` with its own cell and a report for 2019Q2."""
    village = factories.village(tree["north"], name="Huổi Chổn")
    cell = factories.cell(village, name="Chi bộ Huổi Chổn")
    report = factories.report(village, "2019Q2", full=3, probationary=1, cell=cell)
    return {"village": village, "cell": cell, "report": report}


@pytest.fixture
def viewer_api(db, django_user_model):
    """An API client signed in as a staff user without any role: sees nothing, changes nothing (403)."""
    from rest_framework.test import APIClient

    user = django_user_model.objects.create_user(username="viewer", password="pw", is_staff=True)
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def role_api(db, django_user_model):
    """``role_api("editor", unit, ...)``: an API client of a new user holding that role on each unit."""
    from rest_framework.test import APIClient

    from tracking.models import RoleGrant

    def make(role: str, *units, username: str | None = None):
        user = django_user_model.objects.create_user(username=username or f"{role}-{'-'.join(u.code for u in units)}",
                                                     password="pw")
        for unit in units:
            RoleGrant.objects.create(user=user, unit=unit, role=role)
        client = APIClient()
        client.force_authenticate(user)
        client.user = user
        return client

    return make


@pytest.fixture
def api_error():
    """Checks that a response carries the one error shape; returns the body.

    ``paths`` are the ``errors[].path`` values that must be among the errors listed.
    """

    def check(response, status: int, code: str, *paths: str) -> dict:
        body = response.json()
        assert response.status_code == status, body
        assert set(body) == {"status", "code", "detail", "errors"}, body
        assert (body["status"], body["code"]) == (status, code), body
        assert isinstance(body["detail"], str) and body["detail"], body
        listed = [error["path"] for error in body["errors"]]
        for path in paths:
            assert path in listed, body
        for error in body["errors"]:
            assert set(error) == {"path", "code", "message"} and error["message"], body
        return body

    return check


@pytest.fixture
def article_only(db):
    """The article's facts alone, on the map as the article knew it (before any change is recorded)."""
    call_command("loaddata", "dien_bien_article", verbosity=0)


# ----- data built once for a module ----------------------------------------------------


def _build_moved_world():
    from tests import moved_world

    return moved_world.build()


_moved_world_for_module = once.module_data(_build_moved_world)


@pytest.fixture
def moved(db, _moved_world_for_module):
    """The ids of ``tests.moved_world``'s records (a commune that moved between two districts, with
    records from before and after the move); what a test writes is rolled back after it."""
    return dict(_moved_world_for_module)


@pytest.fixture
def client_of(db):
    """``client_of("a_viewer")``: an API client signed in as that user (read afresh, so that no
    cached area outlives the test), or of nobody for ``"anonymous"``."""
    from django.contrib.auth import get_user_model
    from rest_framework.test import APIClient

    def make(username: str, *, raise_errors: bool = False):
        client = APIClient(raise_request_exception=raise_errors)
        if username != "anonymous":
            client.force_authenticate(get_user_model().objects.get(username=username))
        return client

    return make
