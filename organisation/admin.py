"""The organisation models in the admin, scoped like every admin of the project."""
