"""Fixtures shared by the test folders: local stand-ins of the systems lakecore reads."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from adapters.retries import RetryPolicy
from adapters.salesforce.source import SalesforceConfig, SalesforceSource
from adapters.secrets.local import LocalSecretStore, variable
from adapters.snowflake.source import SnowflakeConfig, SnowflakeSource, Window
from tests.fakes import snowflake as fake_snowflake
from tests.fakes.aws import LocalAws, local_aws
from tests.fakes.kafka import Broker, broker
from tests.fakes.salesforce import ACCOUNT_FIELDS, LEAD_FIELDS, FakeSalesforce, serve

#: Retries that do not wait: the fake answers at once.
FAST_RETRIES = RetryPolicy(backoff_seconds=0.001, backoff_max_seconds=0.002)


@dataclass
class ServedSalesforce:
    """The fake org, where it listens, and a ``SalesforceSource`` factory that trusts it."""

    fake: FakeSalesforce
    url: str
    ca: Path

    def config(self, **changes: object) -> SalesforceConfig:
        fast = SalesforceConfig(self.url, ca_bundle=str(self.ca), retries=FAST_RETRIES)
        return replace(fast, **changes)  # type: ignore[arg-type]

    def secrets(self, **credential: str) -> LocalSecretStore:
        value = credential or {
            "client_id": self.fake.client_id,
            "client_secret": self.fake.client_secret,
        }
        return LocalSecretStore({variable("lakecore/salesforce"): json.dumps(value)})

    def source(self, **changes: object) -> SalesforceSource:
        return SalesforceSource(self.config(**changes), self.secrets(), sleep=lambda _: None)


def pytest_configure(config: pytest.Config) -> None:
    """Airflow keeps its home (config, sqlite) in build/, not ~/airflow, when imported here."""
    os.environ.setdefault("AIRFLOW_HOME", str(config.rootpath / "build" / "airflow"))
    os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")


@pytest.fixture(scope="session")
def served_salesforce(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedSalesforce]:
    fake = FakeSalesforce()
    fake.define("Account", ACCOUNT_FIELDS)
    fake.define("Lead", LEAD_FIELDS)
    ca = tmp_path_factory.mktemp("salesforce") / "ca.pem"
    with serve(fake, ca) as url:
        yield ServedSalesforce(fake, url, ca)


@pytest.fixture
def salesforce(served_salesforce: ServedSalesforce) -> ServedSalesforce:
    """The fake org, emptied, with its clock at 2026-11-01."""
    served_salesforce.fake.reset()
    return served_salesforce


@dataclass
class ServedSnowflakeSource:
    """fakesnow with the legacy orders table, and ``SnowflakeSource`` factories for it."""

    served: fake_snowflake.ServedSnowflake

    def config(self) -> SnowflakeConfig:
        connect = self.served.connect
        return SnowflakeConfig(
            database=fake_snowflake.DATABASE,
            schema=fake_snowflake.SCHEMA,
            host=connect["host"],
            port=connect["port"],
            protocol=connect["protocol"],
            retries=RetryPolicy(attempts=2, backoff_seconds=0.01),
        )

    def secrets(self) -> LocalSecretStore:
        return LocalSecretStore({variable("lakecore/snowflake"): json.dumps(self.served.login)})

    def source(self, window: Window | None = None) -> SnowflakeSource:
        return SnowflakeSource(self.config(), self.secrets(), window)


@pytest.fixture(scope="session")
def served_snowflake() -> Iterator[ServedSnowflakeSource]:
    with fake_snowflake.serve() as served:
        yield ServedSnowflakeSource(served)


@pytest.fixture
def legacy(served_snowflake: ServedSnowflakeSource) -> ServedSnowflakeSource:
    """fakesnow with an empty legacy orders table."""
    served_snowflake.served.reset()
    return served_snowflake


@pytest.fixture(scope="session")
def kafka_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    """A real Kafka broker (KRaft) for the test session; each test makes its own topic."""
    with broker(tmp_path_factory.mktemp("kafka")) as running:
        yield running


@pytest.fixture(scope="session")
def aws() -> Iterator[LocalAws]:
    """moto's server for the test session: S3, Glue, Secrets Manager over HTTP on 127.0.0.1.
    Tests make their own buckets, databases and secrets."""
    with local_aws() as running:
        yield running


@pytest.fixture(scope="module")
def s3_spark(spark: Any, aws: LocalAws) -> Iterator[Any]:
    """The shared Spark session, its S3A connector pointed at the server for one module."""
    hadoop = spark.sparkContext._jsc.hadoopConfiguration()
    for key, value in aws.s3a().items():
        hadoop.set(key, value)
    yield spark
    for key in aws.s3a():
        hadoop.unset(key)
