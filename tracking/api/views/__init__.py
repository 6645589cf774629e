"""API views, one module per resource group: thin. Reads call querysets and ``tracking.progress``;
writes call ``tracking.services`` (map changes: ``tracking.reorganisations``)."""
