"""API tokens that expire: a REST client's token is refused (401) once it is older than
``TOKEN_TTL_DAYS`` (set by the deployment; 0 keeps tokens until revoked). A password
change revokes a user's tokens at once (governance.models.User.save)."""

import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed


class ExpiringTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        days = settings.TOKEN_TTL_DAYS
        if days and token.created < timezone.now() - datetime.timedelta(days=days):
            raise AuthenticationFailed(_("This token has expired. Ask the town office for a new one."))
        return user, token
