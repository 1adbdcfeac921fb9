"""Read ``template.yaml`` so tests and the local stack build AWS resources from it, never from a second list."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

try:
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]


class _CfnLoader(_SafeLoader):
    """SafeLoader that turns CloudFormation short tags (``!Ref``, ``!GetAtt``, ``!Sub``…) into their long form.

    On libyaml (``CSafeLoader``) when PyYAML has it: the template is 3,000 lines, and the pure-Python parser took
    0.8 s of every local stack's start (and of every test process that reads the template)."""


def _short_tag(loader: _CfnLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if suffix == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    elif isinstance(node, yaml.MappingNode):
        value = loader.construct_mapping(node, deep=True)
    else:
        raise yaml.constructor.ConstructorError(None, None, f"unexpected node for !{suffix}", node.start_mark)
    return {name: value}


_CfnLoader.add_multi_constructor("!", _short_tag)


def load_template(path: Path) -> dict[str, Any]:
    """Parse a CloudFormation/SAM template with its short-form intrinsic functions."""
    with path.open(encoding="utf-8") as handle:
        loaded = yaml.load(handle, Loader=_CfnLoader)  # noqa: S506 - a SafeLoader subclass
    if not isinstance(loaded, dict) or "Resources" not in loaded:
        raise ValueError(f"{path} is not a CloudFormation template")
    return loaded


def resources_of_type(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    """Logical id -> Properties of every resource of one type."""
    return {
        logical_id: resource.get("Properties", {})
        for logical_id, resource in template["Resources"].items()
        if resource.get("Type") == resource_type
    }


def create_table_request(properties: dict[str, Any], table_name: str) -> dict[str, Any]:
    """``dynamodb.create_table`` arguments for an ``AWS::DynamoDB::Table`` of the template."""
    request: dict[str, Any] = {
        "TableName": table_name,
        "AttributeDefinitions": properties["AttributeDefinitions"],
        "KeySchema": properties["KeySchema"],
        "BillingMode": properties.get("BillingMode", "PROVISIONED"),
    }
    if properties.get("GlobalSecondaryIndexes"):
        request["GlobalSecondaryIndexes"] = properties["GlobalSecondaryIndexes"]
    if properties.get("SSESpecification", {}).get("SSEEnabled"):
        request["SSESpecification"] = {"Enabled": True}
    return request


class Intrinsics:
    """Resolves ``Ref``, ``Fn::GetAtt``, ``Fn::Sub``, ``Fn::Join`` and ``Fn::If`` against what the local stack
    created; ``conditions`` are the template's Conditions, already evaluated (:meth:`evaluate_conditions`)."""

    def __init__(
        self,
        parameters: dict[str, str],
        refs: dict[str, str],
        attributes: dict[str, str],
        conditions: dict[str, bool] | None = None,
    ) -> None:
        self.parameters = parameters
        self.refs = refs
        self.attributes = attributes
        self.conditions = conditions or {}

    def evaluate_conditions(self, template: dict[str, Any]) -> dict[str, bool]:
        """The template's Conditions (``Fn::Equals``, ``Fn::Not``, ``Fn::And``, ``Fn::Or``, ``Condition``) over the
        parameters, remembered for ``Fn::If`` and resources' ``Condition``."""
        declared = template.get("Conditions", {})
        for name in declared:
            self.conditions[name] = self._truth(declared[name], declared)
        return self.conditions

    def _truth(self, value: Any, declared: dict[str, Any]) -> bool:
        ((key, argument),) = value.items()
        if key == "Condition":
            return self._truth(declared[argument], declared)
        if key == "Fn::Equals":
            left, right = (self.resolve(item) for item in argument)
            return bool(left == right)
        if key == "Fn::Not":
            return not self._truth(argument[0], declared)
        if key == "Fn::And":
            return all(self._truth(item, declared) for item in argument)
        if key == "Fn::Or":
            return any(self._truth(item, declared) for item in argument)
        raise ValueError(f"unsupported condition function {key}")

    def holds(self, resource: dict[str, Any]) -> bool:
        """Whether a resource (or anything with a ``Condition`` key) exists with these parameters."""
        condition = resource.get("Condition")
        return condition is None or self.conditions[condition]

    def _ref(self, name: str) -> str:
        for table in (self.parameters, self.refs):
            if name in table:
                return table[name]
        raise KeyError(f"cannot resolve Ref {name}")

    def _sub(self, text: str, variables: dict[str, Any] | None = None) -> str:
        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if variables and name in variables:
                return str(self.resolve(variables[name]))
            if "." in name and not name.startswith("AWS::"):
                return self.attributes[name]
            return self._ref(name)

        return re.sub(r"\$\{([^}!]+)\}", replace, text)

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, argument),) = value.items()
            if key == "Ref":
                return self._ref(argument)
            if key == "Fn::GetAtt":
                name = ".".join(argument) if isinstance(argument, list) else argument
                return self.attributes[name]
            if key == "Fn::Sub":
                if isinstance(argument, str):
                    return self._sub(argument)
                return self._sub(argument[0], argument[1] if len(argument) > 1 else None)
            if key == "Fn::If":
                condition, when_true, when_false = argument
                return self.resolve(when_true if self.conditions[condition] else when_false)
            if key == "Fn::Join":
                separator, items = argument
                return separator.join(str(self.resolve(item)) for item in items)
        return {key: self.resolve(item) for key, item in value.items()}


def parameter_defaults(template: dict[str, Any]) -> dict[str, str]:
    return {name: str(spec.get("Default", "")) for name, spec in template.get("Parameters", {}).items()}
