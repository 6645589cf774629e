"""The REST API (``/api/v1/``), by concern.

``parsing``: what a request may say, and how strictly it is read; ``errors``: the one error
shape of every 4xx; ``pagination``: pages of a list; ``serializers``: the JSON shapes;
``filters``: the query filters of the lists; ``views``: one module per resource group, thin
(reads call querysets and ``tracking.progress``, writes call ``tracking.services``);
``urls``: the routes; ``schema`` and ``examples``: the OpenAPI document (``docs/openapi.yaml``).
"""
