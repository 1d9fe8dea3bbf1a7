"""Errors a user can act on: each message names the file, folder or setting at fault."""


class NotesError(Exception):
    """A notes file or path that cannot be ingested."""


class StoreError(Exception):
    """The index is missing, unreachable, or was built with another embedding model."""
