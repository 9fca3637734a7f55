"""Add or update Simplified Chinese translations in locale/zh_Hans/LC_MESSAGES/django.po
and recompile the catalogue, holding a lock so that several people (or helpers) adding
theirs at once do not overwrite each other.

    python scripts/add_translations.py msgs.json

msgs.json maps each English msgid to its Chinese text; a plural is written as
{"one": "<msgid>", "other": "<msgid_plural>", "zh": "<msgstr>"} in a list under "plurals".
"""

import fcntl
import json
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def main(path: str) -> None:
    data = json.loads(Path(path).read_text())
    plurals = data.pop("plurals", [])
    with open(PO.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        po = polib.pofile(str(PO), wrapwidth=0)
        added = 0
        for msgid, msgstr in data.items():
            entry = po.find(msgid)
            if entry is None:
                po.append(polib.POEntry(msgid=msgid, msgstr=msgstr))
                added += 1
            else:
                entry.msgstr = msgstr
                entry.flags = [f for f in entry.flags if f != "fuzzy"]
        for plural in plurals:
            entry = po.find(plural["one"])
            if entry is None:
                entry = polib.POEntry(msgid=plural["one"], msgid_plural=plural["other"])
                po.append(entry)
                added += 1
            entry.msgstr_plural = {0: plural["zh"]}
            entry.flags = [f for f in entry.flags if f != "fuzzy"]
        po.save()
        po.save_as_mofile(str(PO.with_suffix(".mo")))
    print(f"{PO.relative_to(ROOT)}: {added} added, {len(po.translated_entries())} translated")


if __name__ == "__main__":
    main(sys.argv[1])
