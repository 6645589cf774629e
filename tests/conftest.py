import pytest
from django.core.management import call_command
from django.utils import translation

from tests import factories


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
