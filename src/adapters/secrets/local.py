"""``LocalSecretStore``: secrets from ``LAKECORE_SECRET_*`` variables or JSON files."""

from __future__ import annotations

import json
import re
import stat
from collections.abc import Callable, Mapping
from pathlib import Path

from lakecore.errors import ConfigurationError, SecretNotFound


def variable(name: str) -> str:
    """The environment variable that may hold secret ``name``:
    ``lakecore/salesforce`` -> ``LAKECORE_SECRET_SALESFORCE``."""
    short = name.removeprefix("lakecore/")
    return "LAKECORE_SECRET_" + re.sub(r"[^A-Za-z0-9]", "_", short).upper()


def secret_object(
    name: str, text: str, where: str, reveal: Callable[[str], None]
) -> dict[str, str]:
    """A secret's text as the JSON object of text values it must be; each value goes to
    ``reveal`` (the log masker) first. Errors name the secret and where it was, no value."""
    try:
        value = json.loads(text)
    except ValueError:
        raise ConfigurationError(f"secret {name} in {where} is not a JSON object") from None
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ConfigurationError(f"secret {name} in {where} is not an object of text values")
    for item in value.values():
        reveal(item)
    return dict(value)


class LocalSecretStore:
    """A secret is a JSON object of text values: in its environment variable (``variable``),
    else in ``<folder>/<name>.json``, a file only its owner may read.

    Every value fetched is handed to ``reveal`` (the log masker) before it is returned.
    Errors name the secret, the variable or the file, never a value.
    """

    def __init__(
        self,
        environ: Mapping[str, str],
        folder: Path | None = None,
        reveal: Callable[[str], None] = lambda _: None,
    ) -> None:
        self._environ = environ
        self._folder = folder
        self._reveal = reveal

    def get(self, name: str) -> Mapping[str, str]:
        text, where = self._find(name)
        return secret_object(name, text, where, self._reveal)

    def _find(self, name: str) -> tuple[str, str]:
        key = variable(name)
        if key in self._environ:
            return self._environ[key], key
        if self._folder is not None:
            path = self._folder / f"{name}.json"
            if path.resolve().is_relative_to(self._folder.resolve()) and path.is_file():
                if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
                    raise ConfigurationError(
                        f"secret file {path} may be read by others: chmod 600 it"
                    )
                return path.read_text(encoding="utf-8"), str(path)
        where = f"{key} or {self._folder / (name + '.json')}" if self._folder else key
        raise SecretNotFound(f"secret {name} not found (looked in {where})")
