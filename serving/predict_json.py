"""TF Serving's JSON predict format: row (`instances`) and columnar (`inputs`) requests and responses.

Row format: a list with one item per row, each a value (single-input signatures) or an object naming
every input; the response is `{"predictions": [...]}`, one item per row. Columnar format: `inputs` is
one tensor or an object of named tensors; the response is `{"outputs": ...}` in the same shape.
"""

from serving import errors, tensors


def parse_request(specs, request):
    """-> ({input name: numpy array}, row_format) for a predict body, given {name: tf.TensorSpec}."""
    has_instances, has_inputs = "instances" in request, "inputs" in request
    if has_instances == has_inputs:
        raise errors.invalid_argument(
            "Missing 'inputs' or 'instances' key"
            if not has_instances
            else "Not formatted correctly: send either 'instances' (row format) or 'inputs' "
            "(columnar format), not both."
        )
    if has_instances:
        return rows_to_inputs(specs, request["instances"]), True
    return columns_to_inputs(specs, request["inputs"]), False


def format_response(outputs, row_format):
    if row_format:
        return {"predictions": outputs_to_rows(outputs)}
    if len(outputs) == 1:
        ((key, value),) = outputs.items()
        return {"outputs": tensors.array_to_json(value, key)}
    return {"outputs": {k: tensors.array_to_json(v, k) for k, v in outputs.items()}}


def _named(value):
    return isinstance(value, dict) and not tensors.is_b64(value)


def rows_to_inputs(specs, instances):
    if not isinstance(instances, list) or not instances:
        raise errors.invalid_argument("'instances' must be a non-empty JSON list (one item per row).")
    names = list(specs)
    if all(_named(row) for row in instances):
        for row in instances:
            if set(row) != set(names):
                raise errors.invalid_argument(
                    f"instance keys {sorted(row)} do not match the signature's inputs {sorted(names)}; "
                    "every instance needs every named input."
                )
        columns = {k: [row[k] for row in instances] for k in names}
    elif any(_named(row) for row in instances):
        raise errors.invalid_argument(
            "instances must be all objects (named inputs) or all values, not mixed."
        )
    elif len(names) == 1:
        columns = {names[0]: instances}
    else:
        raise errors.invalid_argument(
            f"the signature has {len(names)} inputs {sorted(names)}: send each instance as an object "
            "naming every input."
        )
    return {k: tensors.json_to_array(v, specs[k].dtype, k) for k, v in columns.items()}


def columns_to_inputs(specs, inputs):
    names = list(specs)
    if _named(inputs):
        columns = inputs
    elif len(names) == 1:
        columns = {names[0]: inputs}
    else:
        raise errors.invalid_argument(
            f"the signature has {len(names)} inputs {sorted(names)}: send 'inputs' as an object naming each."
        )
    return {k: tensors.json_to_array(v, specs[k].dtype, k) if k in specs else v for k, v in columns.items()}


def outputs_to_rows(outputs):
    sizes = {k: (v.shape[0] if v.ndim else None) for k, v in outputs.items()}
    if len(set(sizes.values())) != 1 or None in sizes.values():
        raise errors.invalid_argument(
            f"Output tensors have different 0th (batch) dimensions {sizes}; the row format needs equal "
            "ones, use the columnar format ('inputs') instead."
        )
    if len(outputs) == 1:
        ((key, value),) = outputs.items()
        return tensors.array_to_json(value, key)
    columns = {k: tensors.array_to_json(v, k) for k, v in outputs.items()}
    return [{k: columns[k][i] for k in columns} for i in range(next(iter(sizes.values())))]
