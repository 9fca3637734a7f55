"""The Chinese catalogue is complete and compiled; users get Chinese by default."""

from pathlib import Path

import polib
import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from governance.choices import Role
from grids.validators import validate_id_number

PO = Path(__file__).resolve().parent.parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def test_every_message_is_translated_and_none_is_fuzzy():
    po = polib.pofile(str(PO))
    assert not po.untranslated_entries(), [e.msgid for e in po.untranslated_entries()]
    assert not po.fuzzy_entries(), [e.msgid for e in po.fuzzy_entries()]


def test_the_compiled_catalogue_matches_the_source():
    source = {e.msgid: e.msgstr for e in polib.pofile(str(PO)) if e.msgid}
    compiled = {e.msgid: e.msgstr for e in polib.mofile(str(PO.with_suffix(".mo"))) if e.msgid}
    assert compiled == source, "run: python scripts/compile_messages.py"


def test_it_speaks_chinese_by_default_and_english_on_request():
    with translation.override("zh-hans"):
        assert str(Role.TOWN_OFFICE.label) == "镇组织办工作人员"
        with pytest.raises(ValidationError) as exc:
            validate_id_number("330784198001010010")
        assert exc.value.messages == ["身份证号校验码错误。"]
    with translation.override("en"):
        assert str(Role.TOWN_OFFICE.label) == "Town office staff"


def test_the_api_answers_field_errors_in_the_users_language(db, world, as_user):
    client = as_user(world.users["office"])
    bad = {"grid": world.grid_a1.pk, "number": "X1", "head_name": "李四", "phone": "12345"}
    zh = client.post("/api/v1/households/", bad, format="json").json()
    assert zh["phone"] == ["请输入手机号（11 位）或带区号的固定电话。"]
    en = client.post("/api/v1/households/", bad, format="json", HTTP_ACCEPT_LANGUAGE="en").json()
    assert en["phone"] == ["Enter a mobile number (11 digits) or a landline with its area code."]
