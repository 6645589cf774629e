"""An API token ends with the credentials it was given for (issue 12, point 3)."""
import pytest
from rest_framework.test import APIClient


@pytest.fixture
def signed_in(db, django_user_model):
    user = django_user_model.objects.create_user(username="xa", password="old-password-1")
    token = APIClient().post("/api/v1/auth/token/", {"username": "xa", "password": "old-password-1"}, format="json").json()["token"]
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/auth/me/").status_code == 200
    return user, client


def test_a_new_password_ends_the_users_tokens(signed_in):
    user, client = signed_in
    user.set_password("new-password-2")
    user.save()
    assert client.get("/api/v1/auth/me/").status_code == 401
    fresh = APIClient().post("/api/v1/auth/token/", {"username": "xa", "password": "new-password-2"}, format="json")
    assert fresh.status_code == 200


def test_a_password_changed_by_the_admin_or_the_command_ends_them_too(signed_in, django_user_model, client):
    user, api = signed_in
    client.force_login(django_user_model.objects.create_superuser(username="boss", email="b@example.org", password="pw"))
    response = client.post(f"/admin/auth/user/{user.pk}/password/",
                           {"password1": "an-other-pass-3", "password2": "an-other-pass-3", "usable_password": "true"})
    assert response.status_code == 302, response.content
    assert api.get("/api/v1/auth/me/").status_code == 401


def test_a_deactivated_user_loses_their_tokens(signed_in):
    from rest_framework.authtoken.models import Token

    user, client = signed_in
    user.is_active = False
    user.save()
    assert client.get("/api/v1/auth/me/").status_code == 401
    assert not Token.objects.filter(user=user).exists()


def test_signing_in_or_renaming_keeps_the_token(signed_in):
    user, client = signed_in
    user.first_name = "Đức"
    user.save()
    APIClient().post("/api/v1/auth/token/", {"username": "xa", "password": "old-password-1"}, format="json")
    assert client.get("/api/v1/auth/me/").status_code == 200
