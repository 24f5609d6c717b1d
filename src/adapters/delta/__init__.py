"""Delta Lake adapters: the table store (local paths or s3a://)."""
