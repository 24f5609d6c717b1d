"""``SecretsManagerStore``: secrets from AWS Secrets Manager, each a JSON object of text
values (``lakecore/salesforce``, ``lakecore/snowflake``, ``lakecore/kafka``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from adapters.secrets.local import secret_object
from lakecore.errors import ConfigurationError, SecretNotFound, TransientError

#: Answers that say the secret or the right to read it is missing: a retry cannot help.
_REFUSALS = {
    "ResourceNotFoundException": "not found",
    "AccessDeniedException": "may not be read by this job's role",
    "DecryptionFailure": "cannot be decrypted with its KMS key by this job's role",
    "InvalidRequestException": "cannot be read now (deleted or scheduled for deletion?)",
    "ExpiredTokenException": "cannot be read: this job's AWS credentials have expired",
    "UnrecognizedClientException": "cannot be read: this job's AWS credentials are not valid",
}


class SecretsManagerStore:
    """Fetches each secret once per store (one run), then answers from memory.

    ``client`` is a boto3 ``secretsmanager`` client. Every value is handed to ``reveal`` (the
    log masker) before it is returned. A missing or forbidden secret is a
    ``ConfigurationError`` (exit 2); an unreachable service or a throttled call is a
    ``TransientError`` (exit 75). Errors name the secret, never a value.
    """

    def __init__(self, client: Any, reveal: Callable[[str], None] = lambda _: None) -> None:
        self._client = client
        self._reveal = reveal
        self._fetched: dict[str, dict[str, str]] = {}

    def get(self, name: str) -> Mapping[str, str]:
        if name not in self._fetched:
            self._fetched[name] = secret_object(
                name, self._text(name), "Secrets Manager", self._reveal
            )
        return dict(self._fetched[name])

    def _text(self, name: str) -> str:
        try:
            answer = self._client.get_secret_value(SecretId=name)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in _REFUSALS:
                kind = SecretNotFound if code == "ResourceNotFoundException" else ConfigurationError
                raise kind(f"secret {name} in Secrets Manager {_REFUSALS[code]}") from None
            raise TransientError(f"secret {name}: Secrets Manager answered {code}") from None
        except BotoCoreError as exc:
            raise TransientError(
                f"secret {name}: Secrets Manager unreachable ({type(exc).__name__})"
            ) from None
        text = answer.get("SecretString")
        if text is None:
            raise ConfigurationError(f"secret {name} in Secrets Manager is binary, not JSON text")
        return str(text)
