# Three buckets, each with every control written out (no module) so a reviewer reads each one:
#   lake        Delta tables (bronze/silver/gold) and job state; SSE-KMS with the lakecore key
#   artifacts   job code the EMR Serverless runs load; SSE-KMS with the lakecore key
#   access_logs S3 server access logs of the two above; SSE-S3 (see the skip on it)
#
# Delta Lake and lifecycle rules -- why no rule here ever transitions or expires `_delta_log/`:
#   * Every read and every write of a Delta table first lists `<table>/_delta_log/` and reads the
#     newest checkpoint and the JSON commits after it. A commit or checkpoint object in GLACIER or
#     DEEP_ARCHIVE answers GET with InvalidObjectState until restored, so one archived log file
#     makes the whole table unreadable and unwritable. Infrequent-access classes would keep it
#     readable but bill a 30-day minimum and a retrieval fee on small files read on every query.
#   * Old commits are removed by Delta itself (delta.logRetentionDuration, at checkpoints); an
#     S3 expiration on `_delta_log/` would delete commits a reader still needs: a corrupt table.
#   * `_delta_log/` sits inside each table folder (bronze/<table>/_delta_log/), so a prefix filter
#     such as `bronze/` always covers it, and S3 lifecycle filters cannot exclude a sub-prefix.
# Hence: rules that move objects to another storage class filter on the object tag
# lakecore-tier=archive (plus a data prefix). Delta never tags objects and the job role has no
# s3:PutObjectTagging, so only an operator deliberately tagging old data files can move them, and
# only to GLACIER_IR, which still serves GETs in milliseconds. The untagged whole-bucket rules only
# abort stale multipart uploads and expire noncurrent versions (which Delta never reads).

# ---------------------------------------------------------------------------------------------
# lake
# ---------------------------------------------------------------------------------------------

resource "aws_s3_bucket" "lake" {
  #checkov:skip=CKV_AWS_144:Cross-region replication is not used: replication copies objects one by one and out of order, so a replica of a Delta table is not transactionally consistent (a _delta_log commit can arrive before its data files). Disaster recovery of tables is a Delta DEEP CLONE to another region, outside this dev stack.
  #checkov:skip=CKV2_AWS_62:No consumer of S3 event notifications exists: the jobs are scheduled by Airflow and find new files through Delta and the landing listing, not through events.
  bucket = var.lake_bucket
}

resource "aws_s3_bucket_ownership_controls" "lake" {
  bucket = aws_s3_bucket.lake.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "lake" {
  bucket                  = aws_s3_bucket.lake.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "lake" {
  bucket = aws_s3_bucket.lake.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "lake" {
  bucket = aws_s3_bucket.lake.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.lakecore.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_logging" "lake" {
  bucket        = aws_s3_bucket.lake.id
  target_bucket = aws_s3_bucket.access_logs.id
  target_prefix = "s3-access/${var.lake_bucket}/"
}

resource "aws_s3_bucket_policy" "lake" {
  bucket = aws_s3_bucket.lake.id
  policy = data.aws_iam_policy_document.lake_bucket.json

  depends_on = [aws_s3_bucket_public_access_block.lake]
}

data "aws_iam_policy_document" "lake_bucket" {
  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    resources = [aws_s3_bucket.lake.arn, "${aws_s3_bucket.lake.arn}/*"]
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

  statement {
    sid     = "DenyTlsOlderThan12"
    effect  = "Deny"
    actions = ["s3:*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    resources = [aws_s3_bucket.lake.arn, "${aws_s3_bucket.lake.arn}/*"]
    condition {
      test     = "NumericLessThan"
      variable = "s3:TlsVersion"
      values   = ["1.2"]
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "lake" {
  bucket = aws_s3_bucket.lake.id

  # Whole bucket, no transition: Spark writes big files as multipart uploads; a killed job
  # leaves invisible, billed parts behind.
  rule {
    id     = "abort-incomplete-multipart-uploads"
    status = "Enabled"
    filter {}
    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  # Whole bucket, no transition: VACUUM and overwrites leave noncurrent versions (kept for
  # recovery from a bad delete); Delta reads only current versions.
  rule {
    id     = "expire-noncurrent-versions"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_retention_days
    }
    expiration {
      expired_object_delete_marker = true
    }
  }

  # Tagged data files only (see the header of this file): never `_delta_log/`.
  rule {
    id     = "archive-tagged-bronze-data-files"
    status = "Enabled"
    filter {
      and {
        prefix = "bronze/"
        tags   = { "lakecore-tier" = "archive" }
      }
    }
    transition {
      days          = var.archive_after_days
      storage_class = "GLACIER_IR"
    }
  }

  rule {
    id     = "archive-tagged-silver-data-files"
    status = "Enabled"
    filter {
      and {
        prefix = "silver/"
        tags   = { "lakecore-tier" = "archive" }
      }
    }
    transition {
      days          = var.archive_after_days
      storage_class = "GLACIER_IR"
    }
  }

  rule {
    id     = "archive-tagged-gold-data-files"
    status = "Enabled"
    filter {
      and {
        prefix = "gold/"
        tags   = { "lakecore-tier" = "archive" }
      }
    }
    transition {
      days          = var.archive_after_days
      storage_class = "GLACIER_IR"
    }
  }

  depends_on = [aws_s3_bucket_versioning.lake]
}

# ---------------------------------------------------------------------------------------------
# artifacts
# ---------------------------------------------------------------------------------------------

resource "aws_s3_bucket" "artifacts" {
  #checkov:skip=CKV_AWS_144:Cross-region replication is not used: the artifacts are build outputs (wheels, scripts, jars) that CI rebuilds and uploads again from git in any region.
  #checkov:skip=CKV2_AWS_62:No consumer of S3 event notifications exists: job runs name their artifacts explicitly; nothing reacts to uploads.
  bucket = var.artifacts_bucket
}

resource "aws_s3_bucket_ownership_controls" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "artifacts" {
  bucket                  = aws_s3_bucket.artifacts.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.lakecore.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_logging" "artifacts" {
  bucket        = aws_s3_bucket.artifacts.id
  target_bucket = aws_s3_bucket.access_logs.id
  target_prefix = "s3-access/${var.artifacts_bucket}/"
}

resource "aws_s3_bucket_policy" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id
  policy = data.aws_iam_policy_document.artifacts_bucket.json

  depends_on = [aws_s3_bucket_public_access_block.artifacts]
}

data "aws_iam_policy_document" "artifacts_bucket" {
  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    resources = [aws_s3_bucket.artifacts.arn, "${aws_s3_bucket.artifacts.arn}/*"]
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

  statement {
    sid     = "DenyTlsOlderThan12"
    effect  = "Deny"
    actions = ["s3:*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    resources = [aws_s3_bucket.artifacts.arn, "${aws_s3_bucket.artifacts.arn}/*"]
    condition {
      test     = "NumericLessThan"
      variable = "s3:TlsVersion"
      values   = ["1.2"]
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id

  rule {
    id     = "abort-incomplete-multipart-uploads"
    status = "Enabled"
    filter {}
    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  rule {
    id     = "expire-noncurrent-versions"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = 90
    }
    expiration {
      expired_object_delete_marker = true
    }
  }

  # Athena's query results (athena.tf) are for the person who ran the query, not a record.
  rule {
    id     = "expire-athena-results"
    status = "Enabled"
    filter {
      prefix = "athena-results/"
    }
    expiration {
      days = 30
    }
  }

  depends_on = [aws_s3_bucket_versioning.artifacts]
}

# ---------------------------------------------------------------------------------------------
# access_logs: destination of the server access logs of lake and artifacts
# ---------------------------------------------------------------------------------------------

resource "aws_s3_bucket" "access_logs" {
  #checkov:skip=CKV_AWS_18:This is the access-log destination itself; logging it into itself would log every log delivery, and a second log bucket would need the same skip.
  #checkov:skip=CKV_AWS_144:Cross-region replication is not used for the dev access logs; they are a troubleshooting aid, the audit trail of record is CloudTrail.
  #checkov:skip=CKV_AWS_145:AWS documents SSE-S3 as the only default encryption supported on a server access log destination bucket, so it is SSE-S3 (AES256) and not SSE-KMS; it holds request logs, no lake data.
  #checkov:skip=CKV2_AWS_62:No consumer of S3 event notifications exists for access logs.
  bucket = var.access_logs_bucket
}

resource "aws_s3_bucket_ownership_controls" "access_logs" {
  bucket = aws_s3_bucket.access_logs.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "access_logs" {
  bucket                  = aws_s3_bucket.access_logs.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "access_logs" {
  bucket = aws_s3_bucket.access_logs.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "access_logs" {
  bucket = aws_s3_bucket.access_logs.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_policy" "access_logs" {
  bucket = aws_s3_bucket.access_logs.id
  policy = data.aws_iam_policy_document.access_logs_bucket.json

  depends_on = [aws_s3_bucket_public_access_block.access_logs]
}

data "aws_iam_policy_document" "access_logs_bucket" {
  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    resources = [aws_s3_bucket.access_logs.arn, "${aws_s3_bucket.access_logs.arn}/*"]
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

  statement {
    sid     = "DenyTlsOlderThan12"
    effect  = "Deny"
    actions = ["s3:*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    resources = [aws_s3_bucket.access_logs.arn, "${aws_s3_bucket.access_logs.arn}/*"]
    condition {
      test     = "NumericLessThan"
      variable = "s3:TlsVersion"
      values   = ["1.2"]
    }
  }

  # With BucketOwnerEnforced there are no ACLs: log delivery is granted here, only for the two
  # source buckets of this account, only under s3-access/.
  statement {
    sid     = "AllowServerAccessLogDelivery"
    effect  = "Allow"
    actions = ["s3:PutObject"]
    principals {
      type        = "Service"
      identifiers = ["logging.s3.amazonaws.com"]
    }
    resources = ["${aws_s3_bucket.access_logs.arn}/s3-access/*"]
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = [aws_s3_bucket.lake.arn, aws_s3_bucket.artifacts.arn]
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "access_logs" {
  bucket = aws_s3_bucket.access_logs.id

  rule {
    id     = "expire-access-logs"
    status = "Enabled"
    filter {}
    expiration {
      days = 365
    }
    noncurrent_version_expiration {
      noncurrent_days = 30
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.access_logs]
}
