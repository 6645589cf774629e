"""Create a superuser from a terminal, asking in the operator's language (Django's
``createsuperuser`` asks in English whatever the language: its prompts are not translated)."""
from __future__ import annotations

import getpass
import sys

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _


class Command(BaseCommand):
    help = ("Create a superuser, asking for the username, the email address and the password twice. "
            "Without a terminal, use: manage.py createsuperuser --noinput (with DJANGO_SUPERUSER_USERNAME "
            "and DJANGO_SUPERUSER_PASSWORD).")
    stealth_options = ("stdin",)

    def handle(self, *args, **options):
        self.stdin = options.get("stdin") or sys.stdin
        if not self.stdin.isatty():
            raise CommandError(_("Run this from a terminal, or create the user without questions: "
                                 "manage.py createsuperuser --noinput with DJANGO_SUPERUSER_USERNAME and "
                                 "DJANGO_SUPERUSER_PASSWORD set."))
        try:
            username = self._username()
            email = self._ask(_("Email address (may be left empty): ")).strip()
            password = self._password(username, email)
        except (EOFError, KeyboardInterrupt):
            raise CommandError(_("Cancelled: no user was created.")) from None
        get_user_model().objects.create_superuser(username=username, email=email, password=password)
        self.stdout.write(self.style.SUCCESS(
            _("Superuser %(name)s created: sign in to the admin at /admin/.") % {"name": username}))

    def _ask(self, prompt: str, *, secret: bool = False) -> str:
        if secret and self.stdin is sys.stdin:
            return getpass.getpass(prompt)
        self.stdout.write(prompt, ending="")
        self.stdout.flush()
        line = self.stdin.readline()
        if not line:
            raise EOFError
        return line.rstrip("\n")

    def _username(self) -> str:
        users = get_user_model()
        field = users._meta.get_field(users.USERNAME_FIELD)
        while True:
            name = self._ask(_("Username: ")).strip()
            try:
                if not name:
                    raise ValidationError(_("Give a username."))
                field.clean(name, None)
                if users._default_manager.filter(**{users.USERNAME_FIELD: name}).exists():
                    raise ValidationError(_("The username %(name)s is taken.") % {"name": name})
            except ValidationError as error:
                self.stderr.write(" ".join(error.messages))
                continue
            return name

    def _password(self, username: str, email: str) -> str:
        users = get_user_model()
        while True:
            password = self._ask(_("Password: "), secret=True)
            if password != self._ask(_("Password (again): "), secret=True):
                self.stderr.write(_("The two passwords differ: type them again."))
                continue
            try:
                validate_password(password, users(**{users.USERNAME_FIELD: username, "email": email}))
            except ValidationError as error:
                self.stderr.write(" ".join(error.messages))
                continue
            return password
