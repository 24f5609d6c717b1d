"""Kafka: the orders stream through Spark's Kafka connector (``SparkKafkaSource``), and the
topic's offsets and a producer through confluent-kafka (``KafkaTopics``)."""
