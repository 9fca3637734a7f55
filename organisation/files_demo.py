"""The demo step ``organisation_files``: the village secretaries' files (先锋书记) and
承诺述职评议考核 on the demo town.

* A file for every village's secretary. The demo has no explicit secretary, so the
  secretary is the village's first party member (by id) — the same person the demo's
  village cadre account is named after (grids.demo), and that account is the file's, so
  the demo cadre reads their own file. The cycle began on 1 January of last year: about
  fifteen months of entries (quarterly trainings, a talk with the mentor every two weeks,
  a yearly exam and assessment, an achievement and a reward). Every third village's talks
  stopped three weeks ago, so the overdue talk shows in red.
* Ten three-year commitments (保山村) for the first two villages, three to five for the
  others, the term from last year to next year; each with one to three steps of progress;
  the first of each village marked kept by the town office.
* Last year's review of every village, reported, voted, graded and published.

Files and commitments go through the services; the many entries, steps and the reviews
are written in bulk (the services' rules hold for what is written: dates in order, within
the cycle, progress non-decreasing). A second run leaves a town that has files as it is.
"""

from __future__ import annotations

import datetime
import random

from django.db import transaction
from django.utils import timezone

from governance import demo

MENTORS = ["王建国", "李卫东", "张志刚", "刘红梅", "陈立新", "杨永强", "赵德明", "孙桂兰"]
TRAININGS = ["县委党校村书记轮训班", "乡村振兴专题培训", "基层治理能力提升培训", "党纪学习教育专题班"]
COMMITMENTS = [
    ("硬化村组道路3公里", "完成三组至五组道路硬化，路面宽4.5米。"),
    ("新建村级文化广场", "在村部旁建设1200平方米文化广场，配齐健身器材。"),
    ("村集体经济年收入突破30万元", "发展光伏和土地流转，三年内集体收入达到30万元。"),
    ("改造农村危房15户", "对排查出的15户危房全部完成改造。"),
    ("安装路灯120盏", "主干道和村组道路实现夜间照明全覆盖。"),
    ("完成人居环境整治", "垃圾分类收集全覆盖，清理沟渠12公里。"),
    ("建设高标准农田800亩", "配套灌溉设施，旱能灌、涝能排。"),
    ("建立村级便民服务站", "代办社保、医保等20项事务，群众办事不出村。"),
    ("开展技能培训300人次", "组织种养殖、电商等实用技术培训。"),
    ("实现饮水安全全覆盖", "改造供水管网，全村通自来水。"),
]


def _entries(file, *, office, start: datetime.date, today: datetime.date, rng, stop_talks: bool):
    from .choices import EntryKind
    from .models import FileEntry

    rows = []

    def add(kind, day, title, detail="", score=None):
        if start <= day <= today:
            rows.append(
                FileEntry(file=file, kind=kind, date=day, title=title, detail=detail, score=score, by=office)
            )

    talks_until = today - datetime.timedelta(days=21) if stop_talks else today
    day = start + datetime.timedelta(days=rng.randint(3, 10))
    while day <= talks_until:
        add(
            EntryKind.MENTOR_TALK,
            day,
            f"与导师{file.mentor}谈心",
            "交流村里重点工作推进情况，导师提出改进意见。",
        )
        day += datetime.timedelta(days=rng.randint(12, 15))
    for year in range(start.year, today.year + 1):
        for month, title in zip((3, 6, 9, 11), TRAININGS, strict=True):
            add(EntryKind.TRAINING, datetime.date(year, month, rng.randint(5, 25)), title)
        add(
            EntryKind.EXAM,
            datetime.date(year, 7, rng.randint(1, 20)),
            "村党组织书记履职能力考试",
            score=rng.randint(72, 98),
        )
        add(
            EntryKind.ASSESSMENT,
            datetime.date(year, 12, 28),
            f"{year}年度考核",
            "年度述职评议考核结果归档。",
            score=rng.randint(80, 96),
        )
    add(
        EntryKind.ACHIEVEMENT,
        start + datetime.timedelta(days=200),
        "带领村集体经济增收",
        "光伏项目并网发电。",
    )
    add(EntryKind.REWARD, start + datetime.timedelta(days=330), "获评县“优秀村党组织书记”")
    return rows


@demo.step("organisation_files", after=("hierarchy", "users"))
def build_files(run: demo.DemoRun) -> None:
    from grids.demo import town_code
    from grids.models import PartyMember, Town, Village

    from . import secretaries
    from .choices import CommitmentState, ReviewGrade
    from .models import Commitment, FileEntry, Progress, Review, SecretaryFile

    town = Town.objects.get(code=town_code(0))
    office = run.built["users"].get("demo_office")
    cadres = run.built.get("cadres", {})
    if office is None:
        return
    today = timezone.localdate()
    rng = random.Random(12)
    if not SecretaryFile.objects.filter(town=town, deleted_at__isnull=True).exists():
        villages = list(Village.objects.filter(town=town, deleted_at__isnull=True).order_by("code"))
        firsts = {}
        for member in PartyMember.objects.filter(
            town=town, deleted_at__isnull=True, village__in=villages
        ).order_by("id"):
            firsts.setdefault(member.village_id, member)
        start = datetime.date(today.year - 1, 1, 1)
        with transaction.atomic():
            entries, steps = [], []
            for i, village in enumerate(villages):
                secretary = firsts.get(village.pk)
                cadre = cadres.get(village.pk)
                if secretary is not None:
                    account = cadre if cadre is not None else None
                    if (
                        account is not None
                        and not secretaries.accounts_for(village, secretary).filter(pk=account.pk).exists()
                    ):
                        account = None
                    file = secretaries.file_create(
                        village=village,
                        secretary=secretary,
                        cycle_start=start.year,
                        selected=i % 2 == 0,
                        mentor=MENTORS[i % len(MENTORS)],
                        user=account,
                        actor=office,
                    )
                    entries += _entries(
                        file, office=office, start=start, today=today, rng=rng, stop_talks=i % 3 == 2
                    )
                # Commitments of the term from last year to next year, and their progress.
                count = 10 if i < 2 else 3 + i % 3
                for n, (title, detail) in enumerate(COMMITMENTS[:count], start=1):
                    c = secretaries.commitment_create(
                        village=village,
                        term_start=today.year - 1,
                        term_end=today.year + 1,
                        number=n,
                        title=title,
                        detail=detail,
                        actor=cadre or office,
                    )
                    percent, day = 0, start + datetime.timedelta(days=rng.randint(30, 90))
                    for _ in range(rng.randint(1, 3)):
                        if day > today:
                            break
                        percent = min(100, percent + rng.choice((15, 20, 25, 30, 40)))
                        steps.append(
                            Progress(
                                commitment=c,
                                date=day,
                                percent=percent,
                                note=f"{title}：已完成约{percent}%。",
                                state=CommitmentState.IN_PROGRESS,
                                by=cadre or office,
                            )
                        )
                        day += datetime.timedelta(days=rng.randint(40, 120))
                    state = CommitmentState.IN_PROGRESS
                    if n == 1 and day <= today:  # the first of each village: kept
                        percent, state = 100, CommitmentState.KEPT
                        steps.append(
                            Progress(
                                commitment=c,
                                date=day,
                                percent=100,
                                note="经镇里核查，承诺事项已兑现。",
                                state=state,
                                by=office,
                            )
                        )
                    c.progress, c.state = percent, state
                    c.save(update_fields=["progress", "state"])
            FileEntry.objects.bulk_create(entries)
            Progress.objects.bulk_create(steps)

            # Last year's reviews, published.
            year = today.year - 1
            now = timezone.now()
            reviews = []
            for i, village in enumerate(villages):
                if Review.objects.filter(village=village, year=year, deleted_at__isnull=True).exists():
                    continue
                members = rng.randint(25, 60)
                reps = rng.randint(20, 40)
                ms = int(members * rng.uniform(0.6, 0.9))
                mf = int((members - ms) * 0.7)
                rs = int(reps * rng.uniform(0.6, 0.9))
                rf = int((reps - rs) * 0.7)
                reviews.append(
                    Review(
                        town=town,
                        village=village,
                        year=year,
                        report=(
                            f"{year}年，{village.name}党支部围绕乡村振兴和基层治理，"
                            "推进承诺事项，集体经济稳步增长，人居环境明显改善。"
                        ),
                        reported_on=datetime.date(today.year, 1, 10 + i % 15),
                        members_satisfied=ms,
                        members_fair=mf,
                        members_unsatisfied=members - ms - mf,
                        reps_satisfied=rs,
                        reps_fair=rf,
                        reps_unsatisfied=reps - rs - rf,
                        grade=[ReviewGrade.EXCELLENT, ReviewGrade.GOOD, ReviewGrade.GOOD, ReviewGrade.FAIR][
                            i % 4
                        ],
                        score=85 + i % 10,
                        comment="履职尽责，群众满意度较高。",
                        assessed_by=office,
                        published_at=now,
                    )
                )
            Review.objects.bulk_create(reviews)
    mine = SecretaryFile.objects.filter(town=town, deleted_at__isnull=True)
    run.count("secretaries' files", mine.count())
    run.count("  file entries", FileEntry.objects.filter(file__in=mine).count())
    run.count("village commitments", Commitment.objects.filter(town=town, deleted_at__isnull=True).count())
    run.count(
        "published yearly reviews",
        Review.objects.filter(town=town, deleted_at__isnull=True, published_at__isnull=False).count(),
    )
