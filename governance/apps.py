from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = _("Governance")

    def ready(self):
        from .scoping import autodiscover

        autodiscover()  # each app's policies.py registers its part of the scoping contract
