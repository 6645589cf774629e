"""The three ways into the tracker — the API, the admin and the commands — driven as a user would,
for the tests that compare them. Each returns what the user would see; nothing calls a service."""
from __future__ import annotations

import html
import io

from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient


def api(username: str) -> APIClient:
    """An API client signed in as ``username``; a server error comes back as a 500 response."""
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(get_user_model().objects.get(username=username))
    return client


def admin(username: str) -> Client:
    """The admin's browser, signed in as ``username`` (who must be staff)."""
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def url(model: str, view: str, *args) -> str:
    return reverse(f"admin:tracking_{model}_{view}", args=args)


def form_data(response) -> dict:
    """The POST data that submits a rendered add or change page unchanged."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    data = {}
    for form in forms:
        for name in form.fields:
            if form.fields[name].disabled:
                continue
            value = form[name].value()
            if value is None or value is False:
                continue
            if isinstance(value, (list, tuple)):
                value = [str(item) for item in value]
            data[form.add_prefix(name)] = "on" if value is True else value
    return data


def _page_data(client: Client, page: str) -> dict:
    response = client.get(page)
    if response.status_code == 200 and response.context and "adminform" in response.context:
        return form_data(response)
    return {}


def admin_add(client: Client, model: str, fields: dict):
    """Fill the model's add page with ``fields`` and save it."""
    page = url(model, "add")
    return client.post(page, {**_page_data(client, page), **fields}, HTTP_ACCEPT_LANGUAGE="en")


def admin_change(client: Client, model: str, pk: int, fields: dict):
    """Open a record's change page, change ``fields`` and save it."""
    page = url(model, "change", pk)
    return client.post(page, {**_page_data(client, page), **fields}, HTTP_ACCEPT_LANGUAGE="en")


def admin_action(client: Client, model: str, action: str, selected: list[int], **fields):
    """Choose a list action for the selected rows; with ``fields``, submit the action's own page
    (the map changes, the reason of a return or reopening) as its button does."""
    data = {"action": action, "_selected_action": [str(pk) for pk in selected], "index": 0}
    if fields:
        data.update({"apply": "yes", **fields})
    return client.post(url(model, "changelist"), data, HTTP_ACCEPT_LANGUAGE="en", follow=True)


def shown(response) -> str:
    """The text of an admin page as the user reads it (entities decoded)."""
    return html.unescape(response.content.decode())


def form_errors(response) -> dict:
    """The errors of the form on an admin page (add, change, or an action's page), if any."""
    context = response.context or {}
    form = context["adminform"].form if "adminform" in context else context.get("form")
    return dict(form.errors) if form is not None and form.errors else {}


def command(*args: str) -> tuple[bool, str]:
    """Run a management command: (whether it succeeded, its output or its error)."""
    out = io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=io.StringIO())
    except CommandError as error:
        return False, str(error)
    return True, out.getvalue()
