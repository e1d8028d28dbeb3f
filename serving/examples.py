"""tf.Examples for Classify and Regress: from TF Serving's JSON, and from its `Input` proto.

JSON features (REST `:classify` / `:regress`): a value or a list of values per feature; integers become
an int64_list, numbers with a fraction a float_list, text or `{"b64": ...}` a bytes_list.
"""

import base64
import binascii

import tensorflow as tf
from tensorflow_serving.apis import input_pb2

from serving import errors, tensors


def feature_from_json(name, value):
    values = value if isinstance(value, list) else [value]
    if not values:
        return tf.train.Feature()
    if all(isinstance(v, str) or tensors.is_b64(v) for v in values):
        try:
            data = [
                v.encode("utf-8") if isinstance(v, str) else base64.b64decode(v["b64"], validate=True)
                for v in values
            ]
        except (binascii.Error, TypeError, ValueError):
            raise errors.invalid_argument(
                f"feature {name!r}: {{'b64': ...}} does not hold valid base64."
            ) from None
        return tf.train.Feature(bytes_list=tf.train.BytesList(value=data))
    if any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in values):
        raise errors.invalid_argument(
            f"feature {name!r}: values must be all numbers or all strings / {{'b64': ...}}; "
            f"got {value!r:.60}."
        )
    if all(isinstance(v, int) for v in values):
        return tf.train.Feature(int64_list=tf.train.Int64List(value=values))
    return tf.train.Feature(float_list=tf.train.FloatList(value=values))


def example_from_json(features):
    if not isinstance(features, dict):
        raise errors.invalid_argument(
            f"an example must be a JSON object of feature name -> value(s); got {features!r:.60}."
        )
    return tf.train.Example(
        features=tf.train.Features(feature={k: feature_from_json(k, v) for k, v in features.items()})
    )


def _examples_json(body):
    examples = body.get("examples")
    if not isinstance(examples, list) or not examples:
        raise errors.invalid_argument(
            'the request needs "examples": a non-empty list of objects of feature name -> value(s).'
        )
    return examples


def input_from_json(body):
    """The `Input` proto of a REST classify/regress body: `examples`, and optional `context`."""
    parsed = [example_from_json(e) for e in _examples_json(body)]
    if "context" in body:
        return input_pb2.Input(
            example_list_with_context=input_pb2.ExampleListWithContext(
                examples=parsed, context=example_from_json(body["context"])
            )
        )
    return input_pb2.Input(example_list=input_pb2.ExampleList(examples=parsed))


def serialize_json(body, budget):
    """What serialize_input(input_from_json(body)) returns, counted against `budget` as it goes.

    The count of examples and the context's share of the merged size are counted before anything
    is built, and no Example proto is kept: each is serialized and dropped.
    """
    examples = _examples_json(body)
    budget.take("examples", len(examples), strings=len(examples))
    context = example_from_json(body["context"]).SerializeToString() if "context" in body else b""
    what = "examples" + (" merged with their context" if context else "")
    budget.take(what, 0, string_bytes=len(examples) * len(context))
    serialized = []
    for features in examples:
        data = example_from_json(features).SerializeToString()
        budget.take(what, 0, string_bytes=len(data))
        serialized.append(context + data)
    return serialized


def serialize_input(input_proto, budget=None):
    """Serialized tf.Examples of an `Input`; context features are merged into every example.

    As TF Serving does it: the context's bytes, then the example's, parse as one Example whose
    own features win over the context's. With a `budget` (limits.Budget), the merged size is
    counted before anything is merged.
    """
    kind = input_proto.WhichOneof("kind")
    if kind == "example_list":
        items, context = input_proto.example_list.examples, b""
    elif kind == "example_list_with_context":
        items = input_proto.example_list_with_context.examples
        context = input_proto.example_list_with_context.context.SerializeToString()
    else:
        raise errors.invalid_argument("Input is empty: set example_list or example_list_with_context.")
    if not items:
        raise errors.invalid_argument("Input has no examples.")
    if budget is not None:
        budget.take("examples", len(items), strings=len(items))
        merged = len(items) * len(context) + sum(e.ByteSize() for e in items)
        budget.take("examples" + (" merged with their context" if context else ""), 0, string_bytes=merged)
    return [context + e.SerializeToString() for e in items]
