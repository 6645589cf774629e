"""Test data built once for a whole module, rather than once per test."""
import pytest
from django.db import transaction


def module_data(build):
    """A module-scoped fixture holding ``build()``'s result: the data is written once, in a
    transaction rolled back after the module's last test. Tests that use it must also use ``db``
    (each then runs in a savepoint, so what one test writes is gone for the next)."""

    @pytest.fixture(scope="module")
    def fixture(django_db_setup, django_db_blocker):
        with django_db_blocker.unblock():
            with transaction.atomic():
                yield build()
                transaction.set_rollback(True)

    return fixture
