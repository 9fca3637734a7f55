"""Compile every locale/*/LC_MESSAGES/django.po into its .mo with polib, so machines
without GNU gettext can rebuild the catalogues (``make messages``)."""

from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent

for po_path in sorted(ROOT.glob("locale/*/LC_MESSAGES/django.po")):
    po = polib.pofile(str(po_path))
    po.save_as_mofile(str(po_path.with_suffix(".mo")))
    print(f"{po_path.relative_to(ROOT)}: {len(po.translated_entries())} translated")
