resource "aws_cloudwatch_log_group" "emr" {
  name              = var.log_group
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.lakecore.arn
}

resource "aws_emrserverless_application" "lakecore" {
  name          = var.emr_application_name
  release_label = var.emr_release_label
  type          = "SPARK"
  architecture  = "X86_64"

  # Hard ceiling on what all concurrently running jobs may use: a runaway job cannot scale the
  # bill without bound.
  maximum_capacity {
    cpu    = var.emr_max_capacity.cpu
    memory = var.emr_max_capacity.memory
    disk   = var.emr_max_capacity.disk
  }

  auto_start_configuration {
    enabled = true
  }

  auto_stop_configuration {
    enabled              = true
    idle_timeout_minutes = var.emr_idle_timeout_minutes
  }

  # The connectors reach Salesforce, Snowflake and Kafka only from a VPC with egress.
  dynamic "network_configuration" {
    for_each = length(var.emr_subnet_ids) > 0 ? [1] : []
    content {
      subnet_ids         = var.emr_subnet_ids
      security_group_ids = var.emr_security_group_ids
    }
  }
}
