"""JSON shapes of the API, one module per resource group (as ``tracking.api.views``); what they
share (periods, unit codes, sources, the named choice lists) is in ``common``."""
