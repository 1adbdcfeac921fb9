"""The template's functions, run in this process exactly as Lambda runs them: same code, same handler string."""

from __future__ import annotations

import importlib.util
import threading
import uuid
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from incident_comms.local.aws import ACCOUNT_ID, REGION
from incident_comms.local.cfn import Intrinsics, resources_of_type

_running: ContextVar[str | None] = ContextVar("running_function", default=None)


def running_function() -> str | None:
    """The logical id of the template function this thread is running, None outside one: in Lambda each function
    has a container and a role of its own, here they share one process, so a recorder of AWS calls asks this whose
    call it is (the IAM-usage test holds each call against that function's role)."""
    return _running.get()


@dataclass
class LambdaContext:
    """The attributes of Lambda's context object that Powertools reads."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int = 512
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


@dataclass
class LocalFunction:
    logical_id: str
    name: str
    code_dir: Path
    handler: str
    environment: dict[str, str]
    events: dict[str, dict[str, Any]]
    _module: ModuleType | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{self.name}"

    def _load(self) -> ModuleType:
        with self._lock:
            if self._module is None:
                module_name, _, _ = self.handler.rpartition(".")
                path = self.code_dir / f"{module_name.replace('.', '/')}.py"
                spec = importlib.util.spec_from_file_location(f"local_fn_{self.logical_id}_{module_name}", path)
                if spec is None or spec.loader is None:
                    raise RuntimeError(f"{self.logical_id}: cannot load {path}")
                module = importlib.util.module_from_spec(spec)
                spec.loader.exec_module(module)
                self._module = module
            return self._module

    def invoke(self, event: Any) -> Any:
        """Call the handler with ``event`` and a Lambda-like context; exceptions propagate like a failed invoke."""
        handler = getattr(self._load(), self.handler.rpartition(".")[2])
        token = _running.set(self.logical_id)
        try:
            return handler(event, LambdaContext(self.name, self.arn))
        finally:
            _running.reset(token)


def functions_of(template: dict[str, Any], root: Path, intrinsics: Intrinsics) -> dict[str, LocalFunction]:
    """Every ``AWS::Serverless::Function`` with its Globals applied and its environment resolved."""
    globals_ = template.get("Globals", {}).get("Function", {})
    found = {}
    for logical_id, properties in resources_of_type(template, "AWS::Serverless::Function").items():
        variables = {
            **globals_.get("Environment", {}).get("Variables", {}),
            **properties.get("Environment", {}).get("Variables", {}),
        }
        found[logical_id] = LocalFunction(
            logical_id=logical_id,
            name=intrinsics.refs.get(logical_id, logical_id),
            code_dir=root / properties["CodeUri"],
            handler=properties.get("Handler", globals_.get("Handler", "app.lambda_handler")),
            environment={key: str(intrinsics.resolve(value)) for key, value in variables.items()},
            events=properties.get("Events", {}),
        )
    return found
