"""Cold start of each Lambda handler (import and the services its first invocation builds) as a ratio to
``import boto3`` plus the same clients, both measured in the same run (issue 16: goal ≤ 1.3×).

Run: ``.venv/bin/python -m tests.bench.cold_start [runs]``. Each sample is a fresh interpreter, as in a cold start,
with tracing on as in Lambda (``LAMBDA_TASK_ROOT`` set, so Powertools' Tracer patches what it patches there), the
handler's and the baseline's samples interleaved so that noise falls on both. The handler's sample imports
``functions/<name>/app.py``, then builds what its code reads from ``services()`` (every ``deps.<property>`` in the
file: the plan, the store, senders, the approval key…, and what ``deps.<name>_for`` builds for the function's own ARN)
against a moto server, and reports the AWS clients that building made; the baseline imports boto3 and makes those
same clients. Clients are counted, not guessed.
"""

from __future__ import annotations

import ast
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
GOAL = 1.3
HANDLER = """
import json, sys, time
t = time.perf_counter()
import importlib.util
spec = importlib.util.spec_from_file_location("app", sys.argv[1])
spec.loader.exec_module(importlib.util.module_from_spec(spec))
imported = time.perf_counter() - t
import botocore.session
made = []
create = botocore.session.Session.create_client
def counted(self, service_name, *args, **kwargs):
    made.append(service_name)
    return create(self, service_name, *args, **kwargs)
botocore.session.Session.create_client = counted
from incident_comms.composition import services
deps = services()
for name in json.loads(sys.argv[2]):
    if name.endswith("()"):
        getattr(deps, name[:-2])("arn:aws:lambda:eu-west-1:123456789012:function:bench")
    else:
        getattr(deps, name)
seconds = time.perf_counter() - t
import incident_comms
print(json.dumps({"seconds": seconds, "imported": imported, "clients": made, "package": incident_comms.__file__}))
"""
BASELINE = """
import json, sys, time
t = time.perf_counter()
import boto3
for service in json.loads(sys.argv[1]):
    boto3.client(service)
print(json.dumps({"seconds": time.perf_counter() - t}))
"""
FLOOR = """
import ast, json, sys, time
t = time.perf_counter()
tree = ast.parse(open(sys.argv[1], encoding="utf-8").read())
third_party = [
    node for node in tree.body
    if isinstance(node, (ast.Import, ast.ImportFrom))
    and not any((alias.name if isinstance(node, ast.Import) else node.module or "").startswith("incident_comms")
                for alias in node.names)
]
exec(compile(ast.Module(body=third_party, type_ignores=[]), "app", "exec"), {})
from pydantic import BaseModel
from aws_lambda_powertools import Logger, Metrics, Tracer
Logger(), Metrics(), Tracer(patch_modules=("botocore",))
import boto3
for service in json.loads(sys.argv[2]):
    boto3.client(service)
print(json.dumps({"seconds": time.perf_counter() - t}))
"""
"""The stack's floor: what a handler of the same libraries costs with none of our code (its own third-party imports,
pydantic, Powertools' logger, metrics and botocore-only tracer, and the same clients). ``floor / baseline`` is the
part of the ratio no change of ours can remove; ``cold start / floor`` is ours."""
PARAMETERS = {
    "APPROVAL_KEY_PARAMETER": ("/incident-comms/bench/approval-key", "k" * 64),
    "WEBHOOK_TOKEN_PARAMETER": ("/incident-comms/bench/webhook-token", "t" * 48),
    "CHAT_WEBHOOKS_PARAMETER": ("/incident-comms/bench/chat-webhooks", "{}"),
}


def properties_read(app: Path) -> list[str]:
    """The ``deps.<name>`` a handler reads that are services' properties, and, as ``name()``, the services it builds
    for its own function ARN (``deps.lifecycle_for(context.invoked_function_arn)``: the lifecycle timer and the
    update prompter build their lifecycle or schedules that way, and their first invocation makes those clients).
    Other methods are called with arguments the file computes per event, and are left out."""
    from incident_comms.composition import Services

    names = {
        node.attr
        for node in ast.walk(ast.parse(app.read_text(encoding="utf-8")))
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "deps"
    }
    properties = [name for name in names if not callable(getattr(Services, name, None)) and name != "clock"]
    own_arn = [f"{name}()" for name in names if name.endswith("_for") and callable(getattr(Services, name, None))]
    return sorted(properties + own_arn)


def plan_layer(folder: Path) -> Path:
    """The plan layer as ``sam build`` makes it (``plan/Makefile``): the plan's files and its checked snapshot."""
    import shutil

    from incident_comms.lint.plan_texts import load_checked_plan
    from incident_comms.plan.snapshot import SNAPSHOT, write_snapshot

    layer = folder / "opt"
    shutil.copytree(REPO / "plan", layer)
    write_snapshot(load_checked_plan(layer), layer, layer / SNAPSHOT)
    return layer


def core_layer(folder: Path) -> Path:
    """The incident_comms package as ``sam build`` puts it in the core layer (``layers/core/Makefile``): compiled to
    bytecode that checks its source by hash. The dependencies are the environment's, compiled when pip installed
    them, as the layer's are by its build."""
    import compileall
    import py_compile
    import shutil

    layer = folder / "core"
    shutil.copytree(
        REPO / "layers/core/incident_comms", layer / "incident_comms", ignore=shutil.ignore_patterns("__pycache__")
    )
    compileall.compile_dir(layer, quiet=1, invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH)
    return layer


def environment(endpoint: str, plan_dir: Path, core_dir: Path) -> dict[str, str]:
    """A function's environment: every setting the template gives, pointing at the moto server."""
    import boto3

    ssm = boto3.client(
        "ssm",
        endpoint_url=endpoint,
        region_name="eu-west-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    for name, value in PARAMETERS.values():
        ssm.put_parameter(Name=name, Value=value, Type="SecureString", Overwrite=True)
    queue = f"{endpoint}/123456789012/queue"
    return {
        **{key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "POWERTOOLS_"))},
        **{variable: name for variable, (name, _) in PARAMETERS.items()},
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "LAMBDA_TASK_ROOT": str(REPO),
        "AWS_LAMBDA_FUNCTION_NAME": "bench",
        "POWERTOOLS_SERVICE_NAME": "incident-comms",
        "POWERTOOLS_METRICS_NAMESPACE": "IncidentComms",
        "TABLE_NAME": "incidents",
        "INCIDENT_COMMS_PLAN_DIR": str(plan_dir),
        "PYTHONPATH": str(core_dir),
        "SENDER_ADDRESS": "incidents@example.com",
        "APPROVALS_BASE_URL": "https://api.example.com",
        "PUBLISH_QUEUE_URL": queue,
        "EMAIL_BATCH_QUEUE_URL": queue,
        "WEBHOOK_QUEUE_URL": queue,
        "WEBHOOK_BUCKET": "webhooks",
        "STATUS_PAGE_BUCKET": "status",
        "CUSTOMER_TOPIC_ARN": "arn:aws:sns:eu-west-1:123456789012:customers",
        "OPERATORS_TOPIC_ARN": "arn:aws:sns:eu-west-1:123456789012:operators",
        "CONTACT_LIST_NAME": "subscribers",
        "SCHEDULER_ROLE_ARN": "arn:aws:iam::123456789012:role/scheduler",
        "UPDATE_SCHEDULER_ROLE_ARN": "arn:aws:iam::123456789012:role/updates",
        "APPROVAL_TIMEOUT_FUNCTION_ARN": "arn:aws:lambda:eu-west-1:123456789012:function:timeout",
        "DELIVERY_REPORT_FUNCTION_ARN": "arn:aws:lambda:eu-west-1:123456789012:function:report",
        "UPDATE_PROMPTER_FUNCTION_ARN": "arn:aws:lambda:eu-west-1:123456789012:function:prompter",
        "LIFECYCLE_TIMER_FUNCTION_ARN": "arn:aws:lambda:eu-west-1:123456789012:function:timer",
        "SCHEDULE_GROUP_NAME": "incidents",
    }


def run(code: str, env: dict[str, str], *args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, check=False, cwd=REPO
    )
    if done.returncode:
        raise RuntimeError(done.stderr[-2000:])
    found: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def measure(app: Path, env: dict[str, str], runs: int) -> tuple[float, float, float, float, list[str]]:
    """Median seconds of the handler's cold start, of its import alone, of its baseline and of its stack's floor;
    its clients."""
    wanted = json.dumps(properties_read(app))
    handler, imported, baseline, floor, clients = [], [], [], [], []
    for _ in range(runs):
        sample = run(HANDLER, env, str(app), wanted)
        if not sample["package"].startswith(env["PYTHONPATH"]):
            raise RuntimeError(f"incident_comms came from {sample['package']}, not the built core layer")
        clients = sorted(sample["clients"])
        handler.append(sample["seconds"])
        imported.append(sample["imported"])
        baseline.append(run(BASELINE, env, json.dumps(clients))["seconds"])
        floor.append(run(FLOOR, env, str(app), json.dumps(clients))["seconds"])
    median = statistics.median
    return median(handler), median(imported), median(baseline), median(floor), clients


def main(runs: int = 5) -> int:
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    server = ThreadedMotoServer(port=0, verbose=False)
    server.start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            host, port = server.get_host_and_port()
            env = environment(f"http://{host}:{port}", plan_layer(Path(folder)), core_layer(Path(folder)))
            run(BASELINE, env, "[]")
            print(
                f"{'handler':22s} {'cold start':>10s} {'import':>8s} {'baseline':>9s} {'ratio':>6s}"
                f" {'floor':>6s} {'ours':>6s}  clients"
            )
            worst = worst_floor = 0.0
            for app in sorted(REPO.glob("functions/*/app.py")):
                seconds, imported, baseline, floor, clients = measure(app, env, runs)
                worst = max(worst, seconds / baseline)
                worst_floor = max(worst_floor, floor / baseline)
                print(
                    f"{app.parent.name:22s} {seconds * 1000:8.0f}ms {imported * 1000:6.0f}ms {baseline * 1000:7.0f}ms"
                    f" {seconds / baseline:5.2f}x {floor / baseline:5.2f}x {seconds / floor:5.2f}x"
                    f"  {','.join(clients) or '-'}"
                )
            print(f"worst ratio {worst:.2f}x (goal ≤ {GOAL}x): {'MET' if worst <= GOAL else 'NOT MET'}")
            print(f"worst floor {worst_floor:.2f}x: the stack's libraries alone, with none of our code")
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 5))
