"""The village rankings on the web front: the ranking in the navigation; on the home
page, the town office's and supervisors' best and last village of the latest monthly
ranking, and a cadre's village's place in the latest published one."""

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from governance.frontend import Tile, nav, tiles
from governance.scoping import CADRE, OFFICE, SUPERVISOR, VIEW, restrict

from .choices import PeriodKind
from .menu import SCORING
from .models import Snapshot, SnapshotRow

nav(_("Village ranking"), "scoring:ranking", roles=(OFFICE, SUPERVISOR, CADRE), order=40, group=SCORING)


def _url(snapshot: Snapshot, village_id: int | None = None) -> str:
    if village_id is not None:
        return reverse("scoring:ranking-village", args=[snapshot.pk, village_id])
    query = {
        "town": snapshot.town_id,
        "kind": snapshot.kind,
        "start": snapshot.start,
        "version": snapshot.version,
    }
    return f"{reverse('scoring:ranking')}?{urlencode(query)}"


@tiles(roles=(OFFICE, SUPERVISOR), order=40)
def office_tiles(request, scope, role):
    """The latest monthly ranking of the user's (first) town: its best and last village."""
    snapshot = (
        restrict(Snapshot.objects.filter(kind=PeriodKind.MONTH), request.user, VIEW)
        .order_by("-start", "town__code", "-version")
        .first()
    )
    if snapshot is None:
        return [
            Tile(
                _("Village ranking"),
                "—",
                reverse("scoring:ranking"),
                "secondary",
                _("no monthly ranking yet"),
                "ranking-best",
            )
        ]
    rows = list(
        snapshot.rows.filter(rank__isnull=False).select_related("village").order_by("rank", "village__code")
    )
    month = f"{snapshot.start:%Y-%m}"
    if not rows:
        return [Tile(_("Village ranking"), "—", _url(snapshot), "secondary", month, "ranking-best")]
    best, worst = rows[0], rows[-1]
    return [
        Tile(
            _("Best village this month's ranking"),
            best.village.name,
            _url(snapshot, best.village_id),
            "success",
            _("%(month)s: score %(score)s") % {"month": month, "score": best.score},
            "ranking-best",
        ),
        Tile(
            _("Last village this month's ranking"),
            worst.village.name,
            _url(snapshot, worst.village_id),
            "danger",
            _("%(month)s: score %(score)s") % {"month": month, "score": worst.score},
            "ranking-worst",
        ),
    ]


@tiles(roles=(CADRE,), order=40)
def cadre_tiles(request, scope, role):
    """The cadre's village's place in the latest published monthly ranking."""
    villages = sorted(scope.ids("village", [CADRE])) if scope else []
    row = (
        restrict(
            SnapshotRow.objects.filter(village_id__in=villages, snapshot__kind=PeriodKind.MONTH),
            request.user,
            VIEW,
        )
        .select_related("snapshot")
        .order_by("-snapshot__start", "-snapshot__version")
        .first()
    )
    if row is None:
        return [
            Tile(
                _("Our village's rank"),
                "—",
                reverse("scoring:ranking"),
                "secondary",
                _("no published ranking yet"),
                "ranking-village",
            )
        ]
    total = row.snapshot.rows.filter(rank__isnull=False).count()
    change = row.change
    hint = f"{row.snapshot.start:%Y-%m}"
    if change:
        hint += " " + (_("up %(n)d") % {"n": change} if change > 0 else _("down %(n)d") % {"n": -change})
    return [
        Tile(
            _("Our village's rank"),
            f"{row.rank}/{total}" if row.rank else "—",
            _url(row.snapshot, row.village_id),
            "success" if change and change > 0 else ("danger" if change and change < 0 else "primary"),
            hint,
            "ranking-village",
        )
    ]
