# The workgroup lakecore's Athena queries run in (infra/athena/: engine v3 dialect). It enforces
# its own settings, so a client cannot send results elsewhere, unencrypted, or scan without a
# limit. Results go to the artifacts bucket under athena-results/, encrypted with the lakecore key.
resource "aws_athena_workgroup" "lakecore" {
  name        = var.athena_workgroup
  description = "lakecore ${var.environment}: queries on the Glue databases of the lake"

  configuration {
    enforce_workgroup_configuration    = true
    publish_cloudwatch_metrics_enabled = true
    bytes_scanned_cutoff_per_query     = var.athena_bytes_scanned_cutoff_per_query

    engine_version {
      selected_engine_version = "Athena engine version 3"
    }

    result_configuration {
      output_location       = "s3://${aws_s3_bucket.artifacts.bucket}/athena-results/"
      expected_bucket_owner = local.account_id

      encryption_configuration {
        encryption_option = "SSE_KMS"
        kms_key_arn       = aws_kms_key.lakecore.arn
      }
    }
  }
}
