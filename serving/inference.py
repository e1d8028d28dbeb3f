"""TF Serving's Predict, Classify and Regress on one servable; shared by the REST and gRPC APIs."""

import numpy as np
from tensorflow_serving.apis import classification_pb2, get_model_metadata_pb2, regression_pb2

from serving import errors
from serving.servable import CLASSIFY_METHOD, REGRESS_METHOD

CLASSIFY_INPUTS, CLASSIFY_CLASSES, CLASSIFY_SCORES = "inputs", "classes", "scores"
REGRESS_INPUTS, REGRESS_OUTPUTS = "inputs", "outputs"


def predict(servable, signature_name, inputs, output_filter=()):
    """-> (signature, {output name: numpy array}), only the `output_filter` outputs when given."""
    signature = servable.signature(signature_name)
    unknown = [k for k in output_filter if k not in signature.outputs]
    if unknown:
        raise errors.invalid_argument(
            f"output tensor alias not found in signature: {', '.join(unknown)}. Outputs expected to be in "
            f"the set {{{', '.join(sorted(signature.outputs))}}}."
        )
    outputs = servable.run(signature, inputs)
    if output_filter:
        outputs = {k: outputs[k] for k in output_filter}
    return signature, outputs


def _example_signature(servable, signature_name, method, what, method_check):
    signature = servable.signature(signature_name)
    if method_check and signature.method_name != method:
        raise errors.invalid_argument(
            f"Expected {what} signature method_name to be {method}. Was: {signature.method_name}. "
            "Name a signature exported for this method with signature_name."
        )
    if len(signature.inputs) != 1:
        raise errors.invalid_argument(f"Expected one input Tensor in the {what} signature.")
    return signature


def _run_examples(servable, signature, serialized):
    (key,) = signature.inputs
    return servable.run(signature, {key: np.array(serialized, dtype=object)})


def classify(servable, signature_name, serialized, method_check=False):
    """-> (signature, classes [N, K] bytes or None, scores [N, K] float or None).

    The signature's method name is checked only with `method_check` (TF Serving's
    --enable_signature_method_name_check): TF2 exports record every signature as `predict`.
    """
    signature = _example_signature(servable, signature_name, CLASSIFY_METHOD, "classification", method_check)
    outputs = _run_examples(servable, signature, serialized)
    classes, scores = outputs.get(CLASSIFY_CLASSES), outputs.get(CLASSIFY_SCORES)
    if classes is None and scores is None:
        raise errors.invalid_argument(
            "Expected classification signature outputs to contain classes and/or scores."
        )
    n = len(serialized)
    for value in (classes, scores):
        if value is not None and (value.ndim != 2 or value.shape[0] != n):
            raise errors.invalid_argument(
                f"Expected Tensor shape: [{n} num_classes] but got {list(value.shape)}"
            )
    if classes is not None and scores is not None and classes.shape != scores.shape:
        raise errors.invalid_argument(
            f"Tensors class and score should match in shape: {list(classes.shape)} vs {list(scores.shape)}"
        )
    return signature, classes, scores


def regress(servable, signature_name, serialized, method_check=False):
    """-> (signature, values [N] float)."""
    signature = _example_signature(servable, signature_name, REGRESS_METHOD, "regression", method_check)
    outputs = _run_examples(servable, signature, serialized)
    values = outputs.get(REGRESS_OUTPUTS)
    n = len(serialized)
    if values is None:
        raise errors.invalid_argument("No regression outputs found in SignatureDef.")
    if values.shape not in ((n,), (n, 1)):
        raise errors.invalid_argument(
            f"Expected output Tensor shape to be either [{n}] or [{n}, 1] but got {list(values.shape)}"
        )
    return signature, values.reshape(n).astype(np.float32)


def classification_result(classes, scores):
    result = classification_pb2.ClassificationResult()
    rows = (classes if classes is not None else scores).shape[0]
    width = (classes if classes is not None else scores).shape[1]
    for i in range(rows):
        classifications = result.classifications.add()
        for j in range(width):
            item = classifications.classes.add()
            if classes is not None:
                item.label = classes[i, j].decode("utf-8", "replace")
            if scores is not None:
                item.score = float(scores[i, j])
    return result


def regression_result(values):
    return regression_pb2.RegressionResult(
        regressions=[regression_pb2.Regression(value=float(v)) for v in values]
    )


def signature_def_map(servable):
    """GetModelMetadata's `signature_def` metadata: every SignatureDef of the serving MetaGraph."""
    return get_model_metadata_pb2.SignatureDefMap(signature_def=servable.meta_graph.signature_def)
