# The connector credentials. Terraform creates the secrets (name, KMS key, policy) but never their
# values: there is deliberately no aws_secretsmanager_secret_version here, so no credential ever
# lands in a .tf file, a plan or the state. README.md says how values are set and what JSON each
# secret holds.

locals {
  secret_descriptions = {
    "salesforce" = "Salesforce connected app (OAuth client credentials): client_id, client_secret"
    "snowflake"  = "Snowflake login: account, user, password or private_key, warehouse, database, schema, role"
    "kafka"      = "Kafka client: bootstrap_servers, security_protocol, sasl_mechanism, sasl_username, sasl_password"
  }
}

resource "aws_secretsmanager_secret" "connector" {
  #checkov:skip=CKV2_AWS_57:These are credentials issued by third parties (Salesforce, Snowflake, Kafka); no rotation Lambda can mint them. They are rotated in the owning system and written with put-secret-value (README.md), on each owner's schedule.
  for_each = toset(var.secret_names)

  name                    = each.value
  description             = lookup(local.secret_descriptions, basename(each.value), "lakecore connector credentials")
  kms_key_id              = aws_kms_key.lakecore.arn
  recovery_window_in_days = 30
}
