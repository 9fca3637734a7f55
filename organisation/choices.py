from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# ---------------------------------------------------------------------------------------
# The weekly task list (周清单)
# ---------------------------------------------------------------------------------------


class Theme(models.TextChoices):
    DISPUTES = "disputes", _("Disputes (矛盾纠纷)")
    SAFETY = "safety", _("Work safety (安全生产)")
    ENVIRONMENT = "environment", _("Environment (环境整治)")
    SERVICES = "services", _("People's services (民生服务)")
    EPIDEMIC = "epidemic", _("Epidemic control (疫情防控)")
    CIVILITY = "civility", _("Civility (文明创建)")
    BUSINESS = "business", _("Business climate (营商环境)")


class ListState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ISSUED = "issued", _("Issued")


class TaskState(models.TextChoices):
    # "Open" and "Done" mean other things for a case (打开, 办结): the task's own words.
    OPEN = "open", pgettext_lazy("task", "Open")
    DONE = "done", pgettext_lazy("task", "Done")
    NOT_DONE = "not_done", pgettext_lazy("task", "Not done")


# ---------------------------------------------------------------------------------------
# Who answers for every household (三包, 十户一员, 三长五员)
# ---------------------------------------------------------------------------------------


class Level(models.TextChoices):
    VILLAGE = "village", _("Village (科级干部包村)")
    AREA = "area", _("Group or area (分片包组)")
    HOUSEHOLD = "household", _("Household (包户)")


class InformantGroupKind(models.TextChoices):
    VILLAGE = "village", _("Village or community")
    HOMESTAY = "homestay", _("Homestays")
    TAXI = "taxi", _("Taxis")
    TRADE = "trade", _("Other trade association")


class Post(models.TextChoices):
    STAIRWELL = "stairwell", _("Stairwell leader (党员楼道长)")
    POINT_LEADER = "point_leader", _("Compound leader (小区点长)")
    EMERGENCY = "emergency", _("Emergency leader (应急点长)")
    HONOUR = "honour", _("Honour leader (荣誉点长)")
    PROPERTY = "property", _("Property manager (物业管理员)")
    GATE = "gate", _("Gate keeper (门卫)")
    HEALTH = "health", _("Health inspector (卫生监督员)")
    POLICE = "police", _("Police liaison (警务联络员)")
    STREET = "street", _("Street officer (街道干部)")


# ---------------------------------------------------------------------------------------
# Officers sent in from outside (平安书记, 第一书记)
# ---------------------------------------------------------------------------------------


class OfficerKind(models.TextChoices):
    SAFETY = "safety", _("Safety secretary (平安书记)")
    FIRST = "first", _("First secretary (第一书记)")


class Profession(models.TextChoices):
    JUDGE = "judge", _("Judge")
    PROSECUTOR = "prosecutor", _("Prosecutor")
    POLICE = "police", _("Police officer")
    LAWYER = "lawyer", _("Lawyer")
    COUNTY_LEADER = "county_leader", _("County leader")
    BUREAU_HEAD = "bureau_head", _("Bureau head")
    OTHER = "other", _("Other")


class ActivityKind(models.TextChoices):
    MAJOR_MATTER = "major_matter", _("Took part in a major matter")
    VISITING_HOURS = "visiting_hours", _("Visiting hours (坐班接访)")
    SAFETY_LESSON = "safety_lesson", _("Safety or law lesson")
    MEDIATION = "mediation", _("Mediation")
    OTHER = "other", _("Other")


class OfficerGrade(models.TextChoices):
    EXCELLENT = "excellent", _("Excellent (优秀)")
    COMPETENT = "competent", _("Competent (称职)")
    BASIC = "basic", _("Basically competent (基本称职)")
    INCOMPETENT = "incompetent", _("Incompetent (不称职)")


class NightVisitState(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class MatterOutcome(models.TextChoices):
    ANSWERED = "answered", _("Answered on the spot")
    CASE = "case", _("Became a case")


# ---------------------------------------------------------------------------------------
# The village secretaries' files (先锋书记, 承诺述职评议考核)
# ---------------------------------------------------------------------------------------


class EntryKind(models.TextChoices):
    TRAINING = "training", _("Training")
    MENTOR_TALK = "mentor_talk", _("Talk with the mentor")
    ASSESSMENT = "assessment", _("Assessment")
    ACHIEVEMENT = "achievement", _("Achievement")
    REWARD = "reward", _("Reward")
    PENALTY = "penalty", _("Penalty")
    EXAM = "exam", _("Exam")


class CommitmentState(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    KEPT = "kept", _("Kept")
    NOT_KEPT = "not_kept", _("Not kept")


class ReviewGrade(models.TextChoices):
    EXCELLENT = "excellent", _("Excellent (优秀)")
    GOOD = "good", _("Good (良好)")
    FAIR = "fair", _("Fair (一般)")
    POOR = "poor", _("Poor (较差)")
