"""The Glue Data Catalog as lakecore's ``Catalog``: Delta tables Athena reads natively."""
