"""The scoring app's models in the admin, scoped like every admin of the project."""
