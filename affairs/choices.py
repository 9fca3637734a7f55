from django.db import models
from django.utils.translation import gettext_lazy as _


class Seat(models.TextChoices):
    """The villagers' council's seats (理事会 9+X): nine fixed kinds, and stakeholders
    added for one matter (X)."""

    PARTY_BRANCH = "party_branch", _("Party branch")
    VILLAGE_COMMITTEE = "village_committee", _("Village committee")
    SUPERVISION = "supervision", _("Village affairs supervision committee")
    REPRESENTATIVE = "representative", _("Villager representative")
    DEPUTY = "deputy", _("People's congress deputy")
    VETERAN = "veteran", _("Veteran party member")
    RETIRED_CADRE = "retired_cadre", _("Retired cadre")
    SOCIAL_ORG = "social_org", _("Social organisation")
    WORTHY = "worthy", _("Village worthy (乡贤)")
    STAKEHOLDER = "stakeholder", _("Stakeholder (X)")


#: The nine fixed seats of 9+X.
FIXED_SEATS = [s for s in Seat if s != Seat.STAKEHOLDER]


class TopicKind(models.TextChoices):
    COUNCIL = "council", _("Council topic (议事厅)")
    COURTYARD = "courtyard", _("Courtyard meeting (院坝会)")


class TopicState(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    PUBLISHED = "published", _("Published for villagers")
    DISCUSSED = "discussed", _("Discussed")
    CLOSED = "closed", _("Closed")


class MatterKind(models.TextChoices):
    """What makes a matter major (重大事项)."""

    LAND = "land", _("Land contracting")
    INCOME = "income", _("Collective income")
    PROJECT = "project", _("A project")
    SPENDING = "spending", _("Spending above the town's threshold")
    OTHER = "other", _("Another major matter")


class Step(models.IntegerChoices):
    """四议一审两公开, in their order."""

    PROPOSE = 1, _("Proposed by the party branch (提议)")
    CONSULT = 2, _("Discussed by the two committees (商议)")
    DELIBERATE = 3, _("Deliberated by the party members' meeting (审议)")
    REVIEW = 4, _("Reviewed by the town (一审)")
    RESOLVE = 5, _("Resolved by the villagers (决议)")
    PUBLISH_RESOLUTION = 6, _("Resolution published (决议公开)")
    PUBLISH_RESULT = 7, _("Result published (实施结果公开)")


class Assembly(models.TextChoices):
    """Who resolves (决议): the villager representatives' meeting or the villagers'
    meeting, each with the law's quorum (村民委员会组织法)."""

    REPRESENTATIVES = "representatives", _("Villager representatives' meeting")
    VILLAGERS = "villagers", _("Villagers' meeting (adults)")
    HOUSEHOLDS = "households", _("Villagers' meeting (households' representatives)")


class DisclosureKind(models.TextChoices):
    PARTY = "party", _("Party affairs")
    VILLAGE = "village", _("Village affairs")
    FINANCE = "finance", _("Finances")


class Cadence(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
