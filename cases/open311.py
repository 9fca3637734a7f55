"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) at /open311/v2/.

Services are case kinds; a request is a case, its ``service_request_id`` the public
tracking number; status is ``open`` or ``closed``; ``expected_datetime`` carries the
case's current deadline. Requests are filed with an API key bound to an area: a lat/long
resolves to the grid whose boundary holds it, ``address_string`` / ``address_id`` to a
village or grid of that area by code or name. Every answer comes as JSON or XML, errors
as the spec's list of ``{code, description}``.

Reads without a key serve what the public board serves (its cases, a short masked
description, no reporter, coordinates, address, photos or solution text); a single
request by its id is the tracking page's progress, in the same form. Reads with a key
(``api_key``) serve the rows of the key's area in full. Lists are paged, as
implementations of the spec do: ``page`` (from 1) and ``page_size`` (default 50, at most
MAX_RESULTS), newest first, the next and previous pages in the ``Link`` header; or
narrow them with ``start_date`` and ``end_date``.
"""

from __future__ import annotations

import datetime
import secrets
from xml.etree import ElementTree as ET

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from governance import crypto
from governance.api.throttles import public_door
from governance.scoping import area_scope, restrict_to_scope
from governance.text import CONTROL_CHARACTERS
from grids.models import Grid, Village
from grids.selectors import grid_at_point

from . import services
from .choices import OPEN_STATES, Source
from .models import Case, CaseKind, Open311Client, rating_code, rating_link
from .selectors import board_cases, holder_name, public_cases, short

FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
DEFAULT_DAYS = 90
MAX_RESULTS = 1000  # the most rows one answer holds (page_size's cap)
DEFAULT_PAGE_SIZE = 50
MAX_PAGE = 100_000  # past it, an offset no database takes kindly (and no list is so long)
ATTRIBUTES = [
    {
        "variable": True,
        "code": "anonymous",
        "datatype": "singlevaluelist",
        "required": False,
        "datatype_description": "true / false",
        "order": 1,
        "description": "匿名反映 (anonymous report)",
        "values": [{"key": "true", "name": "是"}, {"key": "false", "name": "否"}],
    },
    {
        "variable": True,
        "code": "source",
        "datatype": "singlevaluelist",
        "required": False,
        "datatype_description": "hotline / api",
        "order": 2,
        "description": "来源 (source)",
        "values": [{"key": "hotline", "name": "12345热线"}, {"key": "api", "name": "其他系统"}],
    },
]


class Open311Error(Exception):
    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status, self.description = status, description


def issue_key(client: Open311Client) -> str:
    """A new API key for ``client``: only its digest is kept."""
    key = secrets.token_urlsafe(24)
    client.key_digest = crypto.digest(key)
    client.key_prefix = key[:6]
    return key


# ---------------------------------------------------------------- rendering


def _xml_value(parent, tag, value):
    el = ET.SubElement(parent, tag)
    if isinstance(value, list):
        child_tag = {
            "values": "value",
            "attributes": "attribute",
            "endpoints": "endpoint",
            "formats": "format",
            "keywords": "keyword",
        }.get(tag, "item")
        for item in value:
            _xml_value(el, child_tag, item)
    elif isinstance(value, dict):
        for k, v in value.items():
            _xml_value(el, k, v)
    elif isinstance(value, bool):
        el.text = "true" if value else "false"
    elif value is not None:
        # XML 1.0 has no control characters: one saved before they were refused at the
        # door would make the whole document invalid.
        el.text = CONTROL_CHARACTERS.sub("", str(value))
    return el


def render(
    data, fmt: str, *, root: str, item: str | None = None, status: int = 200, links: dict | None = None
) -> HttpResponse:
    response = _render(data, fmt, root=root, item=item, status=status)
    if links:
        response["Link"] = ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items())
    return response


def _render(data, fmt: str, *, root: str, item: str | None = None, status: int = 200) -> HttpResponse:
    if fmt == "json":
        return JsonResponse(data, safe=False, status=status, json_dumps_params={"ensure_ascii": False})
    top = ET.Element(root)
    if isinstance(data, list):
        for entry in data:
            _xml_value(top, item, entry) if not isinstance(entry, dict) else _dict_to(top, item, entry)
    else:
        for k, v in data.items():
            _xml_value(top, k, v)
    # The spec asks for the XML declaration with encoding="UTF-8" before the root element.
    body = b'<?xml version="1.0" encoding="UTF-8"?>' + ET.tostring(top, encoding="unicode").encode()
    return HttpResponse(body, content_type=FORMATS["xml"], status=status)


def _dict_to(parent, tag, data: dict):
    el = ET.SubElement(parent, tag)
    for k, v in data.items():
        _xml_value(el, k, v)


def error(fmt: str, status: int, description: str) -> HttpResponse:
    return render(
        [{"code": status, "description": description}],
        fmt if fmt in FORMATS else "json",
        root="errors",
        item="error",
        status=status,
    )


def open311_view(methods):
    def wrap(view):
        @csrf_exempt
        @require_http_methods(methods)
        def inner(request, *args, fmt="json", **kwargs):
            if fmt not in FORMATS:
                return error("json", 404, "format must be json or xml")
            try:
                return view(request, *args, fmt=fmt, **kwargs)
            except Open311Error as exc:
                return error(fmt, exc.status, exc.description)

        return inner

    return wrap


def _iso(value: datetime.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


# ---------------------------------------------------------------- endpoints


@open311_view(["GET"])
def discovery(request, fmt):
    base = (
        request.build_absolute_uri(reverse("open311-discovery", kwargs={"fmt": fmt})).rsplit("/", 1)[0] + "/"
    )
    data = {
        "changeset": "2026-11-22T00:00:00+08:00",
        "contact": "镇社会治理综合指挥中心",
        "key_service": "API keys are issued per client system by the town office (admin: Open311 clients).",
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": base,
                "changeset": "2026-11-22T00:00:00+08:00",
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }
    return render(data, fmt, root="discovery")


def _service(kind: CaseKind) -> dict:
    return {
        "service_code": kind.code,
        "service_name": kind.name,
        "description": kind.description,
        "metadata": True,
        "type": "realtime",
        "keywords": kind.group,
        "group": kind.group or "其他",
    }


def _kinds(jurisdiction: str | None):
    kinds = CaseKind.objects.filter(is_active=True, deleted_at__isnull=True)
    if jurisdiction:
        return kinds.filter(Q(town__isnull=True) | Q(town__code=jurisdiction))
    return kinds.filter(town__isnull=True)


@open311_view(["GET"])
def service_list(request, fmt):
    kinds = _kinds(request.GET.get("jurisdiction_id"))
    return render([_service(k) for k in kinds], fmt, root="services", item="service")


@open311_view(["GET"])
def service_definition(request, code, fmt):
    if not _kinds(request.GET.get("jurisdiction_id")).filter(code=code).exists():
        raise Open311Error(404, f"no service with code {code}")
    return render({"service_code": code, "attributes": ATTRIBUTES}, fmt, root="service_definition")


def _request_row(case: Case, request) -> dict:
    """A request as a client with a key reads it (the key's area only). Its photo is the
    public copy (no location in it), served while the case is on the public board."""
    status = "open" if case.state in OPEN_STATES else "closed"
    media = next(iter(case.attachments.all()), None)  # prefetched
    return {
        "service_request_id": case.tracking_number,
        "status": status,
        "status_notes": case.solution or case.get_state_display(),
        "service_name": case.kind.name,
        "service_code": case.kind.code,
        "description": case.description,
        "agency_responsible": case.department.name if case.department_id else case.village.name,
        "service_notice": "",
        "requested_datetime": _iso(case.created_at),
        "updated_datetime": _iso(case.updated_at),
        "expected_datetime": _iso(case.deadline) if status == "open" else None,
        "address": case.address,
        "address_id": case.grid.code if case.grid_id else case.village.code,
        "zipcode": "",
        "lat": case.latitude,
        "long": case.longitude,
        "media_url": request.build_absolute_uri(reverse("public-photo", args=[media.pk])) if media else "",
    }


def _public_row(case: Case, request) -> dict:
    """A request as anyone reads it: what the public board shows of the case (reported
    when, where by village, what kind, the short masked description, who holds it, the
    deadline, the state), and nothing else."""
    status = "open" if case.state in OPEN_STATES else "closed"
    return {
        "service_request_id": case.tracking_number,
        "status": status,
        "status_notes": case.get_state_display(),
        "service_name": case.kind.name,
        "service_code": case.kind.code,
        "description": short(case.description),
        "agency_responsible": holder_name(case) or case.village.name,
        "service_notice": "",
        "requested_datetime": _iso(case.created_at),
        "updated_datetime": None,
        "expected_datetime": _iso(case.deadline) if status == "open" else None,
        "address": "",
        "address_id": case.village.code,
        "zipcode": "",
        "lat": None,
        "long": None,
        "media_url": "",
    }


def _cases():
    return Case.objects.filter(deleted_at__isnull=True).select_related(
        "kind", "town", "village", "grid", "claimed_by", "department"
    )


def _reader(params) -> Open311Client | None:
    """The client whose ``api_key`` reads (a wrong key is refused), or None: anyone."""
    key = params.get("api_key", "")
    return _client(key) if key else None


def _date_param(params, name: str) -> datetime.datetime | None:
    value = params.get(name)
    if not value:
        return None
    try:
        parsed = parse_datetime(value)
    except ValueError:
        parsed = None
    if parsed is None:
        raise Open311Error(400, "start_date and end_date must be w3 datetimes")
    if timezone.is_naive(parsed):
        return timezone.make_aware(parsed)
    try:
        # An offset like +23:59 is valid ISO 8601, but PostgreSQL refuses a displacement
        # over 15:59: compare in the local time zone.
        return parsed.astimezone(timezone.get_current_timezone())
    except OverflowError:
        raise Open311Error(400, f"{name} is out of range") from None


def _int_param(params, name: str, default: int, most: int) -> int:
    value = params.get(name)
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except ValueError:
        number = 0
    if not 1 <= number <= most:
        raise Open311Error(400, f"{name} must be a whole number from 1 to {most}")
    return number


def _page_link(request, page: int) -> str:
    query = request.GET.copy()
    query["page"] = str(page)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


@csrf_exempt
def requests_endpoint(request, fmt="json"):
    if request.method == "POST":
        return post_request(request, fmt=fmt)
    return get_requests(request, fmt=fmt)


@open311_view(["GET"])
def get_requests(request, fmt):
    """A page of requests, newest first; see the module's docstring for who reads what."""
    params = request.GET
    client = _reader(params)
    # page_size may be as large as MAX_RESULTS, and no more (the spec's cap, kept).
    page_size = min(_int_param(params, "page_size", DEFAULT_PAGE_SIZE, 10**9), MAX_RESULTS)
    page = _int_param(params, "page", 1, MAX_PAGE)
    if params.get("service_request_id"):
        ids = [i.strip().upper() for i in params["service_request_id"].split(",") if i.strip()][:MAX_RESULTS]
        # Any case by its number, as the tracking page shows it.
        cases = (_cases() if client else public_cases()).filter(tracking_number__in=ids)
    else:
        cases = _cases() if client else board_cases()
        if params.get("service_code"):
            cases = cases.filter(kind__code__in=params["service_code"].split(","))
        start, end = _date_param(params, "start_date"), _date_param(params, "end_date")
        if start is None and end is None:
            start = timezone.now() - datetime.timedelta(days=DEFAULT_DAYS)
        if start is not None:
            cases = cases.filter(created_at__gte=start)
        if end is not None:
            cases = cases.filter(created_at__lte=end)
        status = params.get("status")
        if status:
            wanted = set(status.split(","))
            if not wanted <= {"open", "closed"}:
                raise Open311Error(400, "status must be open or closed")
            if wanted == {"open"}:
                cases = cases.filter(state__in=OPEN_STATES)
            elif wanted == {"closed"}:
                cases = cases.exclude(state__in=OPEN_STATES)
        if params.get("jurisdiction_id"):
            cases = cases.filter(town__code=params["jurisdiction_id"])
    if client is not None:
        cases = _area(client, cases).prefetch_related("attachments")
    offset = (page - 1) * page_size
    # One row past the page says whether another follows, without counting them all.
    found = list(cases.order_by("-created_at", "-id")[offset : offset + page_size + 1])
    row = _request_row if client is not None else _public_row
    links = {}
    if len(found) > page_size:
        links["next"] = _page_link(request, page + 1)
    if page > 1:
        links["prev"] = _page_link(request, page - 1)
    return render(
        [row(c, request) for c in found[:page_size]],
        fmt,
        root="service_requests",
        item="request",
        links=links,
    )


@open311_view(["GET"])
def get_request(request, number, fmt):
    client = _reader(request.GET)
    if client is not None:
        cases = _area(client, _cases()).prefetch_related("attachments")
    else:
        cases = public_cases()  # any case by its number, as the tracking page shows it
    case = cases.filter(tracking_number=number.strip().upper()).first()
    if case is None:
        raise Open311Error(404, f"no service request {number}")
    row = _request_row if client is not None else _public_row
    return render([row(case, request)], fmt, root="service_requests", item="request")


@open311_view(["GET"])
def get_token(request, token, fmt):
    # Requests are created at once: the token is the request id itself.
    case = Case.objects.filter(tracking_number=token.strip().upper(), deleted_at__isnull=True).first()
    if case is None:
        raise Open311Error(404, f"no token {token}")
    return render(
        [{"service_request_id": case.tracking_number, "token": token}],
        fmt,
        root="service_requests",
        item="request",
    )


def _client(key: str) -> Open311Client:
    if not key:
        raise Open311Error(403, "api_key is required to submit a request")
    client = Open311Client.objects.filter(
        key_digest=crypto.digest(key), is_active=True, deleted_at__isnull=True
    ).first()
    if client is None:
        raise Open311Error(403, "api_key is not valid")
    return client


def _area(client: Open311Client, queryset):
    """What the client's key reaches: the same scoping as a REST client's token."""
    return restrict_to_scope(queryset, area_scope(Open311Client.objects.filter(pk=client.pk)))


def _area_grids(client: Open311Client):
    return _area(client, Grid.objects.all())


def _area_villages(client: Open311Client):
    return _area(client, Village.objects.all())


def _locate(client: Open311Client, data) -> tuple[Village, Grid | None]:
    lat, lng = data.get("lat"), data.get("long")
    if lat or lng:
        try:
            lat, lng = float(lat), float(lng)
        except (TypeError, ValueError):
            raise Open311Error(400, "lat and long must both be numbers") from None
        grid = grid_at_point(lat=lat, lng=lng, queryset=_area_grids(client))
        if grid is None:
            raise Open311Error(400, "the location is not inside any grid of this api_key's area")
        return grid.village, grid
    for key in ("address_id", "address_string"):
        value = (data.get(key) or "").strip()
        if not value:
            continue
        grid = _area_grids(client).filter(Q(code=value) | Q(name=value)).select_related("village").first()
        if grid is not None:
            return grid.village, grid
        village = _area_villages(client).filter(Q(code=value) | Q(name=value)).first()
        if village is not None:
            return village, None
        raise Open311Error(400, f"{key} matches no village or grid of this api_key's area")
    raise Open311Error(400, "a location is required: lat & long, address_string or address_id")


@open311_view(["POST"])
@public_door()  # submissions, per address
def post_request(request, fmt):
    data = request.POST
    client = _client(data.get("api_key", ""))
    code = data.get("service_code", "").strip()
    if not code:
        raise Open311Error(400, "service_code is required")
    village, grid = _locate(client, data)
    kind = (
        CaseKind.objects.filter(code=code, is_active=True, deleted_at__isnull=True)
        .filter(Q(town__isnull=True) | Q(town_id=village.town_id))
        .order_by("town_id")
        .first()
    )
    if kind is None:
        raise Open311Error(404, f"no service with code {code}")
    description = (data.get("description") or "").strip()
    if not description:
        raise Open311Error(400, "description is required")
    source = data.get("attribute[source]", "api")
    name = " ".join(x for x in (data.get("last_name", ""), data.get("first_name", "")) if x).strip()
    anonymous = data.get("attribute[anonymous]", "false") == "true"
    try:
        lat = float(data["lat"]) if data.get("lat") else None
        lng = float(data["long"]) if data.get("long") else None
        case = services.case_report(
            actor=None,
            data={
                "village": village,
                "grid": grid,
                "kind": kind,
                "source": Source.HOTLINE if source == "hotline" else Source.API,
                "description": description[:2000],
                "address": (data.get("address_string") or "")[:200],
                "latitude": lat,
                "longitude": lng,
                "reporter_name": "" if anonymous else name[:32],
                "is_anonymous": anonymous,
                "reporter_contact": "" if anonymous else (data.get("phone") or "")[:32],
            },
        )
    except ValidationError as exc:
        raise Open311Error(
            400, "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
        ) from None
    notice = f"将在 {timezone.localtime(case.deadline):%Y-%m-%d} 前办结" if case.deadline else ""
    # The receipt: the reporter rates the result with this code, and only with it (an
    # extension of the spec's answer; clients that do not know it ignore it).
    code = rating_code(case)
    return render(
        [
            {
                "service_request_id": case.tracking_number,
                "service_notice": f"{notice}；评价码 {code}" if notice else f"评价码 {code}",
                "account_id": None,
                "rating_code": code,
                "rating_url": request.build_absolute_uri(rating_link(case)),
            }
        ],
        fmt,
        root="service_requests",
        item="request",
    )
