# Two roles:
#   emr_execution  assumed by EMR Serverless for the Spark job runs (what the jobs may touch)
#   mwaa_execution assumed by Airflow (MWAA) to submit and watch those job runs
# No statement grants a wildcard action; no S3, Glue, Secrets Manager or KMS statement has a
# "*" resource.

# ---------------------------------------------------------------------------------------------
# EMR Serverless job execution role
# ---------------------------------------------------------------------------------------------

data "aws_iam_policy_document" "emr_execution_trust" {
  statement {
    sid     = "EmrServerlessOfThisApplication"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["emr-serverless.amazonaws.com"]
    }
    # Confused-deputy guard: only job runs of this account's lakecore application.
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = [aws_emrserverless_application.lakecore.arn]
    }
  }
}

resource "aws_iam_role" "emr_execution" {
  name                 = "lakecore-${var.environment}-emr-execution"
  description          = "Runtime role of the lakecore EMR Serverless job runs"
  assume_role_policy   = data.aws_iam_policy_document.emr_execution_trust.json
  max_session_duration = 3600
}

resource "aws_iam_role_policy" "emr_execution" {
  name   = "lakecore-jobs"
  role   = aws_iam_role.emr_execution.id
  policy = data.aws_iam_policy_document.emr_execution.json
}

data "aws_iam_policy_document" "emr_execution" {
  # --- S3: lake ----------------------------------------------------------------------------
  statement {
    sid       = "LakeBucketMetadata"
    effect    = "Allow"
    actions   = ["s3:GetBucketLocation"]
    resources = [aws_s3_bucket.lake.arn]
  }

  # Listing is limited to the prefixes the jobs use (Delta lists `<table>/_delta_log/`).
  statement {
    sid       = "LakeListJobPrefixes"
    effect    = "Allow"
    actions   = ["s3:ListBucket", "s3:ListBucketMultipartUploads"]
    resources = [aws_s3_bucket.lake.arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values = [
        "bronze", "bronze/*",
        "silver", "silver/*",
        "gold", "gold/*",
        "_dlq", "_dlq/*",
        "_checkpoints", "_checkpoints/*",
        "_state", "_state/*",
        "landing", "landing/*",
      ]
    }
  }

  # Delta tables, dead-letter rows, streaming checkpoints and job state: read, write, delete
  # (Delta VACUUM and checkpoint cleanup delete files).
  statement {
    sid    = "LakeReadWriteJobPrefixes"
    effect = "Allow"
    actions = [
      "s3:AbortMultipartUpload",
      "s3:DeleteObject",
      "s3:GetObject",
      "s3:ListMultipartUploadParts",
      "s3:PutObject",
    ]
    resources = [
      "${aws_s3_bucket.lake.arn}/bronze/*",
      "${aws_s3_bucket.lake.arn}/silver/*",
      "${aws_s3_bucket.lake.arn}/gold/*",
      "${aws_s3_bucket.lake.arn}/_dlq/*",
      "${aws_s3_bucket.lake.arn}/_checkpoints/*",
      "${aws_s3_bucket.lake.arn}/_state/*",
    ]
  }

  # The landing files the daily job ingests: read only.
  statement {
    sid       = "LakeReadLanding"
    effect    = "Allow"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.lake.arn}/landing/*"]
  }

  # --- S3: artifacts (read only) -------------------------------------------------------------
  statement {
    sid       = "ArtifactsList"
    effect    = "Allow"
    actions   = ["s3:GetBucketLocation", "s3:ListBucket"]
    resources = [aws_s3_bucket.artifacts.arn]
  }

  statement {
    sid       = "ArtifactsRead"
    effect    = "Allow"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.artifacts.arn}/*"]
  }

  # --- Glue Data Catalog: the lakecore databases and their tables -----------------------------
  statement {
    sid    = "GlueLakecoreDatabases"
    effect = "Allow"
    actions = [
      "glue:CreateTable",
      "glue:GetDatabase",
      "glue:GetTable",
      "glue:GetTables",
      "glue:UpdateTable",
    ]
    resources = concat(
      [local.glue_catalog_arn],
      [for db in aws_glue_catalog_database.layer : db.arn],
      [for db in aws_glue_catalog_database.layer : "arn:${local.partition}:glue:${local.region}:${local.account_id}:table/${db.name}/*"],
    )
  }

  # Spark's Glue/Hive catalog client looks up the `default` database when the session starts;
  # read-only, no tables.
  statement {
    sid       = "GlueDefaultDatabaseLookup"
    effect    = "Allow"
    actions   = ["glue:GetDatabase"]
    resources = [local.glue_catalog_arn, "arn:${local.partition}:glue:${local.region}:${local.account_id}:database/default"]
  }

  # --- Secrets Manager: the three connector secrets ------------------------------------------
  statement {
    sid       = "ReadConnectorSecrets"
    effect    = "Allow"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [for s in aws_secretsmanager_secret.connector : s.arn]
  }

  # --- KMS: the lakecore key (SSE-KMS objects, secrets) --------------------------------------
  statement {
    sid       = "UseLakecoreKey"
    effect    = "Allow"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.lakecore.arn]
  }

  # --- CloudWatch Logs: the job log group ----------------------------------------------------
  statement {
    sid       = "WriteJobLogs"
    effect    = "Allow"
    actions   = ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"]
    resources = [aws_cloudwatch_log_group.emr.arn, "${aws_cloudwatch_log_group.emr.arn}:log-stream:*"]
  }

  # EMR Serverless checks that the log group named in the job's monitoring configuration
  # exists; DescribeLogGroups has no narrower resource than the account's log groups.
  statement {
    sid       = "FindJobLogGroup"
    effect    = "Allow"
    actions   = ["logs:DescribeLogGroups"]
    resources = ["arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:*"]
  }
}

# ---------------------------------------------------------------------------------------------
# Airflow (MWAA) execution role: submits and watches the job runs
# ---------------------------------------------------------------------------------------------
# Only the EMR Serverless part of the MWAA execution role lives here. The permissions MWAA itself
# needs (its DAG bucket, its SQS queue, its own log groups, airflow:PublishMetrics) belong with
# the MWAA environment, which this stack does not create.

data "aws_iam_policy_document" "mwaa_execution_trust" {
  statement {
    sid     = "MwaaOfThisAccount"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["airflow.amazonaws.com", "airflow-env.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "mwaa_execution" {
  name                 = "lakecore-${var.environment}-mwaa-execution"
  description          = "Airflow (MWAA) execution role: runs the lakecore EMR Serverless jobs"
  assume_role_policy   = data.aws_iam_policy_document.mwaa_execution_trust.json
  max_session_duration = 3600
}

resource "aws_iam_role_policy" "mwaa_execution" {
  name   = "lakecore-emr-serverless-jobs"
  role   = aws_iam_role.mwaa_execution.id
  policy = data.aws_iam_policy_document.mwaa_execution.json
}

data "aws_iam_policy_document" "mwaa_execution" {
  # Airflow's EmrServerlessStartJobOperator reads the application state and starts a stopped
  # application (auto_stop stops it when idle) before it submits the run.
  statement {
    sid    = "RunJobsOnTheLakecoreApplication"
    effect = "Allow"
    actions = [
      "emr-serverless:GetApplication",
      "emr-serverless:ListJobRuns",
      "emr-serverless:StartApplication",
      "emr-serverless:StartJobRun",
    ]
    resources = [aws_emrserverless_application.lakecore.arn]
  }

  statement {
    sid       = "WatchAndCancelItsJobRuns"
    effect    = "Allow"
    actions   = ["emr-serverless:CancelJobRun", "emr-serverless:GetJobRun"]
    resources = ["${aws_emrserverless_application.lakecore.arn}/jobruns/*"]
  }

  # The only role Airflow may hand to a job run, and only to EMR Serverless.
  statement {
    sid       = "PassTheJobExecutionRole"
    effect    = "Allow"
    actions   = ["iam:PassRole"]
    resources = [aws_iam_role.emr_execution.arn]
    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["emr-serverless.amazonaws.com"]
    }
  }
}
