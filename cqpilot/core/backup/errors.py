class BackupError(Exception):
    """A refusal with a French message, raised before anything is written or restored."""
