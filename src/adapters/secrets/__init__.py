"""``SecretStore`` adapters: local (environment, files) here; AWS Secrets Manager with the AWS adapters."""
