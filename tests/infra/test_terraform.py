"""Security and naming facts of ``infra/terraform``, read from the parsed ``.tf`` files.

Nothing here talks to AWS. The files are parsed with python-hcl2 and almost every assertion is
made on parsed values, so changing a ``.tf`` file the wrong way fails a test. One test runs
``terraform test`` offline (mocked provider, provider from the local mirror, as ``check.sh``
does) to evaluate the outputs against lakecore's settings; without terraform it fails.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hcl2

from entrypoints.settings import AwsNames

TF_DIR = Path(__file__).resolve().parents[2] / "infra" / "terraform"

GUARDED_SERVICES = ("s3:", "secretsmanager:", "glue:", "kms:")
LAKE_WRITE_PREFIXES = ("bronze/", "silver/", "gold/", "_dlq/", "_checkpoints/", "_state/")
LAKE_READ_PREFIXES = ("landing/",)
DELTA_LOG = "_delta_log/"


# --------------------------------------------------------------------------------------------
# parsing
# --------------------------------------------------------------------------------------------


def _unquote(text: str) -> str:
    # python-hcl2 >= 7 keeps the quotes of string literals and block labels; older ones do not.
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        return text[1:-1]
    return text


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            _unquote(k): _clean(v)
            for k, v in value.items()
            if not (k.startswith("__") and k.endswith("__"))
        }
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, str):
        return _unquote(value)
    return value


@dataclass
class Stack:
    resources: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    data: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    variables: dict[str, dict[str, Any]] = field(default_factory=dict)
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    terraform: list[dict[str, Any]] = field(default_factory=list)

    def of_type(self, rtype: str) -> dict[str, dict[str, Any]]:
        return self.resources.get(rtype, {})

    def policy_documents(self) -> dict[str, dict[str, Any]]:
        return self.data.get("aws_iam_policy_document", {})


@functools.cache
def stack() -> Stack:
    files = sorted(TF_DIR.glob("*.tf"))
    assert files, f"no .tf files in {TF_DIR}"
    parsed = Stack()
    for path in files:
        with path.open(encoding="utf-8") as handle:
            doc = _clean(hcl2.load(handle))
        for kind, target in (("resource", parsed.resources), ("data", parsed.data)):
            for block in doc.get(kind, []):
                for rtype, by_name in block.items():
                    for name, body in by_name.items():
                        key = f"{rtype}.{name}"
                        assert name not in target.get(rtype, {}), f"{key} defined twice"
                        target.setdefault(rtype, {})[name] = body
        for block in doc.get("variable", []):
            parsed.variables.update(block)
        for block in doc.get("output", []):
            parsed.outputs.update(block)
        parsed.terraform.extend(doc.get("terraform", []))
    return parsed


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _one(blocks: Any) -> dict[str, Any]:
    items = _as_list(blocks)
    assert len(items) == 1, f"expected exactly one block, got {items!r}"
    item = items[0]
    assert isinstance(item, dict)
    return item


@dataclass(frozen=True)
class Statement:
    document: str
    body: dict[str, Any]

    @property
    def effect(self) -> str:
        return str(self.body.get("effect", "Allow"))

    @property
    def actions(self) -> list[str]:
        return [str(a) for a in _as_list(self.body.get("actions"))]

    @property
    def resources(self) -> list[str]:
        return [str(r) for r in _as_list(self.body.get("resources"))]

    @property
    def conditions(self) -> list[dict[str, Any]]:
        return [dict(c) for c in _as_list(self.body.get("condition"))]

    @property
    def principals(self) -> list[dict[str, Any]]:
        return [dict(p) for p in _as_list(self.body.get("principals"))]

    def label(self) -> str:
        return f"{self.document}/{self.body.get('sid', '?')}"


def statements() -> Iterator[Statement]:
    for name, doc in stack().policy_documents().items():
        for body in _as_list(doc.get("statement")):
            yield Statement(name, body)


def _ref_name(expr: Any, prefix: str) -> str | None:
    """``"${aws_s3_bucket.lake.id}"`` with prefix ``aws_s3_bucket`` -> ``"lake"``."""
    match = re.fullmatch(r"\$\{" + re.escape(prefix) + r"\.([A-Za-z0-9_-]+)\.[a-z_]+\}", str(expr))
    return match.group(1) if match else None


def key_policy_documents() -> set[str]:
    names = set()
    for key in stack().of_type("aws_kms_key").values():
        name = _ref_name(key.get("policy"), "data.aws_iam_policy_document")
        assert name is not None, f"KMS key policy must be an aws_iam_policy_document: {key!r}"
        names.add(name)
    return names


def by_bucket(rtype: str) -> dict[str, dict[str, Any]]:
    """Resources of ``rtype`` keyed by the aws_s3_bucket they configure."""
    out: dict[str, dict[str, Any]] = {}
    for name, body in stack().of_type(rtype).items():
        bucket = _ref_name(body.get("bucket"), "aws_s3_bucket")
        assert bucket is not None, f"{rtype}.{name} must reference an aws_s3_bucket: {body!r}"
        assert bucket not in out, f"two {rtype} for aws_s3_bucket.{bucket}"
        out[bucket] = body
    return out


def buckets() -> set[str]:
    names = set(stack().of_type("aws_s3_bucket"))
    assert {"lake", "artifacts"} <= names, names
    return names


def log_destination_buckets() -> set[str]:
    return {
        name
        for body in stack().of_type("aws_s3_bucket_logging").values()
        if (name := _ref_name(body.get("target_bucket"), "aws_s3_bucket")) is not None
    }


def _is_wildcard_action(action: str) -> bool:
    return "*" in action or "?" in action


def _is_star_resource(resource: str) -> bool:
    """``*``, or an ARN whose resource part is only wildcards (``arn:aws:s3:::*``, ``…:key/*``)."""
    text = resource.strip()
    if text == "*":
        return True
    parts = text.split(":", 5)
    if len(parts) < 6:
        return False
    return "*" in parts[5] and re.fullmatch(r"[a-z-]*[/:]?[*/]*", parts[5]) is not None


# --------------------------------------------------------------------------------------------
# IAM policy documents
# --------------------------------------------------------------------------------------------


def test_policy_documents_are_the_ones_reviewed() -> None:
    docs = set(stack().policy_documents())
    assert {
        "emr_execution",
        "emr_execution_trust",
        "mwaa_execution",
        "mwaa_execution_trust",
        "kms_key",
        "lake_bucket",
        "artifacts_bucket",
    } <= docs
    # Inline JSON policies would escape every check below.
    for rtype in ("aws_iam_role_policy", "aws_iam_policy", "aws_s3_bucket_policy", "aws_kms_key"):
        for name, body in stack().of_type(rtype).items():
            assert _ref_name(body.get("policy"), "data.aws_iam_policy_document"), (
                f"{rtype}.{name}.policy must come from an aws_iam_policy_document"
            )
    for name, role in stack().of_type("aws_iam_role").items():
        assert _ref_name(role.get("assume_role_policy"), "data.aws_iam_policy_document"), name
        assert "inline_policy" not in role, f"aws_iam_role.{name}: use aws_iam_role_policy"
        assert "managed_policy_arns" not in role, f"aws_iam_role.{name}: no managed policies"


def test_no_statement_allows_a_wildcard_action() -> None:
    allows = [s for s in statements() if s.effect == "Allow"]
    assert len(allows) >= 10
    for st in allows:
        assert st.actions, f"{st.label()}: no actions"
        assert "not_actions" not in st.body, f"{st.label()}: not_actions grants by exclusion"
        wild = [a for a in st.actions if _is_wildcard_action(a)]
        assert not wild, f"{st.label()} allows wildcard actions {wild}"


def test_wildcard_actions_appear_only_in_tls_deny_guards() -> None:
    # The one place a wildcard is right: a Deny on every S3 action over plain HTTP / old TLS,
    # where listing actions one by one would leave the unlisted ones open.
    for st in statements():
        wild = [a for a in st.actions if _is_wildcard_action(a)]
        if not wild:
            continue
        assert st.effect == "Deny", f"{st.label()}: wildcard {wild} outside a Deny"
        variables = {c.get("variable") for c in st.conditions}
        assert variables & {"aws:SecureTransport", "s3:TlsVersion"}, (
            f"{st.label()}: wildcard Deny {wild} that is not a TLS guard"
        )


def test_no_star_resource_on_s3_secrets_glue_kms_statements() -> None:
    key_policies = key_policy_documents()
    checked = 0
    for st in statements():
        if st.document in key_policies or "resources" not in st.body:
            continue
        if not any(a.startswith(GUARDED_SERVICES) for a in st.actions):
            continue
        checked += 1
        assert st.resources, f"{st.label()}: no resources"
        for resource in st.resources:
            assert not _is_star_resource(resource), f"{st.label()}: resource {resource!r}"
            assert '"*"' not in resource, f"{st.label()}: '*' inside {resource!r}"
    assert checked >= 8


def test_key_policy_is_scoped_by_principal() -> None:
    # A key policy's "Resource": "*" means the key itself; its scope is its principals.
    (doc,) = key_policy_documents()
    seen_service = False
    for st in (s for s in statements() if s.document == doc):
        assert st.effect == "Allow"
        assert st.resources == ["*"], f"{st.label()}: key policy resource must be '*' (this key)"
        assert not any(_is_wildcard_action(a) for a in st.actions), st.label()
        assert "kms:CreateGrant" not in st.actions, f"{st.label()}: grants bypass the key policy"
        for principal in st.principals:
            ids = [str(i) for i in _as_list(principal.get("identifiers"))]
            assert ids, st.label()
            assert "*" not in ids, f"{st.label()}: '*' principal"
            assert principal.get("type") != "*", f"{st.label()}: '*' principal"
            if principal.get("type") == "AWS":
                for ident in ids:
                    assert ident.endswith(":root") or ident.startswith("${aws_iam_role."), (
                        f"{st.label()}: unexpected principal {ident}"
                    )
            if principal.get("type") == "Service":
                seen_service = True
                assert ids == ["logs.${local.region}.amazonaws.com"], st.label()
                context = [c for c in st.conditions if "EncryptionContext" in c.get("variable", "")]
                assert context, f"{st.label()}: logs service without an encryption context"
        uses_data = {"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"} & set(st.actions)
        is_root = any(
            str(i).endswith(":root") for p in st.principals for i in _as_list(p.get("identifiers"))
        )
        if uses_data and is_root:
            via = [c for c in st.conditions if c.get("variable") == "kms:ViaService"]
            assert via, f"{st.label()}: the account may use the key only through services"
    assert seen_service


def test_emr_role_s3_access_is_limited_to_named_prefixes() -> None:
    lake_object_prefix = "${aws_s3_bucket.lake.arn}/"
    artifacts = "${aws_s3_bucket.artifacts.arn}"
    writable, readable = set(), set()
    for st in (s for s in statements() if s.document == "emr_execution"):
        s3_actions = [a for a in st.actions if a.startswith("s3:")]
        if not s3_actions:
            continue
        assert all(a.startswith("s3:") for a in st.actions), f"{st.label()} mixes services"
        for resource in st.resources:
            if resource.startswith(lake_object_prefix):
                prefix = resource.removeprefix(lake_object_prefix).removesuffix("*")
                assert prefix in LAKE_WRITE_PREFIXES + LAKE_READ_PREFIXES, (
                    f"{st.label()}: lake objects outside the job prefixes: {resource}"
                )
                if any(a in {"s3:PutObject", "s3:DeleteObject"} for a in s3_actions):
                    writable.add(prefix)
                readable.add(prefix)
            elif resource.startswith(artifacts):
                read_only = all(a.startswith(("s3:Get", "s3:List")) for a in s3_actions)
                assert read_only, f"{st.label()}: artifacts must be read-only: {s3_actions}"
            else:
                assert resource == "${aws_s3_bucket.lake.arn}", f"{st.label()}: {resource}"
                assert all(a.startswith(("s3:Get", "s3:List")) for a in s3_actions), st.label()
        if "s3:ListBucket" in s3_actions and "${aws_s3_bucket.lake.arn}" in st.resources:
            prefixes = [c for c in st.conditions if c.get("variable") == "s3:prefix"]
            assert prefixes, f"{st.label()}: lake listing must be limited by s3:prefix"
    assert writable == set(LAKE_WRITE_PREFIXES)
    assert readable == set(LAKE_WRITE_PREFIXES + LAKE_READ_PREFIXES)


def test_emr_role_secrets_glue_kms_logs_are_scoped() -> None:
    by_service: dict[str, list[Statement]] = {}
    for st in (s for s in statements() if s.document == "emr_execution"):
        services = {a.split(":", 1)[0] for a in st.actions}
        assert len(services) == 1, f"{st.label()} mixes services {services}"
        by_service.setdefault(services.pop(), []).append(st)

    assert set(by_service) == {"s3", "glue", "secretsmanager", "kms", "logs"}

    (secrets,) = by_service["secretsmanager"]
    assert secrets.actions == ["secretsmanager:GetSecretValue"]
    assert secrets.resources == ["${[for s in aws_secretsmanager_secret.connector : s.arn]}"]

    (kms,) = by_service["kms"]
    assert set(kms.actions) == {"kms:Decrypt", "kms:GenerateDataKey"}
    assert kms.resources == ["${aws_kms_key.lakecore.arn}"]

    glue_resources = " ".join(r for st in by_service["glue"] for r in st.resources)
    assert "aws_glue_catalog_database.layer" in glue_resources
    assert "table/${db.name}/*" in glue_resources
    assert "database/*" not in glue_resources
    assert "table/*" not in glue_resources
    for st in by_service["glue"]:
        assert not any(a.startswith(("glue:Delete", "glue:CreateDatabase")) for a in st.actions)

    for st in by_service["logs"]:
        for resource in st.resources:
            assert resource.startswith(
                ("${aws_cloudwatch_log_group.emr.arn}", "arn:${local.partition}:logs:")
            ), f"{st.label()}: {resource}"


def test_pass_role_only_for_the_emr_execution_role() -> None:
    passes = [s for s in statements() if any(a.lower() == "iam:passrole" for a in s.actions)]
    assert len(passes) == 1, [s.label() for s in passes]
    (st,) = passes
    assert st.document == "mwaa_execution"
    assert st.actions == ["iam:PassRole"]
    assert st.resources == ["${aws_iam_role.emr_execution.arn}"]
    (cond,) = st.conditions
    assert cond == {
        "test": "StringEquals",
        "variable": "iam:PassedToService",
        "values": ["emr-serverless.amazonaws.com"],
    }


def test_mwaa_role_only_runs_jobs_on_the_lakecore_application() -> None:
    app = "${aws_emrserverless_application.lakecore.arn}"
    actions: set[str] = set()
    for st in (s for s in statements() if s.document == "mwaa_execution"):
        if st.actions == ["iam:PassRole"]:
            continue
        assert all(a.startswith("emr-serverless:") for a in st.actions), st.label()
        assert st.resources, st.label()
        assert all(r in (app, f"{app}/jobruns/*") for r in st.resources), st.label()
        actions.update(st.actions)
    wanted = {"StartJobRun", "GetJobRun", "CancelJobRun", "ListJobRuns"}
    assert {f"emr-serverless:{a}" for a in wanted} <= actions
    forbidden = ("emr-serverless:Delete", "emr-serverless:Update")
    assert not {a for a in actions if a.startswith(forbidden)}


def test_roles_trust_only_their_service() -> None:
    trusts = {
        "emr_execution_trust": ["emr-serverless.amazonaws.com"],
        "mwaa_execution_trust": ["airflow.amazonaws.com", "airflow-env.amazonaws.com"],
    }
    for doc, services in trusts.items():
        (st,) = [s for s in statements() if s.document == doc]
        assert st.actions == ["sts:AssumeRole"]
        (principal,) = st.principals
        assert principal == {"type": "Service", "identifiers": services}
        assert any(c.get("variable") == "aws:SourceAccount" for c in st.conditions), doc


# --------------------------------------------------------------------------------------------
# S3
# --------------------------------------------------------------------------------------------


def test_data_buckets_use_sse_kms_with_bucket_keys() -> None:
    sse = by_bucket("aws_s3_bucket_server_side_encryption_configuration")
    assert set(sse) == buckets(), "every bucket needs a default encryption configuration"
    log_targets = log_destination_buckets()
    kms_buckets = set()
    for bucket, body in sse.items():
        rule = _one(body.get("rule"))
        default = _one(rule.get("apply_server_side_encryption_by_default"))
        if bucket in log_targets:
            # Server access log destinations: SSE-S3 (AWS does not deliver to SSE-KMS defaults).
            assert default.get("sse_algorithm") == "AES256", bucket
            continue
        assert default.get("sse_algorithm") == "aws:kms", bucket
        assert default.get("kms_master_key_id") == "${aws_kms_key.lakecore.arn}", bucket
        assert rule.get("bucket_key_enabled") is True, bucket
        kms_buckets.add(bucket)
    assert {"lake", "artifacts"} <= kms_buckets
    assert not ({"lake", "artifacts"} & log_targets)


def test_every_bucket_blocks_all_public_access() -> None:
    pab = by_bucket("aws_s3_bucket_public_access_block")
    assert set(pab) == buckets()
    for bucket, body in pab.items():
        for flag in (
            "block_public_acls",
            "block_public_policy",
            "ignore_public_acls",
            "restrict_public_buckets",
        ):
            assert body.get(flag) is True, f"{bucket}: {flag}"


def test_every_bucket_is_versioned() -> None:
    versioning = by_bucket("aws_s3_bucket_versioning")
    assert set(versioning) == buckets()
    for bucket, body in versioning.items():
        assert _one(body.get("versioning_configuration")).get("status") == "Enabled", bucket


def test_every_bucket_enforces_bucket_owner() -> None:
    ownership = by_bucket("aws_s3_bucket_ownership_controls")
    assert set(ownership) == buckets()
    for bucket, body in ownership.items():
        assert _one(body.get("rule")).get("object_ownership") == "BucketOwnerEnforced", bucket


def test_every_bucket_policy_denies_insecure_transport() -> None:
    policies = by_bucket("aws_s3_bucket_policy")
    assert set(policies) == buckets()
    for bucket, body in policies.items():
        doc = _ref_name(body.get("policy"), "data.aws_iam_policy_document")
        guards = [
            st
            for st in statements()
            if st.document == doc
            and st.effect == "Deny"
            and {"test": "Bool", "variable": "aws:SecureTransport", "values": ["false"]}
            in st.conditions
        ]
        assert guards, f"{bucket}: no Deny on aws:SecureTransport=false"
        (guard,) = guards
        assert guard.actions == ["s3:*"], bucket
        assert guard.principals == [{"type": "*", "identifiers": ["*"]}], bucket
        arn = f"${{aws_s3_bucket.{bucket}.arn}}"
        assert set(guard.resources) == {arn, f"{arn}/*"}, bucket


def test_data_buckets_log_access_to_the_log_bucket() -> None:
    logging = by_bucket("aws_s3_bucket_logging")
    assert {"lake", "artifacts"} <= set(logging)
    for bucket in log_destination_buckets():
        assert bucket in buckets()
        assert bucket not in logging, f"{bucket} must not log into itself"


def _covers_delta_log(rule_filter: dict[str, Any] | None) -> bool:
    """Whether a lifecycle filter can match objects under some ``<table>/_delta_log/``.

    S3 filters cannot exclude a sub-prefix, and every table folder has a ``_delta_log/``, so
    any filter without a tag condition covers the log: the empty filter, a bare prefix (also
    ``bronze/``, which holds ``bronze/<table>/_delta_log/``), a size filter. Only a tag that
    Delta never writes keeps the log out, provided no prefix points into the log itself.
    """
    if not rule_filter:
        return True
    conditions = _one(rule_filter["and"]) if "and" in rule_filter else rule_filter
    prefix = str(conditions.get("prefix", ""))
    if DELTA_LOG.rstrip("/") in prefix:
        return True
    has_tag = bool(conditions.get("tags")) or bool(conditions.get("tag"))
    return not has_tag


def _filter_of(rule: dict[str, Any]) -> dict[str, Any] | None:
    filters = _as_list(rule.get("filter"))
    if not filters:
        return None
    (only,) = filters
    return dict(only) if only else None


def test_lifecycle_transitions_never_cover_delta_log() -> None:
    lifecycles = by_bucket("aws_s3_bucket_lifecycle_configuration")
    assert {"lake", "artifacts"} <= set(lifecycles)
    transitions = 0
    for bucket, body in lifecycles.items():
        for rule in _as_list(body.get("rule")):
            assert "prefix" not in rule, f"{bucket}/{rule.get('id')}: use filter, not prefix"
            moves = _as_list(rule.get("transition")) + _as_list(
                rule.get("noncurrent_version_transition")
            )
            if not moves:
                continue
            transitions += 1
            assert not _covers_delta_log(_filter_of(rule)), (
                f"{bucket}/{rule.get('id')} transitions objects its filter cannot keep out of "
                f"{DELTA_LOG}: {rule.get('filter')!r}"
            )
            for move in moves:
                assert move.get("storage_class") == "GLACIER_IR", (
                    f"{bucket}/{rule.get('id')}: only instant-retrieval archiving"
                )
    assert transitions >= 1, "expected the tagged archive rules"


def test_lake_lifecycle_never_expires_current_delta_objects() -> None:
    lake = by_bucket("aws_s3_bucket_lifecycle_configuration")["lake"]
    for rule in _as_list(lake.get("rule")):
        for expiration in _as_list(rule.get("expiration")):
            dated = {k for k in expiration if k in {"days", "date"}}
            if dated:
                assert not _covers_delta_log(_filter_of(rule)), rule.get("id")


def test_lifecycle_cleans_multipart_uploads_and_old_versions() -> None:
    lifecycles = by_bucket("aws_s3_bucket_lifecycle_configuration")
    assert set(lifecycles) == buckets()
    for bucket, body in lifecycles.items():
        rules = [r for r in _as_list(body.get("rule")) if r.get("status") == "Enabled"]
        whole_bucket = [r for r in rules if _filter_of(r) is None]
        assert any(r.get("abort_incomplete_multipart_upload") for r in whole_bucket), bucket
        assert any(r.get("noncurrent_version_expiration") for r in whole_bucket), bucket


# --------------------------------------------------------------------------------------------
# KMS, secrets, logs, EMR
# --------------------------------------------------------------------------------------------


def test_kms_keys_rotate() -> None:
    keys = stack().of_type("aws_kms_key")
    assert keys
    for name, key in keys.items():
        assert key.get("enable_key_rotation") is True, name


def _walk_keys(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from _walk_keys(v)
    elif isinstance(value, list):
        for v in value:
            yield from _walk_keys(v)


def test_no_secret_values_in_terraform() -> None:
    assert "aws_secretsmanager_secret_version" not in stack().resources
    keys = set(_walk_keys(stack().resources))
    assert not keys & {"secret_string", "secret_binary", "secret_string_wo"}
    secrets = stack().of_type("aws_secretsmanager_secret")
    assert secrets
    for name, secret in secrets.items():
        assert secret.get("kms_key_id") == "${aws_kms_key.lakecore.arn}", name


def test_log_group_is_encrypted_and_retained() -> None:
    (log_group,) = stack().of_type("aws_cloudwatch_log_group").values()
    assert log_group.get("kms_key_id") == "${aws_kms_key.lakecore.arn}"
    retention = log_group.get("retention_in_days")
    if retention == "${var.log_retention_days}":
        retention = stack().variables["log_retention_days"].get("default")
    assert isinstance(retention, int), retention
    assert retention >= 90


def test_emr_application_is_bounded_spark_on_emr_7() -> None:
    app = stack().of_type("aws_emrserverless_application")["lakecore"]
    assert app.get("type") == "SPARK"
    release = stack().variables["emr_release_label"].get("default")
    assert app.get("release_label") == "${var.emr_release_label}"
    assert re.fullmatch(r"emr-7\.\d+\.\d+", str(release)), release
    capacity = _one(app.get("maximum_capacity"))
    assert {"cpu", "memory", "disk"} <= set(capacity)
    limits = stack().variables["emr_max_capacity"].get("default")
    assert isinstance(limits, dict), limits
    assert all(str(limits.get(k, "")).strip() for k in ("cpu", "memory", "disk")), limits
    assert _one(app.get("auto_stop_configuration")).get("enabled") is True


def test_aws_provider_is_pinned_to_5_100() -> None:
    pins = [
        str(provider.get("version"))
        for block in stack().terraform
        for required in _as_list(block.get("required_providers"))
        for name, provider in required.items()
        if name == "aws"
    ]
    assert pins == ["~> 5.100"]


# --------------------------------------------------------------------------------------------
# Athena
# --------------------------------------------------------------------------------------------


def _workgroup_configuration() -> dict[str, Any]:
    workgroup = stack().of_type("aws_athena_workgroup")["lakecore"]
    return _one(workgroup.get("configuration"))


def test_athena_workgroup_is_engine_v3_and_enforces_its_configuration() -> None:
    config = _workgroup_configuration()
    engine = _one(config.get("engine_version"))
    assert engine.get("selected_engine_version") == "Athena engine version 3"
    # Enforced: a client cannot override where results go, their encryption or the cutoff.
    assert config.get("enforce_workgroup_configuration") is True
    assert config.get("publish_cloudwatch_metrics_enabled") is True


def test_athena_results_go_to_the_artifacts_bucket_under_the_lakecore_key() -> None:
    results = _one(_workgroup_configuration().get("result_configuration"))
    location = "s3://${aws_s3_bucket.artifacts.bucket}/athena-results/"
    assert results.get("output_location") == location
    assert results.get("expected_bucket_owner") == "${local.account_id}"
    encryption = _one(results.get("encryption_configuration"))
    assert encryption == {
        "encryption_option": "SSE_KMS",
        "kms_key_arn": "${aws_kms_key.lakecore.arn}",
    }


def test_athena_results_expire_and_nothing_else_in_the_artifacts_bucket_does() -> None:
    artifacts = by_bucket("aws_s3_bucket_lifecycle_configuration")["artifacts"]
    dated = {
        (_filter_of(rule) or {}).get("prefix"): expiration["days"]
        for rule in _as_list(artifacts.get("rule"))
        for expiration in _as_list(rule.get("expiration"))
        if "days" in expiration
    }
    # Job code a running job may still use is never expired; query results are, within 90 days.
    assert set(dated) == {"athena-results/"}
    assert 1 <= dated["athena-results/"] <= 90


def test_athena_queries_stop_at_a_scan_cutoff() -> None:
    cutoff = _workgroup_configuration().get("bytes_scanned_cutoff_per_query")
    assert cutoff == "${var.athena_bytes_scanned_cutoff_per_query}"
    default = _variable_default("athena_bytes_scanned_cutoff_per_query")
    assert isinstance(default, int), default
    # Athena's minimum is 10 MiB; at most 1 TiB keeps one query's bill at about $5.
    assert 10 * 2**20 <= default <= 2**40, default


# --------------------------------------------------------------------------------------------
# names: variables.tf defaults and outputs == entrypoints.settings.AwsNames defaults
# --------------------------------------------------------------------------------------------

#: How to reach AWS (a local server's endpoint, path-style S3): settings, not resource names.
CONNECTION_SETTINGS = frozenset({"endpoint_url", "s3_path_style"})
#: Settings Terraform knows only once applied (ARNs): an output each, no variable, no default.
APPLIED_SETTINGS = frozenset({"emr_execution_role_arn"})
#: Settings of what lakecore itself puts in AWS (an uploaded package), not Terraform's.
DEPLOYED_SETTINGS = frozenset({"emr_artifacts"})

AWS_NAMES_IN_DESCRIPTION = re.compile(r"\(AwsNames\.([a-z0-9_]+)\)")
SETTING_IN_DESCRIPTION = re.compile(r"\(LAKECORE_AWS_([A-Z0-9_]+)\)")


def _settings_default(name: str) -> Any:
    # The class defaults, not AwsNames(): LAKECORE_AWS_* in the environment must not matter.
    return AwsNames.model_fields[name].default


def _variable_default(name: str) -> Any:
    assert name in stack().variables, f"variables.tf has no variable {name!r}"
    return stack().variables[name].get("default")


def names() -> set[str]:
    """Every resource name the stack and lakecore's settings must agree on."""
    return set(AwsNames.model_fields) - CONNECTION_SETTINGS - APPLIED_SETTINGS - DEPLOYED_SETTINGS


def expected_name(name: str) -> Any:
    """The setting's default, as JSON."""
    value = _settings_default(name)
    return list(value) if isinstance(value, tuple) else value


def _named_in(descriptions: dict[str, dict[str, Any]], pattern: re.Pattern[str]) -> dict[str, str]:
    """Block name -> the name its description gives in ``pattern`` (lower case)."""
    named = {}
    for block, body in descriptions.items():
        match = pattern.search(str(body.get("description", "")))
        if match:
            named[block] = match.group(1).lower()
    return named


def test_every_aws_name_has_a_variable() -> None:
    assert {"region", "lake_bucket", "artifacts_bucket", "glue_databases"} <= names()
    for name in names():
        assert name in stack().variables, f"variables.tf has no variable {name!r}"
    variables = _named_in(stack().variables, AWS_NAMES_IN_DESCRIPTION)
    assert set(variables.values()) == names()
    for variable, setting in variables.items():
        assert variable == setting, f"variable {variable} says it is AwsNames.{setting}"


def test_variable_defaults_equal_settings_defaults() -> None:
    for name in names() & set(AwsNames.model_fields):
        expected = _settings_default(name)
        actual = _variable_default(name)
        if isinstance(expected, tuple):
            assert isinstance(actual, list), name
            actual = tuple(actual)
        assert actual == expected, f"{name}: variables.tf {actual!r} != AwsNames {expected!r}"


def test_resources_are_named_by_those_variables() -> None:
    res = stack().resources
    assert res["aws_s3_bucket"]["lake"]["bucket"] == "${var.lake_bucket}"
    assert res["aws_s3_bucket"]["artifacts"]["bucket"] == "${var.artifacts_bucket}"
    assert res["aws_glue_catalog_database"]["layer"]["for_each"] == "${toset(var.glue_databases)}"
    assert res["aws_glue_catalog_database"]["layer"]["name"] == "${each.value}"
    secret = res["aws_secretsmanager_secret"]["connector"]
    assert secret["for_each"] == "${toset(var.secret_names)}"
    assert secret["name"] == "${each.value}"
    assert res["aws_emrserverless_application"]["lakecore"]["name"] == "${var.emr_application_name}"
    assert res["aws_cloudwatch_log_group"]["emr"]["name"] == "${var.log_group}"
    assert res["aws_athena_workgroup"]["lakecore"]["name"] == "${var.athena_workgroup}"
    (provider,) = [p for block in _provider_blocks() for p in _as_list(block.get("aws"))]
    assert provider.get("region") == "${var.region}"


def _provider_blocks() -> list[dict[str, Any]]:
    blocks = []
    for path in sorted(TF_DIR.glob("*.tf")):
        with path.open(encoding="utf-8") as handle:
            blocks.extend(_clean(hcl2.load(handle)).get("provider", []))
    return blocks


def test_every_setting_from_terraform_has_an_output_of_its_name() -> None:
    # `terraform output -json` maps to the environment by name: output x is LAKECORE_AWS_X.
    outputs = _named_in(stack().outputs, SETTING_IN_DESCRIPTION)
    assert set(outputs.values()) == names() | APPLIED_SETTINGS
    for output, setting in outputs.items():
        assert output == setting, f"output {output} says it is LAKECORE_AWS_{setting.upper()}"
        if output == "region":  # the provider's, not a resource's
            continue
        # Read from the resource, not the variable: the output names what was created.
        value = str(stack().outputs[output].get("value"))
        assert "aws_" in value, f"output {output} = {value} does not read a resource"
        assert not value.startswith("${var."), f"output {output} = {value} is the variable"


# Planned offline: the provider's schema comes from the local mirror (as in check.sh), and the
# data sources answer from these mocks instead of AWS. The names are the stack's own.
MOCK_AWS = """\
mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_region" {
    defaults = { name = "eu-west-1" }
  }
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\\"Version\\": \\"2012-10-17\\", \\"Statement\\": []}" }
  }
}

run "outputs_equal_lakecore_settings" {
  command = plan
"""


def _output_assert(name: str, expected: Any) -> str:
    literal = json.dumps(expected)
    return f"""
  assert {{
    condition     = jsonencode(output.{name}) == jsonencode({literal})
    error_message = "output {name} is ${{jsonencode(output.{name})}}, AwsNames.{name} is ${{jsonencode({literal})}}"
  }}
"""


def _settings_test() -> str:
    asserts = "".join(_output_assert(name, expected_name(name)) for name in sorted(names()))
    return f"{MOCK_AWS}{asserts}}}\n"


def test_terraform_outputs_equal_settings(tmp_path: Path) -> None:
    terraform = os.environ.get("TERRAFORM", "terraform")
    assert shutil.which(terraform), f"no terraform binary {terraform!r} on PATH (set TERRAFORM)"
    mirror = Path(os.environ.get("TF_PLUGIN_MIRROR", "/opt/tf-plugins"))
    provider = mirror / "registry.terraform.io" / "hashicorp" / "aws"
    assert provider.is_dir(), f"no AWS provider in the plugin mirror: {provider} (TF_PLUGIN_MIRROR)"

    config = tmp_path / "stack"
    config.mkdir()
    for path in TF_DIR.glob("*.tf"):
        shutil.copy(path, config)
    (config / "settings.tftest.hcl").write_text(_settings_test(), encoding="utf-8")
    cli = tmp_path / "cli.tfrc"
    cli.write_text(
        f"provider_installation {{\n  filesystem_mirror {{\n    path = {json.dumps(str(mirror))}\n  }}\n}}\n",
        encoding="utf-8",
    )
    # The variables' defaults and nothing else; the mirror is the only provider source.
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_VAR_")}
    env |= {
        "TF_CLI_CONFIG_FILE": str(cli),
        "TF_DATA_DIR": str(tmp_path / "data"),
        "TF_IN_AUTOMATION": "1",
        "CHECKPOINT_DISABLE": "1",
    }
    for command in (["init", "-backend=false", "-input=false"], ["test"]):
        done = subprocess.run(
            [terraform, f"-chdir={config}", *command, "-no-color"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, f"terraform {command[0]}:\n{done.stdout}\n{done.stderr}"
    assert "1 passed, 0 failed" in done.stdout, done.stdout
