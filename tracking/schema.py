"""The schema class: every operation documents the error responses it can return."""
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiExample, OpenApiResponse

from .api import ErrorSerializer

_ERROR_EXAMPLES = {
    400: ("validation_error", "admissions: Admissions (4) cannot exceed the probationary members (2).",
          [{"path": "admissions", "code": "invalid", "message": "Admissions (4) cannot exceed the probationary members (2)."}]),
    401: ("not_authenticated", "Authentication credentials were not provided.", []),
    403: ("permission_denied", "You do not have permission to perform this action.", []),
    404: ("not_found", "No unit has the code 999.", []),
    405: ("method_not_allowed", 'Method "PATCH" not allowed.', []),
    409: ("conflict", "Still referenced by quarterly village report “Hoa 2019Q4”: close it with an end date instead of deleting it.", []),
    415: ("unsupported_media_type", 'Unsupported media type "text/plain" in request.', []),
}
_ERROR_TEXT = {
    400: "Invalid input: each field in error is listed with its path.",
    401: "Not authenticated.",
    403: "Not allowed.",
    404: "Not found.",
    405: "Method not allowed.",
    409: "Conflict with the current state.",
    415: "The body is not JSON.",
}


def _error(status_code: int) -> OpenApiResponse:
    code, detail, errors = _ERROR_EXAMPLES[status_code]
    return OpenApiResponse(
        response=ErrorSerializer,
        description=_ERROR_TEXT[status_code],
        examples=[OpenApiExample(code, value={"status": status_code, "code": code, "detail": detail, "errors": errors},
                                 status_codes=[str(status_code)], response_only=True)],
    )


class AutoSchema(SpectacularAutoSchema):
    """Adds the documented error responses every operation can return."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        method = self.method.upper()
        codes = [400, 405]
        if method not in ("GET", "HEAD", "OPTIONS"):
            codes += [401, 403, 409]
        if method in ("POST", "PUT", "PATCH"):
            codes.append(415)
        if "{" in self.path:
            codes.append(404)
        for code in sorted(set(codes)):
            if str(code) not in responses:
                responses[str(code)] = self._get_response_for_code(_error(code), str(code), direction)
        return responses
