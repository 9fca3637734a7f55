"""Every error answers in the user's language with field-level messages; never a 500 for
bad input. Django's own ValidationError (raised by ``full_clean`` in the services) and
integrity errors from a race become 400s, PermissionDenied a 403."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def validation_detail(exc: DjangoValidationError):
    if hasattr(exc, "error_dict"):
        detail = {}
        for field, errors in exc.message_dict.items():
            detail["non_field_errors" if field == "__all__" else field] = errors
        return detail
    return {"non_field_errors": exc.messages}


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(validation_detail(exc))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, IntegrityError):
        return Response(
            {
                "non_field_errors": [
                    _("This conflicts with a record saved at the same time. Reload and try again.")
                ]
            },
            status=status.HTTP_409_CONFLICT,
        )
    return drf_exception_handler(exc, context)
