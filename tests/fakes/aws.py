"""AWS on 127.0.0.1: moto in server mode, a real HTTP endpoint speaking the AWS APIs (S3,
Glue, Secrets Manager, EMR Serverless, ...), so Spark's JVM reaches it over the network
as boto3 does.

    with local_aws() as aws:
        aws.endpoint                     # "http://127.0.0.1:<port>"
        aws.client("s3").create_bucket(...)
        aws.environ()                    # AWS_ENDPOINT_URL, credentials, region
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

from adapters.spark.session import s3_settings
from tests.fakes.kafka import free_port

REGION = "eu-west-1"
#: What moto accepts as credentials: any pair; these name themselves.
ACCESS_KEY, SECRET_KEY = "local-access-key", "local-secret-key"  # pragma: allowlist secret


@dataclass(frozen=True)
class LocalAws:
    endpoint: str
    region: str = REGION

    def environ(self) -> dict[str, str]:
        """The standard AWS variables that point boto3 (and the S3A connector) here."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_DEFAULT_REGION": self.region,
        }

    def client(self, service: str, **options: Any) -> Any:
        return boto3.client(
            service,  # type: ignore[call-overload]
            endpoint_url=self.endpoint,
            **options,
            region_name=self.region,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
        )

    def s3a(self) -> dict[str, str]:
        """Hadoop settings for Spark's S3A connector against this server: lakecore's own
        (``s3_settings``) and the credentials (a job gets them from the environment)."""
        spark = s3_settings(self.region, self.endpoint, path_style=True)
        return {k.removeprefix("spark.hadoop."): v for k, v in spark.items()} | {
            "fs.s3a.access.key": ACCESS_KEY,
            "fs.s3a.secret.key": SECRET_KEY,
        }


@contextmanager
def local_aws() -> Iterator[LocalAws]:
    """moto's server on a free port of 127.0.0.1, stopped on exit (its state goes with it)."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield LocalAws(f"http://127.0.0.1:{port}")
    finally:
        server.stop()
