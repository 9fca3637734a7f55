"""Throttles of the API and the public doors. Rates are in settings
(``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``, each from the environment), looked up
when a request comes rather than when the class is defined, so a changed setting holds.

* ``anon`` and ``user``: every API request (the defaults in settings);
* ``public``: the open endpoints (board, tracking, rating, Open311 submissions):
  ``throttle_classes = [PublicThrottle]``, or ``throttle_scope = "public"`` with
  DRF's ScopedRateThrottle;
* ``personal_lookup``: exact-match searches by ID or phone number.
"""

from functools import wraps

from django.http import HttpResponse
from django.utils.translation import gettext as _
from rest_framework import throttling
from rest_framework.settings import api_settings


class _RateFromSettings:
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class AnonThrottle(_RateFromSettings, throttling.AnonRateThrottle):
    pass


class UserThrottle(_RateFromSettings, throttling.UserRateThrottle):
    pass


class PublicThrottle(_RateFromSettings, throttling.SimpleRateThrottle):
    """Open endpoints, per client address (signed-in or not)."""

    scope = "public"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class PersonalLookupThrottle(_RateFromSettings, throttling.SimpleRateThrottle):
    """Exact-match searches by personal data, per user: counted only for requests that
    carry one of the view's ``personal_lookup_params`` (or, without a view, always)."""

    scope = "personal_lookup"

    def allow_request(self, request, view):
        params = getattr(view, "personal_lookup_params", None)
        if params is not None:
            query = getattr(request, "query_params", request.GET)
            if not any(query.get(name) for name in params):
                return True
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        user = getattr(request, "user", None)
        ident = user.pk if user is not None and user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


def public_door(methods=("POST",)):
    """The ``public`` throttle for a plain Django view (a page, Open311): the named
    methods of the view answer 429 once an address goes over the rate."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method in methods and not PublicThrottle().allow_request(request, None):
                return HttpResponse(_("Too many requests: try again in a minute."), status=429)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
