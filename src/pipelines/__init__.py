"""Pipelines shipped with lakecore, each written only against ``lakecore``'s public API.

``pipelines.orders`` is the orders lakehouse (Salesforce, Kafka, Snowflake, FX rates), the
default pipeline of the ``lakecore`` command line.
"""
