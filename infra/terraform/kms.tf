# One customer-managed key for everything lakecore stores: both data buckets, the secrets
# and the job log group.
resource "aws_kms_key" "lakecore" {
  description             = "lakecore ${var.environment}: lake and artifacts buckets, connector secrets, job logs"
  enable_key_rotation     = true
  rotation_period_in_days = 365
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.kms_key.json
}

resource "aws_kms_alias" "lakecore" {
  name          = "alias/lakecore-${var.environment}"
  target_key_id = aws_kms_key.lakecore.key_id
}

# In a key policy "Resource": "*" means "this key" (a key policy cannot name another key),
# so the scoping here is by principal and condition, not by resource.
data "aws_iam_policy_document" "kms_key" {
  #checkov:skip=CKV_AWS_111:This document is a KMS key policy, not an identity policy: "Resource": "*" in a key policy means only the key it is attached to. Write actions are constrained by principal (account root for administration, the EMR execution role, the CloudWatch Logs service) and by kms:ViaService / encryption-context conditions.
  #checkov:skip=CKV_AWS_356:This document is a KMS key policy: AWS requires "Resource": "*" there, and it means only the key it is attached to; no other resource is reachable through it.
  #checkov:skip=CKV_AWS_109:This document is a KMS key policy ("Resource": "*" = this key). The permission-management actions (PutKeyPolicy, RevokeGrant, tags) go to the account root only, which must keep them so the key can never become unmanageable; no grant creation is allowed.
  # The account root administers the key. Administration only: no Encrypt/Decrypt here, so
  # administering the key does not imply reading the data. PutKeyPolicy is included so the
  # account can never lock itself out of the key.
  statement {
    sid    = "KeyAdministrationByAccount"
    effect = "Allow"
    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
    actions = [
      "kms:CancelKeyDeletion",
      "kms:CreateAlias",
      "kms:DeleteAlias",
      "kms:DescribeKey",
      "kms:DisableKey",
      "kms:DisableKeyRotation",
      "kms:EnableKey",
      "kms:EnableKeyRotation",
      "kms:GetKeyPolicy",
      "kms:GetKeyRotationStatus",
      "kms:ListAliases",
      "kms:ListGrants",
      "kms:ListKeyPolicies",
      "kms:ListResourceTags",
      "kms:PutKeyPolicy",
      "kms:RevokeGrant",
      "kms:RotateKeyOnDemand",
      "kms:ScheduleKeyDeletion",
      "kms:TagResource",
      "kms:UntagResource",
      "kms:UpdateAlias",
      "kms:UpdateKeyDescription",
    ]
    resources = ["*"]
  }

  # Lets IAM policies in this account grant use of the key, but only through S3 and Secrets
  # Manager (e.g. operators running `aws secretsmanager put-secret-value`, Athena readers of
  # gold). Direct kms:Decrypt calls on raw ciphertext are not delegated.
  statement {
    sid    = "UseThroughS3AndSecretsManagerByAccountIam"
    effect = "Allow"
    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
    actions   = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "kms:CallerAccount"
      values   = [local.account_id]
    }
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values = [
        "s3.${local.region}.amazonaws.com",
        "secretsmanager.${local.region}.amazonaws.com",
      ]
    }
  }

  # The jobs: read and write SSE-KMS objects in the buckets, read the connector secrets.
  statement {
    sid    = "UseByEmrServerlessJobs"
    effect = "Allow"
    principals {
      type        = "AWS"
      identifiers = [aws_iam_role.emr_execution.arn]
    }
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values = [
        "s3.${local.region}.amazonaws.com",
        "secretsmanager.${local.region}.amazonaws.com",
      ]
    }
  }

  # CloudWatch Logs encrypts the job log group, and nothing else, with this key.
  statement {
    sid    = "UseByCloudWatchLogsForTheJobLogGroup"
    effect = "Allow"
    principals {
      type        = "Service"
      identifiers = ["logs.${local.region}.amazonaws.com"]
    }
    actions = [
      "kms:Decrypt",
      "kms:DescribeKey",
      "kms:Encrypt",
      "kms:GenerateDataKey",
      "kms:GenerateDataKeyWithoutPlaintext",
      "kms:ReEncryptFrom",
      "kms:ReEncryptTo",
    ]
    resources = ["*"]
    condition {
      test     = "ArnEquals"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = [local.log_group_arn]
    }
  }
}
