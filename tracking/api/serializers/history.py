"""JSON shape of a record's audit trail."""
from __future__ import annotations

from rest_framework import serializers

from ...models import AuditPath

AUDIT_ACTIONS = ["created", "changed", "deleted"]


class FieldChangeSerializer(serializers.Serializer):
    # Note: any JSON value, null included; OpenAPI 3.0 says "any" by giving no type, and a
    # `nullable` without a type is not valid, hence no allow_null (these are never read).
    before = serializers.JSONField(help_text="The value before the change (null: none).")
    after = serializers.JSONField(help_text="The value after the change (null: none).")


class HistoryEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField(help_text="When the change was saved.")
    user = serializers.CharField(allow_null=True, help_text="Who saved it (empty for a command run without a user).")
    path = serializers.ChoiceField(choices=AuditPath.choices, help_text="Through which path the change came.")
    action = serializers.ChoiceField(choices=AUDIT_ACTIONS)
    changes = serializers.DictField(child=FieldChangeSerializer(), help_text="Each field changed, before and after.")
