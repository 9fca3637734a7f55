"""The API's JSON parser: a nesting limit and no control characters, before any view.

Python's json module recurses once per level, so a body nested 1,000 levels deep ends in
a RecursionError (a 500) there or in whatever walks the result later. No document this
API takes nests deeper than a GeoJSON MultiPolygon inside a Feature (about 7 levels).
"""

import json
import re

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils.json import strict_constant

from ..text import has_control_characters

MAX_DEPTH = 64
# A JSON string, escapes included (the unrolled form runs in linear time).
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_BRACKET = re.compile(r"[\[\]{}]")


def too_deep(text: str, limit: int = MAX_DEPTH) -> bool:
    """Whether the JSON text opens more than ``limit`` arrays or objects inside each other."""
    if text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    for match in _BRACKET.finditer(_STRING.sub("", text)):
        if match.group() in "[{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def holds_control_characters(data) -> bool:
    """Whether any key or string value in the parsed document has a control character."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if has_control_characters(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        try:
            text = stream.read().decode(encoding)
        except UnicodeDecodeError as exc:
            raise ParseError(_("The body is not valid %(encoding)s text.") % {"encoding": encoding}) from exc
        if too_deep(text):
            raise ParseError(_("The JSON body nests deeper than %(n)d levels.") % {"n": MAX_DEPTH})
        try:
            data = json.loads(text, parse_constant=strict_constant if self.strict else None)
        except (ValueError, RecursionError) as exc:
            raise ParseError(_("JSON parse error - %(error)s") % {"error": exc}) from exc
        if holds_control_characters(data):
            raise ParseError(
                _("The request contains a control character (such as NUL), which is never valid input.")
            )
        return data
