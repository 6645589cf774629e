"""Errors: one shape for every 4xx, ``{status, code, detail, errors}`` (``schema`` documents it)."""
from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from .. import errors as domain


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("The request conflicts with the current state of the resource.")
    default_code = "conflict"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = gettext_lazy("The resource changed since you read it.")
    default_code = "precondition_failed"


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = gettext_lazy("The request body is too large.")
    default_code = "request_too_large"


class ErrorItemSerializer(serializers.Serializer):
    path = serializers.CharField(
        help_text="Where the error is: a field name, or a dotted path into the body such as "
        "`reports.2.admissions`; empty for the request as a whole."
    )
    code = serializers.CharField(help_text="Machine-readable reason, e.g. `required`, `max_value`, `invalid`.")
    message = serializers.CharField(help_text="The reason, for a person.")


class ApiErrorSerializer(serializers.Serializer):
    # Note: the schema's component is ApiError, not Error: Error is a built-in class of
    # JavaScript/TypeScript and Java, which generated clients must then rename at every use.
    status = serializers.IntegerField(help_text="The HTTP status code.")
    code = serializers.CharField(
        help_text="Machine-readable kind of error: `validation_error`, `parse_error`, `not_found`, "
        "`conflict`, `locked` (the reports of an approved quarter), `method_not_allowed`, `unsupported_media_type`, `not_acceptable`, "
        "`not_authenticated`, `authentication_failed`, `permission_denied`, `throttled`."
    )
    detail = serializers.CharField(help_text="A summary for a person.")
    errors = ErrorItemSerializer(many=True, help_text="Each field in error (validation errors); else empty.")


def _flatten(detail, path: str = "") -> list[dict]:
    """DRF's nested error details as a flat list of {path, code, message}."""
    if isinstance(detail, dict):
        items = []
        for key, value in detail.items():
            key = "" if key in ("non_field_errors", "__all__") else str(key)
            items += _flatten(value, f"{path}.{key}" if path and key else (path or key))
        return items
    if isinstance(detail, list):
        if all(isinstance(item, (str, exceptions.ErrorDetail)) for item in detail):
            return [item for entry in detail for item in _flatten(entry, path)]
        items = []
        for index, value in enumerate(detail):
            if value:
                items += _flatten(value, f"{path}.{index}" if path else str(index))
        return items
    return [{"path": path, "code": getattr(detail, "code", None) or "invalid", "message": str(detail)}]


def _from_django(error: DjangoValidationError) -> exceptions.ValidationError:
    if hasattr(error, "error_dict"):
        detail = {
            field: [exceptions.ErrorDetail(message, code=item.code or "invalid")
                    for item in items for message in item.messages]
            for field, items in error.error_dict.items()
        }
    else:
        detail = [exceptions.ErrorDetail(message, code=item.code or "invalid")
                  for item in error.error_list for message in item.messages]
    return exceptions.ValidationError(detail)


def _record_not_found(exc: Http404, context) -> str | None:
    """Django's "No QuarterReport matches the given query." (English, a class name) said as the
    rest of the API says it: the record's name and the id asked for, in the request's language."""
    message = str(exc)
    if message and not message.endswith("matches the given query."):
        return message
    view = context.get("view")
    model = getattr(getattr(view, "queryset", None), "model", None)
    key = getattr(view, "lookup_url_kwarg", None) or getattr(view, "lookup_field", None)
    value = getattr(view, "kwargs", {}).get(key) if key else None
    if model is None or value is None:
        return None  # DRF's own "Not found.", translated
    return _("No %(what)s has the id %(id)s.") % {"what": model._meta.verbose_name, "id": value}


def exception_handler(exc, context):
    """Every error as ``{status, code, detail, errors}``; nothing a client sends becomes a 500."""
    # Note: imported here: DRF's views read the API settings, which name the parser (``parsing``,
    # which imports this module), so importing them above fails whenever this module is the first
    # to load them.
    from rest_framework.views import exception_handler as drf_exception_handler

    entries = exc.entries if isinstance(exc, domain.Locked) else []
    if isinstance(exc, domain.NotFound):
        exc = exceptions.NotFound(exc.message)
    elif isinstance(exc, domain.NotPermitted):
        exc = exceptions.PermissionDenied(exc.message)
    elif isinstance(exc, domain.Conflict):
        exc = Conflict(exc.message, code=exc.code)
    elif isinstance(exc, DjangoValidationError):
        exc = _from_django(exc)
    elif isinstance(exc, (ProtectedError, RestrictedError)):
        blockers = sorted({f"{obj._meta.verbose_name} “{obj}”" for obj in list(exc.protected_objects if isinstance(exc, ProtectedError) else exc.restricted_objects)[:5]})
        exc = Conflict(_("Still referenced by %(records)s: close it with an end date instead of deleting it.")
                       % {"records": ", ".join(blockers)})
    elif isinstance(exc, IntegrityError):
        exc = Conflict(_("The change conflicts with existing data."))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(_record_not_found(exc, context))
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        code, detail = "validation_error", "; ".join(
            f"{item['path']}: {item['message']}" if item["path"] else item["message"] for item in errors
        )
    else:
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        code = codes if isinstance(codes, str) else "error"
        detail = str(exc.detail) if isinstance(exc, exceptions.APIException) else str(exc)
        # A write to an approved quarter (errors.Locked): 409 `locked`, and for a submission
        # each entry locked, by its path.
        errors = [{"path": path, "code": "locked", "message": message} for path, message in entries]
    response.data = {"status": response.status_code, "code": code, "detail": detail, "errors": errors}
    return response


def error_response(request, status_code: int, code: str, detail: str, errors=()) -> Response:
    return Response({"status": status_code, "code": code, "detail": detail, "errors": list(errors)}, status=status_code)


@csrf_exempt
def api_not_found(request, *args, **kwargs):
    """Any other path under /api/: the JSON error shape, not an HTML page."""
    from django.http import JsonResponse

    return JsonResponse(
        {"status": 404, "code": "not_found", "detail": _("No API endpoint at %(path)s.") % {"path": request.path}, "errors": []},
        status=404,
    )
