"""Adapters for plain files under a local path."""
