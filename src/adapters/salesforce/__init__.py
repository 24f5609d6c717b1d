"""Salesforce as a lakecore ``Source`` (simple-salesforce: REST queryAll, Bulk API 2.0)."""
