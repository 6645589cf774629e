"""The data-entry admin.

Every write goes through ``tracking.services`` and every figure comes from ``tracking.progress``.
A form runs its service inside a savepoint that is rolled back while it validates, so whatever a
service refuses shows on the form, next to its field, instead of failing the save.

Django's autodiscovery imports this package, which imports the modules that register the pages.
The modules:

- ``urls``: the committees' screens, which the site (``tracking.adminsite``) adds to the record pages;
- ``base``: what every page shares (area rules of roles, saving through a service, read-only pages);
- ``forms``: the forms of the add and change pages, each saved through one service;
- ``filters``: the list filters;
- ``map_actions``: the unit list's actions that change the map, and their forms;
- ``units``, ``villages``, ``cells``, ``reports``, ``figures``, ``roles``, ``approvals``: the
  registered pages, one module per group of records (``approvals`` holds the pages of quarter
  approvals; the transitions themselves are ``tracking.approvals``);
- ``entry``: the quarter entry grid, a commune's whole quarter on one page (its URLs are in ``urls``).
"""
# Importing a module registers its pages (in this order, as the admin has always listed its URLs).
from . import approvals, cells, figures, reports, roles, units, villages  # noqa: F401, I001
