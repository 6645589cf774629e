"""Reading a request, strictly: a JSON body of bounded size whose fields and types are those the
schema gives, query parameters the endpoint knows, periods and headers in their written forms.
A request that says anything else is refused (400), never half understood."""
from __future__ import annotations

import codecs
import json

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from rest_framework import exceptions, parsers
from rest_framework import serializers as drf_serializers
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.settings import api_settings

from drf_spectacular.utils import extend_schema_field

from .. import progress
from ..periods import DAY_PATTERN, MAX_YEAR, MIN_YEAR, Period, check_day, period_of
from .errors import RequestTooLarge

# An If-Match header: `*` or one or more quoted entity tags, separated by commas.
IF_MATCH_PATTERN = r'^(\*|"[^"]+"([ \t]*,[ \t]*"[^"]+")*)$'


# The reasons the standard library's JSON reader gives (``json.JSONDecodeError.msg``), so that a
# parse error reads in the client's language; another reason gives the place alone.
JSON_REASONS = {
    "Expecting value": gettext_noop("a value was expected"),
    "Expecting property name enclosed in double quotes": gettext_noop("a field name in double quotes was expected"),
    "Expecting ':' delimiter": gettext_noop("“:” was expected"),
    "Expecting ',' delimiter": gettext_noop("“,” was expected"),
    "Unterminated string starting at": gettext_noop("a string is not closed"),
    "Invalid control character at": gettext_noop("a control character inside a string"),
    "Invalid \\escape": gettext_noop("an invalid escape sequence in a string"),
    "Invalid \\uXXXX escape": gettext_noop("an invalid escape sequence in a string"),
    "Extra data": gettext_noop("something follows the end of the JSON value"),
}


def json_parse_error(error: ValueError | RecursionError) -> exceptions.ParseError:
    """A body that is not JSON, said in the client's language, with the place of the fault."""
    if isinstance(error, RecursionError):
        return exceptions.ParseError(_("JSON parse error: nested too deeply."))
    if isinstance(error, UnicodeDecodeError):
        return exceptions.ParseError(_("JSON parse error: the body is not UTF-8 text."))
    if isinstance(error, json.JSONDecodeError):
        where = {"line": error.lineno, "column": error.colno}
        reason = JSON_REASONS.get(error.msg)
        if reason is None:
            return exceptions.ParseError(_("JSON parse error at line %(line)s, column %(column)s.") % where)
        return exceptions.ParseError(
            _("JSON parse error at line %(line)s, column %(column)s: %(reason)s.") % {**where, "reason": _(reason)})
    # DRF's strict reading refuses NaN and Infinity, which JSON does not have.
    return exceptions.ParseError(_("JSON parse error: NaN and Infinity are not JSON numbers."))


class JSONParser(parsers.JSONParser):
    """JSON bodies up to settings.API_MAX_BODY_BYTES: a larger one is refused before it is read."""

    def parse(self, stream, media_type=None, parser_context=None):
        from django.conf import settings
        from rest_framework.utils import json as drf_json

        limit = settings.API_MAX_BODY_BYTES
        request = (parser_context or {}).get("request")
        length = int(request.META.get("CONTENT_LENGTH") or 0) if request is not None else 0
        if length > limit:
            raise RequestTooLarge(_("The body has %(length)s bytes; at most %(limit)s are accepted.")
                                  % {"length": length, "limit": limit})
        # Note: DRF's own parse, whose error message is the standard library's, in English.
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            return drf_json.load(codecs.getreader(encoding)(stream),
                                 parse_constant=drf_json.strict_constant if self.strict else None)
        except (ValueError, RecursionError) as error:
            raise json_parse_error(error) from error


def parse_boundaries(request) -> str:
    value = request.query_params.get("boundaries", progress.HISTORICAL)
    if value not in progress.BOUNDARIES:
        raise ValidationError({"boundaries": [_("Write historical or current.")]}, code="invalid_choice")
    return value


def parse_period(name: str, text: str | None) -> Period | None:
    """The period of the query or path parameter ``name`` (``periods.period_of``)."""
    return period_of(name, text)


def only_params(request, *allowed: str) -> None:
    """Figure endpoints refuse query parameters they do not know, rather than ignore a typo.

    DRF's own ``?format=json`` (the links of the browsable API) is known everywhere.
    """
    unknown = sorted(set(request.query_params) - set(allowed) - {api_settings.URL_FORMAT_OVERRIDE})
    if unknown:
        raise ValidationError(
            {name: [_("Unknown query parameter; this endpoint takes: %(names)s.") % {"names": ", ".join(allowed)}
                    if allowed else _("Unknown query parameter; this endpoint takes none.")] for name in unknown},
            code="unknown_parameter",
        )


def _wrong_type(field, value) -> str | None:
    """Why ``value`` is not of the JSON type the schema gives ``field``, where DRF would convert it
    (``"name": 0`` to "0", ``"full_members": "1"`` to 1, ``"dry_run": "yes"`` to true). A choice
    is one of its words: another value is an invalid choice already."""
    if value is None:
        return None  # whether null is allowed is the field's to say
    if isinstance(field, drf_serializers.CharField):
        if not isinstance(value, str):
            return _("Must be a string.")
    elif isinstance(field, drf_serializers.BooleanField):
        if not isinstance(value, bool):
            return _("Must be true or false.")
    elif isinstance(field, drf_serializers.IntegerField):
        if isinstance(value, str):
            return _("Must be an integer, not a string.")
    return None


def _unknown_fields(serializer, data, path: str = "") -> dict:
    """Keys of ``data`` that ``serializer`` does not take, at any depth, by their path; and values
    of another JSON type than the schema gives (DRF would convert them)."""
    if isinstance(serializer, (drf_serializers.ListSerializer, drf_serializers.ListField)):
        if not isinstance(data, list):
            return {}
        unknown = {}
        for index, item in enumerate(data):
            unknown.update(_unknown_fields(serializer.child, item, f"{path}.{index}" if path else str(index)))
        return unknown
    if not isinstance(serializer, drf_serializers.Serializer):
        problem = _wrong_type(serializer, data)
        return {path: [ErrorDetail(problem, code="invalid_type")]} if problem else {}
    if not isinstance(data, dict):
        return {}
    unknown = {}
    for key, value in data.items():
        where = f"{path}.{key}" if path else str(key)
        field = serializer.fields.get(key)
        if field is None or field.read_only:
            unknown[where] = [ErrorDetail(_("Unknown field: this request does not take it."), code="unknown_field")]
        else:
            unknown.update(_unknown_fields(field, value, where))
    return unknown


def validated(serializer_class, data, *, strict: bool = True, **kwargs):
    """``data`` checked by ``serializer_class``. For a request body (``strict``), a field the
    serializer does not take is an error, not silently dropped: a misspelt field name would
    otherwise change nothing, unnoticed; so is a value of another JSON type than the schema's.
    Query strings are checked by ``only_params``."""
    serializer = serializer_class(data=data, **kwargs)
    unknown = _unknown_fields(serializer, data) if strict else {}
    serializer.is_valid(raise_exception=not unknown)
    if unknown:
        raise ValidationError({**serializer.errors, **unknown})  # each error keeps its own code
    return serializer.validated_data


# The query parameters of a unit's children (``active_on``) and of the quarterly submission
# (``dry_run``), read with ``validated(..., strict=False)``.
@extend_schema_field({"type": "string", "format": "date", "pattern": DAY_PATTERN,
                      "description": f"A day of the years {MIN_YEAR} to {MAX_YEAR}."})
class DayField(drf_serializers.DateField):
    """A day of a request (YYYY-MM-DD), within the years of the records (``periods.check_day``)."""

    def __init__(self, **kwargs):
        kwargs["validators"] = [*kwargs.get("validators", ()), check_day]
        super().__init__(**kwargs)


class DaySerializer(drf_serializers.Serializer):
    active_on = DayField(required=False)


class DryRunSerializer(drf_serializers.Serializer):
    dry_run = drf_serializers.BooleanField(required=False, default=False)
