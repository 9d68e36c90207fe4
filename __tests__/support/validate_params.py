"""Validate AWS API parameters with botocore's own service models (the SDK's request validator).

    python validate_params.py CALLS.json

CALLS: [{"service": "emr", "operation": "RunJobFlow", "params": {...}, "pascal_case": bool}, ...].
With pascal_case, keys are matched to the model's members case-insensitively first (the AWS
SDK integrations of Step Functions spell every parameter in PascalCase). Prints a JSON list
with one entry per call: [] when the parameters are valid, else botocore's report lines. No
request is sent (no credentials, no network).
"""
import json
import sys

import botocore.session
from botocore.exceptions import ParamValidationError
from botocore.validate import ParamValidator


def model_case(value, shape):
    """The parameters with each key spelt as the model spells the member.

    Step Functions' AWS SDK integrations take every service's parameters in PascalCase, also
    where the API itself is camelCase (Step Functions' own: stateMachineArn); a key that
    matches a member only case-insensitively is renamed, and anything else is left for the
    validator to report.
    """
    if shape.type_name == "structure" and isinstance(value, dict):
        members = {name.lower(): name for name in shape.members}
        out = {}
        for key, item in value.items():
            name = members.get(key.lower(), key)
            out[name] = model_case(item, shape.members[name]) if name in shape.members else item
        return out
    if shape.type_name == "list" and isinstance(value, list):
        return [model_case(item, shape.member) for item in value]
    if shape.type_name == "map" and isinstance(value, dict):
        return {key: model_case(item, shape.value) for key, item in value.items()}
    return value


def main(path):
    with open(path) as f:
        calls = json.load(f)
    session = botocore.session.get_session()
    results = []
    for call in calls:
        model = session.get_service_model(call["service"])
        shape = model.operation_model(call["operation"]).input_shape
        params = model_case(call["params"], shape) if call.get("pascal_case") else call["params"]
        report = ParamValidator().validate(params, shape)
        results.append(report.generate_report().splitlines() if report.has_errors() else [])
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    try:
        main(sys.argv[1])
    except ParamValidationError as err:  # pragma: no cover - validate() reports, it does not raise
        sys.exit(str(err))
