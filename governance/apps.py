from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = _("Governance")

    def ready(self):
        from . import frontend, scoping

        scoping.autodiscover()  # each app's policies.py registers its part of the scoping contract
        frontend.autodiscover()  # each app's home.py: its navigation entries and home tiles
