"""The WSGI entry point for application servers (gunicorn): production settings unless
DJANGO_SETTINGS_MODULE says otherwise, as cookiecutter-django does. Development keeps its own
default through ``manage.py``."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = get_wsgi_application()
