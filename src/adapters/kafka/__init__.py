"""Kafka: the orders stream through Spark's Kafka connector (``SparkKafkaSource``), the
topic's offsets and a producer through confluent-kafka (``KafkaTopics``), both clients'
login from the ``lakecore/kafka`` secret (``kafka_security``), and what a checkpoint has
finished (``committed``)."""
