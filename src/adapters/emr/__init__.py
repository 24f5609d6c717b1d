"""EMR Serverless: job artifacts and job runs."""
