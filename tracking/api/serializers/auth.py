"""JSON shapes of signing in and of the signed-in user."""
from __future__ import annotations

from rest_framework import serializers

from ...models import Role
from .common import UnitRefSerializer, non_empty


class SignInSerializer(serializers.Serializer):
    username = non_empty(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send it as `Authorization: Token <token>`.")
    created = serializers.DateTimeField()


class RoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)
    unit = UnitRefSerializer()


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    superuser = serializers.BooleanField(help_text="Sees and changes everything.")
    roles = RoleSerializer(many=True, help_text="Each role covers the unit and everything under it.")
