"""What a Spark streaming checkpoint says about a Kafka stream: the offsets of the last
micro-batch it finished (``offsets/<n>`` for the newest ``n`` with a ``commits/<n>``), in a
local folder or under ``s3://`` (``s3a://``) through boto3."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from adapters.files.landing import S3_SCHEMES
from lakecore.errors import ConfigurationError


@dataclass(frozen=True, slots=True)
class Committed:
    batch: int
    #: per partition, the next offset the stream will read
    offsets: dict[int, int]


class _Files(Protocol):
    def names(self, folder: str) -> list[str]: ...

    def text(self, path: str) -> str | None: ...


def committed(checkpoint: str, topic: str, s3: Any = None) -> Committed | None:
    """The last finished batch's offsets of ``topic``; None before the first batch.

    ``s3`` is a boto3 ``s3`` client, needed for a checkpoint in S3. Raises
    ``ConfigurationError`` for a checkpoint that is unreadable or in S3 without a client;
    reading S3 raises as ``adapters.boto.aws_errors`` says (exit 2 or 75).
    """
    files = _files(checkpoint, s3)
    done = [int(name) for name in files.names("commits") if name.isdigit()]
    if not done:
        return None
    batch = max(done)
    try:
        text = files.text(f"offsets/{batch}")
        if text is None:
            raise ValueError(f"offsets/{batch} is missing")
        offsets = json.loads(text.splitlines()[-1]).get(topic, {})
        return Committed(batch, {int(p): int(o) for p, o in offsets.items()})
    except (ValueError, IndexError, AttributeError) as exc:
        raise ConfigurationError(
            f"checkpoint {checkpoint} is unreadable at batch {batch}: {exc}"
        ) from None


def _files(checkpoint: str, s3: Any) -> _Files:
    parts = urlsplit(checkpoint)
    if parts.scheme in S3_SCHEMES:
        if s3 is None or not parts.netloc:
            raise ConfigurationError(f"checkpoint {checkpoint}: an S3 checkpoint needs a client")
        return _S3Folder(s3, parts.netloc, parts.path.strip("/"), checkpoint)
    if parts.scheme not in ("", "file"):
        raise ConfigurationError(
            f"checkpoint {checkpoint}: a local folder or s3:// only, not {parts.scheme}://"
        )
    return _LocalFolder(Path(parts.path if parts.scheme else checkpoint))


class _LocalFolder:
    def __init__(self, root: Path) -> None:
        self._root = root

    def names(self, folder: str) -> list[str]:
        return [p.name for p in (self._root / folder).glob("*")]

    def text(self, path: str) -> str | None:
        try:
            return (self._root / path).read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise ConfigurationError(f"checkpoint {self._root}: {path}: {exc}") from None


class _S3Folder:
    """The checkpoint's objects under ``s3://<bucket>/<prefix>/``."""

    def __init__(self, client: Any, bucket: str, prefix: str, uri: str) -> None:
        self._client = client
        self._bucket = bucket
        self._base = f"{prefix}/" if prefix else ""
        self._uri = uri

    def names(self, folder: str) -> list[str]:
        from adapters.boto import aws_errors  # botocore: the aws extra

        start = f"{self._base}{folder}/"
        with aws_errors(f"cannot list checkpoint {self._uri}"):
            pages = self._client.get_paginator("list_objects_v2").paginate(
                Bucket=self._bucket, Prefix=start
            )
            keys = [item["Key"] for page in pages for item in page.get("Contents", [])]
        return [key[len(start) :] for key in keys if "/" not in key[len(start) :]]

    def text(self, path: str) -> str | None:
        from botocore.exceptions import ClientError

        from adapters.boto import aws_errors

        with aws_errors(f"cannot read checkpoint {self._uri}/{path}"):
            try:
                answer = self._client.get_object(Bucket=self._bucket, Key=self._base + path)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                    return None
                raise
            return str(answer["Body"].read().decode("utf-8"))
