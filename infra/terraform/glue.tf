# One Glue database per medallion layer; the jobs register their Delta tables in them (Athena
# reads the gold tables through these entries).
resource "aws_glue_catalog_database" "layer" {
  for_each = toset(var.glue_databases)

  name        = each.value
  description = "lakecore ${each.value}: Delta tables in s3://${var.lake_bucket}/"
}
