"""Dates as Vietnamese forms and tables write them (01/07/2025), not Django's long "Ngày 01
tháng 7 năm 2025", which does not fit a column of a list."""
from django.conf.locale.vi.formats import *  # noqa: F403

DATE_FORMAT = "d/m/Y"
DATETIME_FORMAT = "H:i d/m/Y"
