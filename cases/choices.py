from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseState(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    CLAIMED = "claimed", _("Claimed by the village")
    ESCALATED = "escalated", _("Escalated to the town")
    ASSIGNED = "assigned", _("Assigned to a department")
    ACCEPTED = "accepted", _("Accepted by the department")
    SOLVED = "solved", _("Solved")
    CONFIRMED = "confirmed", _("Confirmed")
    CLOSED = "closed", _("Closed (crossed off)")
    REJECTED = "rejected", _("Rejected: not a case")


OPEN_STATES = (
    CaseState.REGISTERED,
    CaseState.CLAIMED,
    CaseState.ESCALATED,
    CaseState.ASSIGNED,
    CaseState.ACCEPTED,
)
VILLAGE_OPEN_STATES = (CaseState.REGISTERED, CaseState.CLAIMED)
TOWN_OPEN_STATES = (CaseState.ESCALATED, CaseState.ASSIGNED, CaseState.ACCEPTED)
FINISHED_STATES = (CaseState.CLOSED, CaseState.REJECTED)


class Level(models.TextChoices):
    VILLAGE = "village", _("Village level")
    TOWN = "town", _("Town / department")


# Working days each level has to solve a case (DESIGN.md, "Cases").
LEVEL_WORKING_DAYS = {Level.VILLAGE: 3, Level.TOWN: 7}


class Source(models.TextChoices):
    VISIT = "visit", _("Household visit")
    PATROL = "patrol", _("Duty patrol")
    GRID_REPORT = "grid_report", _("Grid worker report")
    WALK_IN = "walk_in", _("Walk-in")
    HOTLINE = "hotline", _("12345 hotline")
    API = "api", _("REST client")


class Move(models.TextChoices):
    REPORT = "report", _("Report")
    SOLVE_ON_SPOT = "solve_on_spot", _("Solve on the spot")
    CLAIM = "claim", _("Claim")
    ESCALATE = "escalate", _("Escalate to the town")
    ASSIGN = "assign", _("Assign to a department")
    ACCEPT = "accept", _("Accept")
    SEND_BACK = "send_back", _("Send back")
    SOLVE = "solve", _("Solve")
    CONFIRM = "confirm", _("Confirm the result")
    CLOSE = "close", _("Close (cross off)")
    REJECT = "reject", _("Reject as not a case")
    REOPEN = "reopen", _("Reopen")
    RATE = "rate", _("Rate the result")
    SUPERVISE = "supervise", _("Flag for supervision (督办)")
    REMIND = "remind", _("Deadline reminder")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY = "basically", _("Basically satisfied")
    NOT_SATISFIED = "not_satisfied", _("Not satisfied")


class Channel(models.TextChoices):
    LOG = "log", _("Log")
    SMS = "sms", _("SMS")
    WECHAT = "wechat", _("WeChat")
    EMAIL = "email", _("E-mail")


class NotificationKind(models.TextChoices):
    PROGRESS = "progress", _("Progress to the reporter")
    RATE_REQUEST = "rate_request", _("Request to rate the result")
    REMINDER = "reminder", _("Deadline reminder")
    SUPERVISION = "supervision", _("Overdue: supervision")
