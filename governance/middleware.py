"""Request-wide middleware: the request id of the audit trail, and the refusal of input
that is never valid anywhere."""

import re
import uuid
from contextvars import ContextVar

from django.http import HttpResponseBadRequest, JsonResponse, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _

from .text import has_control_characters

_request_id: ContextVar[str] = ContextVar("request_id", default="")
# A request id given by a proxy goes into the audit trail: letters, digits, dots, dashes.
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def current_request_id() -> str:
    return _request_id.get()


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get("X-Request-ID", "")
        request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        token = _request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response["X-Request-ID"] = request_id
        return response


_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class ControlCharacterMiddleware:
    """A control character (NUL and the other C0 characters but tab, CR and LF) anywhere
    in the path, the query string or a form field answers 400 before any view runs.

    Views then never meet one: PostgreSQL refuses NUL in a query (a 500 on every page
    that looks up a code from the URL), XML refuses the rest. JSON bodies are checked by
    the API's parser (governance.api.parsers)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            bad = self._has_control_characters(request)
        except MultiPartParserError:
            return self._refuse(request, _("The form data cannot be read."))
        if bad:
            return self._refuse(
                request,
                _("The request contains a control character (such as NUL), which is never valid input."),
            )
        return self.get_response(request)

    def _has_control_characters(self, request) -> bool:
        if has_control_characters(request.path_info) or has_control_characters(request.path):
            return True
        if _any_control(request.GET):
            return True
        if request.content_type in _FORM_TYPES:
            if request.method == "POST":
                return _any_control(request.POST) or any(
                    has_control_characters(name) for name in request.FILES
                )
            if request.content_type == _FORM_TYPES[0]:  # PUT and PATCH forms (the browsable API)
                return _any_control(QueryDict(request.body, encoding=request.encoding))
        return False

    @staticmethod
    def _refuse(request, message: str):
        if request.path_info.startswith("/api/"):
            return JsonResponse({"detail": message}, status=400)
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


def _any_control(data: QueryDict) -> bool:
    for key, values in data.lists():
        if has_control_characters(key) or any(has_control_characters(v) for v in values):
            return True
    return False
