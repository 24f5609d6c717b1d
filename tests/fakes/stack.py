"""``make stack``: a Kafka broker, the Salesforce fake, a fakesnow server and moto's AWS
server on 127.0.0.1, seeded with generated data, in one background process; ``make
stack-down`` stops them.

``start`` generates a day of data, loads its Salesforce accounts and leads into the fake and
its legacy orders into fakesnow, keeps the FX and Kafka files as landing files, starts the
broker with an empty ``orders_events`` topic, writes the credentials as owner-only secret
files (and in moto's Secrets Manager, beside the landing files in its lake bucket) and the
settings a run needs to ``build/stack.env`` (the standard AWS variables among them):

    make stack
    set -a; . build/stack.env; set +a
    .venv/bin/lakecore run daily --landing build/stack/landing
    .venv/bin/lakecore generate --out build/stack/sent --to-kafka
    .venv/bin/lakecore stream orders --available-now
    LAKECORE_ENV=aws LAKECORE_LAKE_ROOT=s3://lakecore-dev-lake/lake \\
        .venv/bin/lakecore run daily --landing s3://lakecore-dev-lake/landing
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from entrypoints.settings import AwsNames
from pipelines.orders.generate import GenerateOptions, generate
from tests.fakes import snowflake as fake_snowflake
from tests.fakes.aws import LocalAws, local_aws
from tests.fakes.kafka import broker
from tests.fakes.salesforce import ACCOUNT_FIELDS, LEAD_FIELDS, FakeSalesforce, serve, stamp

#: what comes from the stand-ins, not from landing files
PULLED = ("salesforce", "snowflake")


def _records(folder: Path) -> list[dict[str, Any]]:
    out = []
    for path in sorted(folder.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue  # a corrupt line: the org would never hold it
            if isinstance(record, dict) and record.get("Id"):
                out.append(record)
    return out


def _moment(text: Any) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(str(text).replace("Z", "+00:00").replace("+0000", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def seed_salesforce(fake: FakeSalesforce, generated: Path) -> dict[str, int]:
    counts = {}
    for obj, folder in (("Account", "accounts"), ("Lead", "leads")):
        table = fake.objects[obj]
        for record in _records(generated / "salesforce" / folder):
            moment = _moment(record.get("SystemModstamp")) or fake.now
            values = {k: v for k, v in record.items() if k in fake.fields[obj] or k == "Id"}
            values["SystemModstamp"] = stamp(moment)
            values["IsDeleted"] = bool(record.get("IsDeleted"))
            previous = table.get(record["Id"])
            if previous is None or previous["SystemModstamp"] < values["SystemModstamp"]:
                table[record["Id"]] = values
        counts[obj] = len(table)
    return counts


def _amount(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() and abs(value) < Decimal(10) ** 16 else None


def seed_snowflake(served: fake_snowflake.ServedSnowflake, generated: Path) -> int:
    rows = []
    for path in sorted((generated / "snowflake" / "legacy_orders").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                moment = _moment(row.get("ORDER_TS"))
                rows.append((
                    row.get("ORDER_NO") or None, row.get("CUST_ID") or None,
                    moment.replace(tzinfo=None) if moment else None, row.get("CCY") or None,
                    _amount(row.get("AMT") or ""), row.get("ORDER_STATUS") or None,
                    row.get("ITEM_CODE") or None,
                ))  # fmt: skip
    served.insert(rows)
    return len(rows)


def _secret(folder: Path, name: str, value: dict[str, str]) -> None:
    path = folder / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(value, handle)


#: moto's account; the role Terraform would create (moto checks only the account)
EMR_ROLE = "arn:aws:iam::123456789012:role/lakecore-dev-emr-execution"


def seed_aws(aws: LocalAws, landing: Path, secrets: Path) -> None:
    """The lake bucket (``LAKECORE_AWS_LAKE_BUCKET``'s default) with the landing files under
    ``landing/``, the secrets in Secrets Manager: what the aws profile reads; the artifacts
    bucket and the EMR Serverless application ``lakecore submit`` uses."""
    names = AwsNames()
    bucket = names.lake_bucket
    s3 = aws.client("s3")
    for made in (bucket, names.artifacts_bucket):
        s3.create_bucket(Bucket=made, CreateBucketConfiguration={"LocationConstraint": aws.region})
    aws.client("emr-serverless").create_application(
        name=names.emr_application_name, releaseLabel="emr-7.12.0", type="SPARK"
    )
    for path in sorted(p for p in landing.rglob("*") if p.is_file()):
        s3.upload_file(str(path), bucket, f"landing/{path.relative_to(landing).as_posix()}")
    manager = aws.client("secretsmanager")
    for path in sorted(secrets.rglob("*.json")):
        name = path.relative_to(secrets).with_suffix("").as_posix()
        manager.create_secret(Name=name, SecretString=path.read_text(encoding="utf-8"))


def serve_stack(folder: Path, env_file: Path, rows: int, day: date) -> None:
    """Run both stand-ins until SIGTERM; write ``env_file`` once they are seeded."""
    generated, landing = folder / "generated", folder / "landing"
    for stale in (generated, landing, folder / "kafka"):  # each start begins empty
        shutil.rmtree(stale, ignore_errors=True)
    generate(GenerateOptions(generated, rows, seed=7, dirty=0.02, business_date=day))
    shutil.copytree(generated, landing, ignore=shutil.ignore_patterns("_manifest.json"))
    for name in PULLED:
        shutil.rmtree(landing / name)
    fake = FakeSalesforce(page_size=2000, now=datetime.now(UTC))
    fake.define("Account", ACCOUNT_FIELDS)
    fake.define("Lead", LEAD_FIELDS)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with (
        serve(fake, folder / "salesforce-ca.pem") as url,
        fake_snowflake.serve() as snow,
        broker(folder / "kafka") as kafka,
        local_aws() as aws,
    ):
        kafka.create_topic("orders_events", partitions=3)
        counts = seed_salesforce(fake, generated)
        counts["LEGACY_ORDERS"] = seed_snowflake(snow, generated)
        secrets = folder / "secrets"
        _secret(secrets, "lakecore/salesforce",
                {"client_id": fake.client_id, "client_secret": fake.client_secret})  # fmt: skip
        _secret(secrets, "lakecore/snowflake", snow.login)
        seed_aws(aws, landing, secrets)
        settings = {
            "LAKECORE_SALESFORCE_LOGIN_URL": url,
            "LAKECORE_SALESFORCE_CA_BUNDLE": str(folder / "salesforce-ca.pem"),
            "LAKECORE_SNOWFLAKE_DATABASE": fake_snowflake.DATABASE,
            "LAKECORE_SNOWFLAKE_SCHEMA": fake_snowflake.SCHEMA,
            "LAKECORE_SNOWFLAKE_HOST": snow.connect["host"],
            "LAKECORE_SNOWFLAKE_PORT": str(snow.connect["port"]),
            "LAKECORE_SNOWFLAKE_PROTOCOL": snow.connect["protocol"],
            "LAKECORE_KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap,
            "LAKECORE_SECRETS_DIR": str(secrets),
            "LAKECORE_LAKE_ROOT": str(folder / "lake"),
            **aws.environ(),
            "LAKECORE_AWS_S3_PATH_STYLE": "true",
            "LAKECORE_AWS_EMR_EXECUTION_ROLE_ARN": EMR_ROLE,
        }
        env_file.write_text("".join(f"{k}={v}\n" for k, v in settings.items()))
        print(f"stack ready: salesforce {url}, snowflake {snow.connect['host']}:"
              f"{snow.connect['port']}, kafka {kafka.bootstrap}, aws {aws.endpoint}; "
              f"seeded {counts}",
              flush=True)  # fmt: skip
        stop.wait()
    env_file.unlink(missing_ok=True)


def start(folder: Path, env_file: Path, rows: int, day: date, timeout: float = 120) -> int:
    if (folder / "stack.pid").exists():
        stop(folder, env_file)
    folder.mkdir(parents=True, exist_ok=True)
    env_file.unlink(missing_ok=True)
    log = (folder / "stack.log").open("w")
    command = [sys.executable, "-m", "tests.fakes.stack", "serve", "--dir", str(folder),
               "--env", str(env_file), "--rows", str(rows), "--date", day.isoformat()]  # fmt: skip
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)  # fmt: skip
    (folder / "stack.pid").write_text(str(process.pid))
    deadline = time.monotonic() + timeout
    while not env_file.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            print(f"stack: did not start; see {folder / 'stack.log'}", file=sys.stderr)
            stop(folder, env_file)
            return 1
        time.sleep(0.2)
    print(f"stack up (pid {process.pid}); settings in {env_file}. Run a day against it:")
    print(f"  set -a; . {env_file}; set +a")
    print(f"  .venv/bin/lakecore run daily --landing {folder / 'landing'}")
    print("The aws profile (S3, Secrets Manager, Glue on a local moto server):")
    bucket = AwsNames().lake_bucket
    print(f"  LAKECORE_ENV=aws LAKECORE_LAKE_ROOT=s3://{bucket}/lake "
          f".venv/bin/lakecore run daily --landing s3://{bucket}/landing")  # fmt: skip
    print(f"  LAKECORE_ENV=aws LAKECORE_LAKE_ROOT=s3://{bucket}/lake .venv/bin/lakecore register")
    print("Stream order events through its Kafka broker:")
    print(f"  .venv/bin/lakecore generate --out {folder / 'sent'} --to-kafka")
    print("  .venv/bin/lakecore stream orders --available-now")
    return 0


def stop(folder: Path, env_file: Path) -> int:
    pid_file = folder / "stack.pid"
    if not pid_file.exists():
        print("stack: not running")
        return 0
    pid = int(pid_file.read_text())
    try:
        os.killpg(pid, signal.SIGTERM)
        for _ in range(100):
            os.kill(pid, 0)
            time.sleep(0.1)
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    pid_file.unlink()
    env_file.unlink(missing_ok=True)
    print("stack down")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="stack", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("action", choices=["start", "stop", "serve"])
    parser.add_argument("--dir", type=Path, default=Path("build/stack"))
    parser.add_argument("--env", type=Path, default=Path("build/stack.env"))
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--date", type=date.fromisoformat, default=datetime.now(UTC).date())
    args = parser.parse_args(argv)
    folder, env_file = args.dir.resolve(), args.env.resolve()
    if args.action == "serve":
        serve_stack(folder, env_file, args.rows, args.date)
        return 0
    if args.action == "start":
        return start(folder, env_file, args.rows, args.date)
    return stop(folder, env_file)


if __name__ == "__main__":
    sys.exit(main())
