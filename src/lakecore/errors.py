"""One error family for everything lakecore raises.

``TransientError`` means a retry of the same job is safe and may succeed (exit code 75);
``TerminalError`` means it will not (exit code 1); ``ConfigurationError`` is a mistake in
what the job was told to do (exit code 2). Adapters wrap vendor errors in one of these with
``raise ... from exc`` so no vendor exception crosses into the core.
"""

from __future__ import annotations


def first_line(error: object, default: str | None = None) -> str:
    """The first line of an error (or of a message) that says something, at most 300
    characters: what lakecore puts after a vendor error's description. When it says
    nothing: ``default``, or the error's type."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0][:300] if lines else default or type(error).__name__


class LakecoreError(Exception):
    """Base of every error lakecore raises on purpose."""

    exit_code = 1


class TransientError(LakecoreError):
    """A failure that may pass on retry: a network blip, a busy service, a commit conflict."""

    exit_code = 75


class TerminalError(LakecoreError):
    """A failure a retry will not fix: bad data shape, a failed quality gate, a bug."""

    exit_code = 1


class ConfigurationError(LakecoreError):
    """The job was told something impossible: an unknown table, a missing folder, a bad rule."""

    exit_code = 2


class CommitConflict(TransientError):
    """Another writer committed to the same table first; re-running the step is safe."""


class SchemaMismatch(TerminalError):
    """A frame's columns or types do not match the table it is written to."""


class TableNotFound(ConfigurationError):
    """The named table is not defined, or has no data yet where data is required."""


class LakeNotWritable(ConfigurationError):
    """The lake root cannot be written (permissions, a file in the way, a read-only mount)."""


class SecretNotFound(ConfigurationError):
    """The SecretStore has no secret by that name (one that is there but unreadable or
    malformed is a plain ``ConfigurationError``)."""


class SourceNotFound(ConfigurationError):
    """A landing folder or source object the job was pointed at does not exist."""


class QualityGateFailed(TerminalError):
    """A critical rule failed; nothing was published past the gate."""
