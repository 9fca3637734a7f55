"""Fetch the front-end packages named in assets.lock.json from the npm registry into
var/vendor/, checking each tarball against its pinned sha512 integrity.

No CDN at run time and no Node.js at install time: ``make install`` (and the Dockerfile)
run this once; the files are then served from the install like any other static file, so
the site works on a government intranet. A package already fetched at its pinned version
is left alone; a tarball whose checksum differs from the lock is refused.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import sys
import tarfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "assets.lock.json"
VENDOR = ROOT / "var" / "vendor"


def fetch(name: str, spec: dict) -> None:
    stamp = VENDOR / f".{name}-{spec['version']}"
    if stamp.exists() and all((VENDOR / dest).exists() for dest in spec["files"].values()):
        return
    with urllib.request.urlopen(spec["tarball"], timeout=60) as response:  # noqa: S310 (https, pinned)
        body = response.read()
    algorithm, expected = spec["integrity"].split("-", 1)
    actual = base64.b64encode(hashlib.new(algorithm, body).digest()).decode()
    if actual != expected:
        sys.exit(f"{name} {spec['version']}: checksum mismatch ({algorithm}-{actual}); refusing it")
    with tarfile.open(fileobj=io.BytesIO(body), mode="r:gz") as tar:
        for source, dest in spec["files"].items():
            member = tar.extractfile(f"package/{source}")
            if member is None:
                sys.exit(f"{name} {spec['version']}: no {source} in the package")
            target = VENDOR / dest
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(member.read())
    for old in VENDOR.glob(f".{name}-*"):
        old.unlink()
    stamp.touch()
    print(f"fetched {name} {spec['version']} into {VENDOR.relative_to(ROOT)}/")


def main() -> None:
    for name, spec in json.loads(LOCK.read_text())["packages"].items():
        fetch(name, spec)


if __name__ == "__main__":
    main()
