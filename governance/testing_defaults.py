"""A pytest plugin loaded before Django's settings (``-p`` in pyproject.toml): the suite
runs with DEBUG on, as development does, unless DEBUG is set (the production smoke test
sets it off). The settings module default is off, for `make run` on a LAN."""

import os

os.environ.setdefault("DEBUG", "1")
