"""What AWS answered when it refused a call: the error code of a botocore ``ClientError``, "" when it names none,
so an adapter compares it with the codes it handles and raises every other refusal untouched."""

from __future__ import annotations

from botocore.exceptions import ClientError


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))
