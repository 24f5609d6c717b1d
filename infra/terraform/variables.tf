# Names here must equal the defaults of entrypoints.settings.AwsNames (src/entrypoints/settings.py):
# the jobs find these resources by those names. tests/infra/test_terraform.py checks both agree.

variable "region" {
  description = "AWS region of every resource (AwsNames.region)."
  type        = string
  default     = "eu-west-1"
}

variable "environment" {
  description = "Environment name, used in tags and in the names of resources the code does not look up."
  type        = string
  default     = "dev"
}

variable "lake_bucket" {
  description = "Bucket holding the Delta tables (AwsNames.lake_bucket)."
  type        = string
  default     = "lakecore-dev-lake"
}

variable "artifacts_bucket" {
  description = "Bucket holding job code: wheels, entrypoint scripts, jars (AwsNames.artifacts_bucket)."
  type        = string
  default     = "lakecore-dev-artifacts"
}

variable "access_logs_bucket" {
  description = "Bucket receiving S3 server access logs of the lake and artifacts buckets."
  type        = string
  default     = "lakecore-dev-access-logs"
}

variable "glue_databases" {
  description = "Glue Data Catalog databases, one per medallion layer (AwsNames.glue_databases)."
  type        = list(string)
  default     = ["lakecore_bronze", "lakecore_silver", "lakecore_gold"]
}

variable "secret_names" {
  description = "Secrets Manager secrets the jobs read (AwsNames.secret_names). Values are never set by Terraform."
  type        = list(string)
  default     = ["lakecore/salesforce", "lakecore/snowflake", "lakecore/kafka"]
}

variable "emr_application_name" {
  description = "EMR Serverless application name (AwsNames.emr_application_name)."
  type        = string
  default     = "lakecore"
}

variable "log_group" {
  description = "CloudWatch log group of the EMR Serverless job runs (AwsNames.log_group)."
  type        = string
  default     = "/aws/emr-serverless/lakecore"
}

variable "athena_workgroup" {
  description = "Athena workgroup of lakecore's queries (AwsNames.athena_workgroup)."
  type        = string
  default     = "lakecore"
}

variable "athena_bytes_scanned_cutoff_per_query" {
  description = "Athena cancels a query of the workgroup once it has scanned this many bytes (default 100 GiB)."
  type        = number
  default     = 107374182400

  validation {
    condition     = var.athena_bytes_scanned_cutoff_per_query >= 10485760
    error_message = "athena_bytes_scanned_cutoff_per_query must be at least 10 MiB (10485760), Athena's minimum."
  }
}

variable "emr_release_label" {
  description = "EMR release. emr-7.12.0 ships Spark 3.5.6 and Delta 3.3.2, the versions pinned in pyproject.toml."
  type        = string
  default     = "emr-7.12.0"

  validation {
    condition     = can(regex("^emr-7\\.[0-9]+\\.[0-9]+$", var.emr_release_label))
    error_message = "emr_release_label must be an EMR 7.x release label, e.g. emr-7.12.0."
  }
}

variable "emr_max_capacity" {
  description = "Upper bound of what all running jobs of the application may use together."
  type = object({
    cpu    = string
    memory = string
    disk   = string
  })
  default = {
    cpu    = "32 vCPU"
    memory = "128 GB"
    disk   = "500 GB"
  }
}

variable "emr_idle_timeout_minutes" {
  description = "The application stops after this many idle minutes (no workers are billed while stopped)."
  type        = number
  default     = 15
}

variable "emr_subnet_ids" {
  description = "Private subnets for the job workers. Empty: no VPC; then jobs reach AWS services but not Salesforce, Snowflake or Kafka."
  type        = list(string)
  default     = []
}

variable "emr_security_group_ids" {
  description = "Security groups of the job workers (with emr_subnet_ids)."
  type        = list(string)
  default     = []
}

variable "log_retention_days" {
  description = "Retention of the EMR Serverless job log group."
  type        = number
  default     = 365
}

variable "archive_after_days" {
  description = "Days after which data files tagged lakecore-tier=archive move to Glacier Instant Retrieval."
  type        = number
  default     = 90
}

variable "noncurrent_version_retention_days" {
  description = "Days a noncurrent (overwritten or deleted) object version is kept before it is expired."
  type        = number
  default     = 30
}
