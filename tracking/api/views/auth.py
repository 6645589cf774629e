"""Signing in: an API token for a username and password, and who the signed-in user is."""
from __future__ import annotations

from django.contrib.auth import authenticate
from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import permissions, status
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.response import Response
from rest_framework.views import APIView

from ... import progress
from ...models import RoleGrant, with_names
from ..parsing import validated
from ..serializers.auth import MeSerializer, SignInSerializer, TokenSerializer
from ..throttling import SignInThrottle


@extend_schema(tags=["auth"])
class TokenView(APIView):
    """An API token for a username and password; DELETE revokes the token in use."""

    throttle_scope = "login"

    def get_authenticators(self):
        # Getting a token needs no authentication (a stale token in the header must not block it).
        return [] if self._signing_in() else super().get_authenticators()

    def get_authenticate_header(self, request):
        return "Token"  # a refused sign-in is 401, with the scheme to use

    def _signing_in(self) -> bool:
        return getattr(self.request, "method", None) == "POST"

    def get_permissions(self):
        return [permissions.AllowAny()] if self._signing_in() else [permissions.IsAuthenticated()]

    def get_throttles(self):
        return [SignInThrottle()] if self._signing_in() else []

    @extend_schema(
        summary="Get an API token", operation_id="auth_token_create", auth=[], request=SignInSerializer,
        responses={200: TokenSerializer},
        description="The user's token (the same one until it is revoked). At most 10 attempts a minute "
        "from one address (429 with `Retry-After`).",
        examples=[OpenApiExample("Sign in", request_only=True, value={"username": "namp0", "password": "…"}),
                  OpenApiExample("Token", response_only=True, value={
                      "token": "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b", "created": "2026-11-26T08:00:00Z"})],
    )
    def post(self, request):
        data = validated(SignInSerializer, request.data)
        user = authenticate(request._request, username=data["username"], password=data["password"])
        if user is None or not user.is_active:
            raise AuthenticationFailed(gettext("Wrong username or password."), code="invalid_credentials")
        token, _ = Token.objects.get_or_create(user=user)
        return Response(TokenSerializer({"token": token.key, "created": token.created}).data)

    @extend_schema(summary="Revoke the token in use", operation_id="auth_token_delete", request=None,
                   responses={204: None},
                   description="Deletes the caller's token: every client holding it is signed out. "
                   "Get a new one with POST.")
    def delete(self, request):
        Token.objects.filter(user=request.user).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["auth"])
class MeView(APIView):
    @extend_schema(summary="Who am I, and which areas are mine", operation_id="auth_me_retrieve",
                   responses=MeSerializer, examples=[OpenApiExample("An editor", response_only=True, value={
                       "username": "namp0", "superuser": False,
                       "roles": [{"role": "editor", "unit": {"code": "103", "name": "Nậm Pồ", "current_name": "Nậm Pồ", "level": "district"}}]})])
    def get(self, request):
        grants = RoleGrant.objects.filter(user=request.user).select_related("unit").order_by("unit__level", "unit__code", "role")
        with_names(grant.unit for grant in grants)
        return Response({
            "username": request.user.get_username(),
            "superuser": request.user.is_superuser,
            "roles": [{"role": grant.role, "unit": progress.unit_ref(grant.unit)} for grant in grants],
        })
