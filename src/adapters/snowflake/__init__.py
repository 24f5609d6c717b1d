"""Snowflake as a lakecore ``Source`` (snowflake-connector-python, Arrow batches)."""
