"""The AWS adapters that need no Spark, against moto's server on 127.0.0.1: Secrets Manager
as the SecretStore, quality reports in S3."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from botocore.config import Config

from adapters.files.s3 import S3ReportStore
from adapters.secrets.aws import SecretsManagerStore
from entrypoints.containers import Container, secret_store
from entrypoints.logs import SecretValues
from entrypoints.settings import Settings
from lakecore.errors import ConfigurationError, TransientError
from lakecore.quality import QualityReport, RuleResult, Severity
from lakecore.schema import TableId
from tests.fakes.aws import LocalAws
from tests.fakes.kafka import free_port


def test_a_secret_is_its_json_object_fetched_once_and_masked(aws: LocalAws) -> None:
    client = aws.client("secretsmanager")
    credential = {"username": "etl", "password": "s3cr3t-pw"}  # pragma: allowlist secret
    client.create_secret(Name="lakecore/snowflake-a", SecretString=json.dumps(credential))
    revealed: list[str] = []
    store = SecretsManagerStore(client, reveal=revealed.append)

    assert store.get("lakecore/snowflake-a") == credential
    assert sorted(revealed) == sorted(credential.values())
    # Changed in the service, the run keeps what it fetched: one value per run.
    changed = '{"username": "x"}'  # pragma: allowlist secret
    client.put_secret_value(
        SecretId="lakecore/snowflake-a",  # pragma: allowlist secret
        SecretString=changed,  # pragma: allowlist secret
    )
    assert store.get("lakecore/snowflake-a") == credential


def test_missing_or_malformed_secrets_are_configuration_errors_naming_no_value(
    aws: LocalAws,
) -> None:
    client = aws.client("secretsmanager")
    not_json = "hunter2-not-json"  # pragma: allowlist secret
    client.create_secret(Name="lakecore/not-json", SecretString=not_json)
    client.create_secret(Name="lakecore/nested", SecretString='{"a": {"b": "hidden-value"}}')
    store = SecretsManagerStore(client)

    with pytest.raises(
        ConfigurationError, match=r"^secret lakecore/absent in Secrets Manager not found$"
    ):
        store.get("lakecore/absent")
    for name in ("lakecore/not-json", "lakecore/nested"):
        with pytest.raises(ConfigurationError, match=name) as raised:
            store.get(name)
        assert "hunter2" not in str(raised.value)
        assert "hidden-value" not in str(raised.value)


def test_an_unreachable_service_is_transient() -> None:
    closed = LocalAws(f"http://127.0.0.1:{free_port()}")
    client = closed.client(
        "secretsmanager", config=Config(connect_timeout=1, retries={"max_attempts": 1})
    )
    with pytest.raises(TransientError, match="unreachable"):
        SecretsManagerStore(client).get("lakecore/salesforce")


def test_the_aws_environment_reads_secrets_manager(
    aws: LocalAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``LAKECORE_ENV=aws`` with the standard AWS variables: the container's store is
    Secrets Manager at that endpoint, and what it fetches is masked in logs."""
    text = '{"sasl_password": "kafka-pw-1"}'  # pragma: allowlist secret
    aws.client("secretsmanager").create_secret(Name="lakecore/kafka-a", SecretString=text)
    for key, value in {**aws.environ(), "LAKECORE_ENV": "aws"}.items():
        monkeypatch.setenv(key, value)
    masked = SecretValues()
    store = secret_store(Settings(), masked.add)
    assert store.get("lakecore/kafka-a") == json.loads(text)
    assert "kafka-pw-1" not in masked.mask_text("password is kafka-pw-1")


def test_a_lake_on_s3_keeps_its_quality_reports_in_the_bucket_masked(
    aws: LocalAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    aws.client("s3").create_bucket(
        Bucket="reports-lake", CreateBucketConfiguration={"LocationConstraint": aws.region}
    )
    for key, value in aws.environ().items():
        monkeypatch.setenv(key, value)
    container = Container()
    container.settings.override(Settings(lake_root="s3://reports-lake/lake/"))
    container.secret_values().add("tok-9f8e7d6c")
    failed = RuleResult("not_null(email)", "NotNull", Severity.CRITICAL, passed=False,
                        unexpected=1, samples=({"note": "Bearer tok-9f8e7d6c"},))  # fmt: skip
    report = QualityReport(TableId.parse("silver.leads"), "native", "run-7",
                           datetime(2026, 11, 27, 6, 5, 4), 10, (failed,))  # fmt: skip

    where = container.reports().save(report)

    key = "lake/gold/quality/silver.leads/20261127T060504000000Z-native-run-7.json"
    assert where == f"s3://reports-lake/{key}"
    body = aws.client("s3").get_object(Bucket="reports-lake", Key=key)["Body"].read().decode()
    assert "tok-9f8e7d6c" not in body
    assert json.loads(body)["table"] == "silver.leads"


def test_a_missing_bucket_is_one_configuration_line(aws: LocalAws) -> None:
    store = S3ReportStore(aws.client("s3"), "no-such-bucket", "lake")
    report = QualityReport(TableId.parse("silver.leads"), "native", "run-8",
                           datetime(2026, 11, 27), 0, ())  # fmt: skip
    with pytest.raises(
        ConfigurationError,
        match=r"^cannot write the quality report s3://no-such-bucket/lake/gold/quality/silver.leads/.*: NoSuchBucket",
    ):
        store.save(report)


def _report(n: int, table: str) -> QualityReport:
    held = RuleResult("not_null(id)", "NotNull", Severity.CRITICAL, n != 2, unexpected=int(n == 2))
    return QualityReport(TableId.parse(table), "native", f"run-{n}",
                         datetime(2026, 11, 27, 6, n), 10 + n, (held,))  # fmt: skip


def test_reports_in_s3_are_read_back_and_the_page_published_beside_them(aws: LocalAws) -> None:
    s3 = aws.client("s3")
    s3.create_bucket(
        Bucket="pages-lake", CreateBucketConfiguration={"LocationConstraint": aws.region}
    )
    store = S3ReportStore(s3, "pages-lake", "lake")
    written = [
        _report(n, t) for n, t in enumerate(("silver.leads", "silver.orders", "silver.orders"))
    ]
    for report in written:
        store.save(report)
    s3.put_object(Bucket="pages-lake", Key="lake/gold/quality/silver.orders/x.json", Body=b"[]")
    s3.put_object(Bucket="pages-lake", Key="lake/gold/quality/_data_docs/index.html", Body=b"")

    kept = store.kept()
    assert sorted(r.to_json() for r in kept.reports) == sorted(r.to_json() for r in written)
    assert kept.unreadable == ("silver.orders/x.json: not a report (not a JSON object)",)

    where = store.publish("index.html", "<html>page</html>")
    assert where == "s3://pages-lake/lake/gold/quality/index.html"
    page = s3.get_object(Bucket="pages-lake", Key="lake/gold/quality/index.html")
    assert page["ContentType"] == "text/html; charset=utf-8"
    assert page["Body"].read() == b"<html>page</html>"
