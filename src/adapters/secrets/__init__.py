"""``SecretStore`` adapters: local (environment, files) and AWS Secrets Manager."""
