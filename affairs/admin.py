"""The village affairs models in the admin, scoped like every admin of the project."""

from . import matter_admin  # noqa: E402,F401  (四议一审两公开, read-only)
