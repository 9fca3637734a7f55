"""The organisation models in the admin, scoped like every admin of the project."""

from . import (
    files_admin,  # noqa: E402,F401  (secretaries' files, commitments, reviews, read-only)
    map_admin,  # noqa: E402,F401  (the responsibility map, informants, compound posts)
    officer_admin,  # noqa: E402,F401  (officers sent in, read-only)
    tasks_admin,  # noqa: E402,F401  (the weekly task list, read-only)
)
