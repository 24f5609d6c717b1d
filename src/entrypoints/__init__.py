"""Entrypoints: the DI container, the ``lakecore`` CLI and the EMR job modules."""
