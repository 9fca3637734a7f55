"""The demo step ``affairs_council``: 山神村's kind of villagers' council (seed 002) on
the first village of the demo town, through the services: nine seats, a dozen topics
with their meetings and suggestions (some adopted), a courtyard meeting (院坝会), and a
road-access dispute heard in public (评理说事, seed 003) linked to one of the village's
cases."""

import datetime

from django.db import transaction
from django.utils import timezone

from governance import demo

from .choices import FIXED_SEATS, Seat, TopicKind

NAMES = ["王德明", "李秀英", "张国强", "刘建华", "陈玉兰", "杨志刚", "赵桂芳", "黄文斌", "周长林"]
TOPICS = [
    ("村口便民桥维修", "村口便民桥栏杆松动，汛期前需维修加固。"),
    ("文化广场加装路灯", "村民反映晚上在广场活动照明不足。"),
    ("垃圾清运时间调整", "夏季垃圾清运改为每天一次。"),
    ("三组饮水管道更换", "三组饮水管道老化，经常爆管。"),
    ("村规民约修订", "增加移风易俗、红白喜事简办条款。"),
    ("农家书屋开放时间", "农家书屋周末开放，方便学生借阅。"),
    ("村道两侧绿化", "村道两侧补植行道树。"),
    ("留守老人互助食堂", "为七十岁以上留守老人开设互助食堂。"),
    ("集体林地防火巡查", "冬春季节组织村民轮流巡山防火。"),
    ("停车位规划", "村委会门前划定停车位。"),
    ("稻田养鱼合作社", "成立稻田养鱼合作社，村民自愿入股。"),
    ("院坝会：五组排水沟清淤", "五组排水沟淤塞，雨天积水进院。"),
]
DISPUTE = "五组张家与李家道路通行纠纷"


@demo.step("affairs_council", after=("hierarchy", "users", "cases"))
def build_council(run: demo.DemoRun) -> None:
    from grids.demo import town_code
    from grids.models import Town, Village

    from . import council
    from .models import Hearing, Member, Topic

    town = Town.objects.get(code=town_code(0))
    village = Village.objects.filter(town=town, deleted_at__isnull=True).order_by("code").first()
    cadre = run.built["cadres"].get(village.pk) if village else None
    if cadre is None:
        return
    now = timezone.now()
    with transaction.atomic():
        if not Member.objects.filter(village=village).exists():
            for seat, name in zip(FIXED_SEATS, NAMES, strict=True):
                council.member_add(
                    village=village,
                    seat=seat,
                    name=name,
                    since=timezone.localdate() - datetime.timedelta(days=400),
                    actor=cadre,
                )
        seats = list(Member.objects.filter(village=village, topic__isnull=True))
        for i, (title, description) in enumerate(TOPICS):
            if Topic.objects.filter(village=village, title=title).exists():
                continue
            courtyard = title.startswith("院坝会")
            kind = TopicKind.COURTYARD if courtyard else TopicKind.COUNCIL
            topic = council.topic_create(
                village=village, title=title, description=description, kind=kind, actor=cadre
            )
            if i == len(TOPICS) - 2:  # one still proposed
                continue
            council.topic_publish(topic=topic, actor=cadre)
            if i == len(TOPICS) - 3:  # one published, not yet discussed
                continue
            if i % 4 == 0:
                council.member_add(
                    village=village, seat=Seat.STAKEHOLDER, name="受益户代表", topic=topic, actor=cadre
                )
            meeting = council.meeting_record(
                village=village,
                kind=kind,
                held_at=now - datetime.timedelta(days=60 - 4 * i, hours=2),
                place="五组院坝" if courtyard else "村民议事厅",
                topics=[topic],
                attendees=seats[:7] if not courtyard else seats[:3],
                others_present=35 if courtyard else 6,
                speakers="王德明、李秀英、村民代表",
                minutes=f"讨论“{title}”，与会人员充分发表意见。",
                actor=cadre,
            )
            council.suggestion_add(
                topic=topic,
                meeting=meeting,
                by="村民代表",
                text="由村集体出资，村民投工投劳。",
                adopted=i % 3 != 2,
                outcome="已按建议实施。" if i % 3 != 2 else "",
                actor=cadre,
            )
            council.suggestion_add(
                topic=topic, meeting=meeting, by="老党员", text="先公示方案，再组织实施。", actor=cadre
            )
            if i < 6:
                council.topic_close(topic=topic, outcome="已办结，结果在村务公开栏公示。", actor=cadre)
        if not Hearing.objects.filter(village=village, title=DISPUTE).exists():
            case = council.cases_for_hearing(cadre, village).order_by("-created_at").first()
            council.hearing_record(
                village=village,
                title=DISPUTE,
                parties="张某某、李某某",
                case=case,
                held_at=now - datetime.timedelta(days=5),
                place="村民议事厅",
                panel=[
                    {"name": "刘建华", "role": "人大代表"},
                    {"name": "陈玉兰", "role": "党代表"},
                    {"name": "杨志刚", "role": "政协委员"},
                    {"name": "王德明", "role": "村干部"},
                    {"name": "赵桂芳", "role": "人民调解员"},
                    {"name": "黄文斌", "role": "村民代表"},
                ],
                summary="李家在自家地边砌墙，张家农用车无法通行，经调解未果，提交评理说事。",
                panel_view="通行是两家共同需要，李家应留出通道，张家适当补偿。",
                outcome="李家后退一米留出通道，张家补偿青苗费五百元，双方签字。",
                settled=True,
                actor=cadre,
            )
    mine = Topic.objects.filter(village=village, deleted_at__isnull=True)
    run.count("council topics", mine.count())
    run.count("  adopted suggestions", sum(c["adopted"] for c in council.counts_by_village(mine)))
    run.count("public hearings", Hearing.objects.filter(town=town).count())
