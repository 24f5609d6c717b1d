"""Spark adapters: the SparkSession resource, the Spark engine and the landing-file reader."""
