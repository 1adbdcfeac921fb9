"""Cold import + init of each Lambda handler in a fresh interpreter, against ``import boto3`` and the same clients.

The clients a function needs are read from its IAM policies in ``template.yaml`` (the services whose actions its role
may call), not from the code. The handler side does what a Lambda cold start does before the first event is read:
import ``functions/<name>/app.py`` (Powertools, the Tracer patching botocore as in Lambda, the package), then build
the container's services and those clients through ``composition.services()`` and load the plan from a plan layer
built as ``sam build`` builds it (with its checked snapshot). The baseline child imports boto3 and makes the same
clients. Children alternate handler, baseline, handler, ... so both see the same machine; the figure is the median
time measured inside each child (interpreter start-up is the same for both and left out).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from tests.bench.independent.report import Figure, median
from tests.bench.independent.stack import REPO

GOAL = 1.3
CLIENT_OF_SERVICE = {
    "dynamodb": "dynamodb",
    "s3": "s3",
    "sqs": "sqs",
    "sns": "sns",
    "ses": "sesv2",
    "scheduler": "scheduler",
    "ssm": "ssm",
}
SERVICES_ATTRIBUTE = {client: client for client in CLIENT_OF_SERVICE.values()}

HANDLER_CHILD = """
import importlib.util, json, sys, time
started = time.perf_counter()
spec = importlib.util.spec_from_file_location("app", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
imported = time.perf_counter()
from incident_comms.composition import services
deps = services()
for name in sys.argv[2].split(",") if sys.argv[2] else []:
    getattr(deps, name)
deps.plan
done = time.perf_counter()
print(json.dumps({"import": imported - started, "init": done - started}))
"""

BASELINE_CHILD = """
import json, sys, time
started = time.perf_counter()
import boto3
imported = time.perf_counter()
for name in sys.argv[1].split(",") if sys.argv[1] else []:
    boto3.client(name)
done = time.perf_counter()
print(json.dumps({"import": imported - started, "init": done - started}))
"""


def _actions(policies: Any) -> list[str]:
    found: list[str] = []
    for policy in policies or []:
        if isinstance(policy, dict):
            for statement in policy.get("Statement", []) or []:
                action = statement.get("Action", [])
                found += [action] if isinstance(action, str) else list(action)
    return found


def clients_by_function() -> dict[str, tuple[str, list[str]]]:
    """Function folder -> (logical id, the boto3 clients its role's actions call for), from template.yaml."""
    from incident_comms.local.cfn import load_template, resources_of_type

    template = load_template(REPO / "template.yaml")
    found: dict[str, tuple[str, list[str]]] = {}
    for logical_id, properties in resources_of_type(template, "AWS::Serverless::Function").items():
        folder = Path(str(properties["CodeUri"])).name
        services = {action.split(":", 1)[0] for action in _actions(properties.get("Policies"))}
        clients = sorted({CLIENT_OF_SERVICE[s] for s in services if s in CLIENT_OF_SERVICE})
        found[folder] = (logical_id, clients)
    return found


def build_plan_layer(into: Path) -> Path:
    """The plan layer as ``plan/Makefile`` builds it: the plan's files and its checked snapshot."""
    plan = REPO / "plan"
    for name in ("incident-definition.yaml", "roles.yaml", "channels.yaml", "values.yaml"):
        shutil.copy(plan / name, into / name)
    shutil.copytree(plan / "templates", into / "templates")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "incident_comms",
            "plan",
            "check",
            "--plan",
            str(into),
            "--snapshot",
            str(into / "plan.snapshot.json"),
        ],
        check=True,
        capture_output=True,
        env=_environment({}, into),
    )
    return into


def _environment(extra: dict[str, str], plan_dir: Path) -> dict[str, str]:
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "POWERTOOLS_", "INCIDENT_"))
    }
    return {
        **environment,
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_REGION": "eu-west-1",
        "AWS_ACCESS_KEY_ID": "cold",
        "AWS_SECRET_ACCESS_KEY": "cold",
        "TABLE_NAME": "incidents",
        "INCIDENT_COMMS_PLAN_DIR": str(plan_dir),
        "POWERTOOLS_SERVICE_NAME": "incident-comms",
        "POWERTOOLS_METRICS_NAMESPACE": "IncidentComms",
        "PYTHONDONTWRITEBYTECODE": "",
        **extra,
    }


def _child(code: str, arguments: list[str], environment: dict[str, str]) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", code, *arguments], capture_output=True, text=True, env=environment, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}")
    measured: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return measured


def measure(quick: bool, only: list[str] | None = None) -> Figure:
    runs = 3 if quick else 7
    figure = Figure("cold start", f"handler import + init / (import boto3 + same clients) <= {GOAL}x, medians")
    table = clients_by_function()
    folders = sorted(folder for folder in table if only is None or folder in only)
    worst: tuple[float, str] = (0.0, "")
    with tempfile.TemporaryDirectory() as tmp:
        plan_dir = build_plan_layer(Path(tmp))
        for folder in folders:
            logical_id, clients = table[folder]
            lambda_env = _environment(
                {
                    "AWS_LAMBDA_FUNCTION_NAME": f"local-{logical_id}",
                    "LAMBDA_TASK_ROOT": str(REPO / "functions" / folder),
                },
                plan_dir,
            )
            handler_times: list[float] = []
            import_times: list[float] = []
            baseline_times: list[float] = []
            for _ in range(runs):
                measured = _child(
                    HANDLER_CHILD, [str(REPO / "functions" / folder / "app.py"), ",".join(clients)], lambda_env
                )
                handler_times.append(measured["init"])
                import_times.append(measured["import"])
                baseline_times.append(_child(BASELINE_CHILD, [",".join(clients)], lambda_env)["init"])
            handler, baseline = median(handler_times), median(baseline_times)
            ratio = handler / baseline
            figure.details.append(
                f"{folder:<20} {handler * 1000:7.1f} ms (import alone {median(import_times) * 1000:6.1f} ms) vs "
                f"{baseline * 1000:6.1f} ms boto3+[{','.join(clients)}]  "
                f"{ratio:.2f}x {'MET' if ratio <= GOAL else 'NOT MET'}"
            )
            worst = max(worst, (ratio, folder))
    figure.ratio = worst[0]
    figure.figure = f"worst handler {worst[1]}: {worst[0]:.2f}x its baseline ({runs} interleaved runs each)"
    figure.baseline = "import boto3 + the clients of the function's IAM policies, in a fresh interpreter"
    figure.met = worst[0] <= GOAL
    return figure
