output "region" {
  description = "Region of the stack (LAKECORE_AWS_REGION)."
  value       = var.region
}

output "lake_bucket" {
  description = "Lake bucket name (LAKECORE_AWS_LAKE_BUCKET)."
  value       = aws_s3_bucket.lake.bucket
}

output "artifacts_bucket" {
  description = "Artifacts bucket name (LAKECORE_AWS_ARTIFACTS_BUCKET)."
  value       = aws_s3_bucket.artifacts.bucket
}

output "access_logs_bucket" {
  description = "Bucket with the S3 server access logs of the lake and artifacts buckets."
  value       = aws_s3_bucket.access_logs.bucket
}

output "kms_key_arn" {
  description = "ARN of the lakecore customer-managed KMS key."
  value       = aws_kms_key.lakecore.arn
}

output "glue_databases" {
  description = "Glue database names (LAKECORE_AWS_GLUE_DATABASES)."
  value       = [for db in var.glue_databases : aws_glue_catalog_database.layer[db].name]
}

output "secret_names" {
  description = "Names of the connector secrets (LAKECORE_AWS_SECRET_NAMES)."
  value       = [for name in var.secret_names : aws_secretsmanager_secret.connector[name].name]
}

output "secret_arns" {
  description = "Secret name to ARN, for the connector secrets (values are set outside Terraform)."
  value       = { for name, s in aws_secretsmanager_secret.connector : name => s.arn }
}

output "emr_application_name" {
  description = "EMR Serverless application name (LAKECORE_AWS_EMR_APPLICATION_NAME)."
  value       = aws_emrserverless_application.lakecore.name
}

output "emr_application_id" {
  description = "EMR Serverless application id (the Airflow connection / StartJobRun applicationId)."
  value       = aws_emrserverless_application.lakecore.id
}

output "emr_application_arn" {
  description = "EMR Serverless application ARN."
  value       = aws_emrserverless_application.lakecore.arn
}

output "emr_execution_role_arn" {
  description = "Role to pass as executionRoleArn of each job run (LAKECORE_AWS_EMR_EXECUTION_ROLE_ARN)."
  value       = aws_iam_role.emr_execution.arn
}

output "mwaa_execution_role_arn" {
  description = "Execution role for the MWAA environment that schedules the jobs."
  value       = aws_iam_role.mwaa_execution.arn
}

output "log_group" {
  description = "CloudWatch log group for the job runs' cloudWatchLoggingConfiguration (LAKECORE_AWS_LOG_GROUP)."
  value       = aws_cloudwatch_log_group.emr.name
}

output "athena_workgroup" {
  description = "Athena workgroup of lakecore's queries (LAKECORE_AWS_ATHENA_WORKGROUP)."
  value       = aws_athena_workgroup.lakecore.name
}
