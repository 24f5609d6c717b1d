"""Which pipeline a command runs: ``module:attribute`` naming a ``lakecore.Pipeline``."""

from __future__ import annotations

import importlib

from lakecore.errors import ConfigurationError
from lakecore.pipeline import Pipeline


def load_pipeline(spec: str) -> Pipeline:
    """Import ``module:attribute`` and check it is a ``Pipeline``.

    Raises ``ConfigurationError`` (one line) for a malformed name, a module that does not
    import, a missing attribute, or an object that is not a pipeline; a definition that does
    not hold together already raised its own ``ConfigurationError`` on import.
    """
    module_name, colon, attribute = spec.partition(":")
    if not colon or not module_name or not attribute.isidentifier():
        raise ConfigurationError(f"pipeline {spec!r}: expected module:attribute")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigurationError(f"pipeline {spec!r}: cannot import {module_name}: {exc}") from None
    found = getattr(module, attribute, None)
    if not isinstance(found, Pipeline):
        what = "is missing" if found is None else f"is a {type(found).__name__}, not a Pipeline"
        raise ConfigurationError(f"pipeline {spec!r}: {module_name}.{attribute} {what}")
    return found
