"""The quarterly bulletin as a PDF in Chinese, made in Python alone: no system font, no
browser, no external program.

* The font is Noto Sans CJK SC (SIL Open Font License 1.1, its licence in the font's
  own name table), shipped inside the ``mplfonts`` wheel (``mplfonts/fonts/``); it is
  found by the package's location, without importing it (its import sets matplotlib up).
* fpdf2 lays the document out and embeds the font's CFF outlines as they are
  (``CIDFontType0C``), subset to the glyphs the bulletin uses: a few kilobytes, not the
  font's 16 MB.
* The charts are drawn by matplotlib (Agg, no display) with the same font, saved as SVG
  with the text as outlines, and placed by fpdf2 as vector drawings (crisp in print,
  a few kilobytes each; a PNG at print resolution is three times larger). The chart's
  figures are in the tables beside them, as text.

A bulletin's content never changes, so its PDF is made once and kept in the cache
(keyed by the bulletin's id and generation time).
"""

from __future__ import annotations

import datetime
import importlib.util
import io
import logging
import re
from functools import cache
from pathlib import Path

from django.core.cache import cache as django_cache
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .choices import Indicator
from .models import Bulletin

FONT_FILE = "NotoSansCJKsc-Regular.otf"
FAMILY = "noto"
CACHE_SECONDS = 7 * 24 * 3600
BLUE = "#0b5394"
INK = (33, 37, 41)
MUTED = (108, 117, 125)


@cache
def font_path() -> Path:
    """Noto Sans CJK SC inside the installed mplfonts package."""
    spec = importlib.util.find_spec("mplfonts")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("The mplfonts package is not installed: it ships the PDF's Chinese font.")
    path = Path(next(iter(spec.submodule_search_locations))) / "fonts" / FONT_FILE
    if not path.is_file():
        raise RuntimeError(f"{path} is missing: the PDF's Chinese font.")
    return path


# ---------------------------------------------------------------------------------------
# Formatting, shared with the page
# ---------------------------------------------------------------------------------------


def rate(value) -> str:
    """A rate 0–1 as a percentage; — when there is none."""
    return "—" if value is None else f"{100 * value:.1f}%"


def percent(value) -> str:
    """A share already in percent (the statistics page's); — when there is none."""
    return "—" if value is None else f"{value:.1f}%"


def number(value) -> str:
    return "—" if value is None else f"{value}"


def title(content: dict) -> str:
    return _("%(town)s: bulletin of the villages' work, %(year)s Q%(quarter)s") % {
        "town": content["town"]["name"],
        "year": content["year"],
        "quarter": content["quarter"],
    }


def month_label(start: str) -> str:
    return _("Month %(month)d") % {"month": datetime.date.fromisoformat(start).month}


def indicator_label(key: str) -> str:
    try:
        return str(Indicator(key).label)
    except ValueError:
        return key


# ---------------------------------------------------------------------------------------
# Charts (matplotlib)
# ---------------------------------------------------------------------------------------


def _svg(figure) -> bytes:
    import matplotlib

    out = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": "bulletin"}):
        figure.savefig(out, format="svg", metadata={"Date": None})
    # fpdf2 does not read <metadata> (and says so in the log): it carries nothing drawn.
    return re.sub(rb"<metadata>.*?</metadata>", b"", out.getvalue(), flags=re.S)


def _figure(width_mm: float, height_mm: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width_mm / 25.4, height_mm / 25.4))


def _font(size: float = 8):
    from matplotlib.font_manager import FontProperties

    return FontProperties(fname=str(font_path()), size=size)


def _style(ax, font) -> None:
    for label in [*ax.get_xticklabels(), *ax.get_yticklabels()]:
        label.set_fontproperties(font)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def ranking_chart(content: dict, width_mm: float) -> bytes | None:
    """The quarter's score of each rated village, best on top."""
    rows = [r for r in content["ranking"]["rows"] if r["score"] is not None]
    if not rows:
        return None
    # A bar a line of text high; a town of 60 villages takes most of a page, in smaller type.
    many = len(rows) > 24
    font = _font(6 if many else 8)
    height = min(12 + (4 if many else 6) * len(rows), 250)
    figure = _figure(width_mm, height)
    ax = figure.add_subplot()
    names = [r["village"] for r in rows][::-1]
    scores = [r["score"] for r in rows][::-1]
    bars = ax.barh(range(len(rows)), scores, color=BLUE, height=0.6)
    ax.set_yticks(range(len(rows)), names)
    ax.set_xlim(0, 100)
    for bar, score in zip(bars, scores, strict=True):
        ax.text(
            bar.get_width() + 1,
            bar.get_y() + bar.get_height() / 2,
            f"{score:.2f}",
            va="center",
            fontproperties=font,
        )
    ax.margins(y=0.01)
    _style(ax, font)
    figure.tight_layout(pad=0.4)
    return _svg(figure)


def cases_chart(content: dict, width_mm: float) -> bytes | None:
    """Cases reported per week of the quarter, and the satisfaction split."""
    weeks = content["cases"]["weeks"]
    split = content["cases"]["satisfaction_split"]
    if not weeks["totals"] or not any(weeks["totals"]) and not split["total"]:
        return None
    font = _font()
    figure = _figure(width_mm, 62)
    grid = figure.add_gridspec(1, 3)
    bars = figure.add_subplot(grid[0, :2])
    bars.bar(range(len(weeks["labels"])), weeks["totals"], color=BLUE)
    bars.set_xticks(range(len(weeks["labels"])), weeks["labels"], rotation=60)
    bars.set_title(_("Cases reported per week"), fontproperties=_font(9))
    _style(bars, _font(7))
    pie = figure.add_subplot(grid[0, 2])
    pie.set_title(_("Satisfaction"), fontproperties=_font(9))
    shown = [r for r in split["rows"] if r["value"]]
    if shown:
        pie.pie(
            [r["value"] for r in shown],
            labels=[r["name"] for r in shown],
            colors=["#2e7d32", "#9ccc65", "#e53935"][: len(shown)],
            autopct="%1.0f%%",
            textprops={"fontproperties": _font(7)},
            startangle=90,
        )
    else:
        pie.text(0.5, 0.5, _("No ratings"), ha="center", va="center", fontproperties=font)
        pie.axis("off")
    figure.tight_layout(pad=0.4)
    return _svg(figure)


# ---------------------------------------------------------------------------------------
# The document (fpdf2)
# ---------------------------------------------------------------------------------------


class _Document:
    def __init__(self, bulletin: Bulletin):
        from fpdf import FPDF

        self.bulletin = bulletin
        self.content = bulletin.content
        pdf = self.pdf = FPDF(orientation="portrait", unit="mm", format="A4")
        pdf.set_margins(18, 16, 18)
        pdf.set_auto_page_break(True, margin=16)
        pdf.add_font(FAMILY, "", str(font_path()))
        pdf.set_title(title(self.content))
        pdf.set_author(self.content["town"]["name"])
        pdf.set_creator("village-governance")
        pdf.set_lang("zh-CN")
        pdf.set_creation_date(bulletin.generated_at or timezone.now())
        footer_text = _("%(town)s · page %(page)s of %(pages)s")
        town = self.content["town"]["name"]

        def footer():
            pdf.set_y(-12)
            pdf.set_font(FAMILY, size=8)
            pdf.set_text_color(*MUTED)
            pdf.cell(0, 5, footer_text % {"town": town, "page": pdf.page_no(), "pages": "{nb}"}, align="C")

        pdf.footer = footer
        pdf.add_page()

    @property
    def width(self) -> float:
        return self.pdf.epw

    def text(self, value: str, size: float = 10, color=INK, align="L", height: float | None = None) -> None:
        from fpdf.enums import WrapMode, XPos, YPos

        self.pdf.set_font(FAMILY, size=size)
        self.pdf.set_text_color(*color)
        self.pdf.multi_cell(
            0,
            height or size * 0.5,
            value,
            align=align,
            wrapmode=WrapMode.CHAR,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )

    def heading(self, value: str) -> None:
        if self.pdf.will_page_break(40):
            self.pdf.add_page()
        self.pdf.ln(3)
        self.text(value, size=13, color=(11, 83, 148), height=8)
        self.pdf.ln(1)

    def table(self, header: list[str], rows: list[list[str]], widths: list[float], align=None) -> None:
        from fpdf.enums import WrapMode
        from fpdf.fonts import FontFace

        self.pdf.set_font(FAMILY, size=8.5)
        self.pdf.set_text_color(*INK)
        head = FontFace(emphasis="", fill_color=(232, 240, 250), color=INK)
        with self.pdf.table(
            col_widths=widths,
            width=self.width,
            headings_style=head,
            line_height=5,
            text_align=align or "LEFT",
            wrapmode=WrapMode.CHAR,
            padding=(0.8, 1.2),
            borders_layout="HORIZONTAL_LINES",
            repeat_headings=1,
        ) as table:
            table.row(header)
            for row in rows:
                table.row([str(cell) for cell in row])
        self.pdf.ln(2)

    def chart(self, svg: bytes | None) -> None:
        if svg is None:
            return
        from fpdf.svg import SVGObject

        drawing = SVGObject(svg)
        height = self.width * drawing.height / drawing.width
        if self.pdf.will_page_break(height):
            self.pdf.add_page()
        self.pdf.image(io.BytesIO(svg), x=self.pdf.l_margin, w=self.width)
        self.pdf.ln(2)

    # -- the sections ---------------------------------------------------------------

    def build(self) -> bytes:
        c = self.content
        self.text(title(c), size=17, align="C", height=10)
        meta = _("%(start)s to %(end)s · version %(version)s") % {
            "start": c["start"],
            "end": c["end"],
            "version": self.bulletin.version,
        }
        if self.bulletin.published_at:
            meta += " · " + _("published %(day)s") % {
                "day": timezone.localtime(self.bulletin.published_at).date().isoformat()
            }
        else:
            meta += " · " + _("not published")
        self.text(meta, size=9, color=MUTED, align="C")
        self.pdf.ln(3)
        self.summary()
        self.ranking()
        self.best_and_worst()
        self.inspections()
        self.cases()
        return bytes(self.pdf.output())

    def summary(self) -> None:
        c = self.content
        cases, insp = c["cases"], c["inspections"]
        self.text(
            _(
                "This quarter %(ranked)s of %(villages)s villages were ranked; the town office inspected "
                "%(inspections)s times and found the post deserted %(absent)s times; %(reported)s cases were "
                "reported and %(solved)s solved, %(in_time)s of them within the deadline; %(satisfaction)s of "
                "the ratings were satisfied."
            )
            % {
                "ranked": c["ranking"]["ranked"],
                "villages": c["ranking"]["villages"],
                "inspections": insp["count"],
                "absent": insp["absent"],
                "reported": cases["reported"],
                "solved": cases["solved"],
                "in_time": percent(cases["in_time"]),
                "satisfaction": percent(cases["satisfaction"]),
            },
            size=10,
            height=6,
        )

    def ranking(self) -> None:
        c = self.content
        self.heading(_("1. Village ranking of the quarter"))
        self.text(
            _(
                "The quarter's score is the mean of the village's monthly ranking scores over the months "
                "it was rated in; not rated: too few events in every month."
            ),
            size=8,
            color=MUTED,
            height=4.5,
        )
        self.pdf.ln(1)
        months = [month_label(m["start"]) for m in c["months"]]
        header = [_("Rank"), _("Village"), _("Quarter score"), *months]
        rows = []
        for r in c["ranking"]["rows"]:
            monthly = [
                "—"
                if m is None
                else (f"{m['score']:.2f} / {m['rank']}" if m["score"] is not None else _("not rated"))
                for m in r["months"]
            ]
            rows.append(
                [
                    number(r["rank"]),
                    r["village"],
                    f"{r['score']:.2f}" if r["score"] is not None else _("not rated"),
                    *monthly,
                ]
            )
        self.table(header, rows, [12, 40, 24, 28, 28, 28])
        missing = [month_label(m["start"]) for m in c["months"] if m["snapshot"] is None]
        if missing:
            self.text(
                _("No monthly ranking for %(months)s.") % {"months": "、".join(missing)}, size=8, color=MUTED
            )
        self.chart(ranking_chart(c, self.width))

    def best_and_worst(self) -> None:
        c = self.content
        best, worst = c.get("best"), c.get("worst")
        if not best:
            return
        self.heading(_("2. The best and the last village"))
        header = [_("Indicator"), f"{_('Best')}：{best['village']}"]
        if worst:
            header.append(f"{_('Last')}：{worst['village']}")
        header.append(_("Town"))

        def cell(i):
            return rate(i["value"]) if i["rated"] else _("not rated")

        rows = []
        for n, item in enumerate(best["indicators"]):
            row = [indicator_label(item["key"]), cell(item)]
            if worst:
                row.append(cell(worst["indicators"][n]))
            row.append(rate(item["town"]))
            rows.append(row)
        rows.append(
            [
                _("Quarter score (rank)"),
                f"{best['score']:.2f}（{best['rank']}）",
                *([f"{worst['score']:.2f}（{worst['rank']}）"] if worst else []),
                "",
            ]
        )
        widths = [64, 36, 36, 24] if worst else [80, 50, 30]
        self.table(header, rows, widths)

    def inspections(self) -> None:
        insp = self.content["inspections"]
        self.heading(_("3. Unannounced inspections"))
        self.text(
            _(
                "%(count)s published inspections in %(villages)s villages; the post was found deserted "
                "(脱岗) %(absent)s times; average score %(average)s."
            )
            % {
                "count": insp["count"],
                "villages": insp["villages_inspected"],
                "absent": insp["absent"],
                "average": number(insp["average_score"]),
            },
            size=10,
            height=6,
        )
        if insp["notable"]:
            self.pdf.ln(1)
            self.text(_("Notable findings (脱岗 or scored below 60):"), size=9, height=5)
            rows = [
                [
                    n["date"],
                    n["village"],
                    str(n["score"]),
                    _("deserted") if not n["present"] else _("Present"),
                    n.get("findings") or "—",
                ]
                for n in insp["notable"]
            ]
            self.table(
                [_("Date"), _("Village"), _("Score"), _("At the post"), _("Findings")],
                rows,
                [22, 30, 14, 18, 90],
            )
            if insp["more"]:
                self.text(_("and %(n)s more") % {"n": insp["more"]}, size=8, color=MUTED)

    def cases(self) -> None:
        cases = self.content["cases"]
        self.heading(_("4. Cases"))
        self.text(
            _(
                "Reported %(reported)s, solved %(solved)s, solved within the deadline %(met)s (%(in_time)s); "
                "ratings %(rated)s, satisfied or basically satisfied %(good)s (%(satisfaction)s)."
            )
            % {
                "reported": cases["reported"],
                "solved": cases["solved"],
                "met": cases["solved_met"],
                "in_time": percent(cases["in_time"]),
                "rated": cases["rated"],
                "good": cases["good"],
                "satisfaction": percent(cases["satisfaction"]),
            },
            size=10,
            height=6,
        )
        self.pdf.ln(1)
        rows = [
            [
                r["village"],
                r["reported"],
                r["solved"],
                r["solved_met"],
                percent(r["in_time"]),
                r["rated"],
                percent(r["satisfaction"]),
            ]
            for r in cases["per_village"]
        ]
        self.table(
            [
                _("Village"),
                _("Cases reported"),
                _("Solved"),
                _("In time"),
                _("In time (%)"),
                _("Ratings"),
                _("Satisfied (%)"),
            ],
            rows,
            [40, 20, 20, 20, 22, 20, 32],
        )
        self.chart(cases_chart(self.content, self.width))


def render(bulletin: Bulletin) -> bytes:
    """The bulletin as a PDF (in Chinese, whatever the request's language)."""
    # fontTools logs each table of each subset at INFO: two screens per PDF.
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    with translation.override("zh-hans"):
        return _Document(bulletin).build()


def pdf_bytes(bulletin: Bulletin) -> bytes:
    """The bulletin's PDF, made once and kept (its content never changes; publishing
    changes the line under the title, so the key holds it)."""
    stamp = bulletin.published_at.isoformat() if bulletin.published_at else "draft"
    key = f"scoring:bulletin-pdf:{bulletin.pk}:{bulletin.generated_at.isoformat()}:{stamp}"
    data = django_cache.get(key)
    if data is None:
        data = render(bulletin)
        django_cache.set(key, data, CACHE_SECONDS)
    return data


def file_name(bulletin: Bulletin) -> str:
    return f"bulletin-{bulletin.content['town']['code']}-{bulletin.year}Q{bulletin.quarter}-v{bulletin.version}.pdf"
