"""Per-request bounds: how much one request may make the server allocate, checked before allocating.

A request is refused (INVALID_ARGUMENT: HTTP 400) when its tensors hold more than `max_elements`
elements in all (gRPC: counted from each TensorProto's declared shape, so a one-value tensor
broadcast to a huge shape is refused before it is built), when its strings take more than
`max_string_bytes` (each string counts its length plus STRING_OVERHEAD, what it costs in memory;
Classify/Regress count every example with its `context` merged in), or, over REST, when the JSON
body holds more than `max_elements` values or nests deeper than `max_json_depth`.
--max-body-bytes bounds the bytes on the wire; these bound what those bytes expand to.
"""

import dataclasses
import json
import re

import numpy as np
import orjson

from serving import errors

DEFAULT_MAX_ELEMENTS = 4 * 1024 * 1024  # 5,349 images of 28x28; 16 MiB as float32
DEFAULT_MAX_STRING_BYTES = 32 * 1024 * 1024
DEFAULT_MAX_JSON_DEPTH = 100
STRING_OVERHEAD = 64  # bytes a string element costs beyond its length (numpy + TensorFlow copies)


@dataclasses.dataclass(frozen=True)
class RequestLimits:
    max_elements: int = DEFAULT_MAX_ELEMENTS
    max_string_bytes: int = DEFAULT_MAX_STRING_BYTES
    max_json_depth: int = DEFAULT_MAX_JSON_DEPTH


class Budget:
    """What one request has taken so far; `take` refuses once a limit is passed."""

    def __init__(self, limits):
        self.limits = limits
        self.elements = self.strings = self.string_bytes = 0

    def take(self, what, elements, strings=0, string_bytes=0):
        """Counts `elements` tensor elements, of which `strings` strings of `string_bytes` bytes."""
        self.elements += elements
        if self.elements > self.limits.max_elements:
            raise errors.invalid_argument(
                f"{what}: the request holds {self.elements:,} tensor elements, more than "
                f"--max-request-elements ({self.limits.max_elements:,}); send fewer rows per request "
                "(or raise --max-request-elements)."
            )
        self.strings += strings
        self.string_bytes += string_bytes
        counted = self.string_bytes + STRING_OVERHEAD * self.strings
        if counted > self.limits.max_string_bytes:
            raise errors.invalid_argument(
                f"{what}: the request's {self.strings:,} strings count as at least {counted:,} bytes (each "
                f"string: its length + {STRING_OVERHEAD}), more than "
                f"--max-request-string-bytes ({self.limits.max_string_bytes:,}); send fewer or shorter "
                "strings per request (or raise --max-request-string-bytes)."
            )

    def take_array(self, what, array):
        """Counts a numpy array already built (REST: its size is bounded by the JSON values)."""
        if array.dtype == object or array.dtype.kind == "S":
            self.take(what, array.size, array.size, sum(len(v) for v in array.flat))
        else:
            self.take(what, array.size)


# --- JSON (REST) ---

_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_CHUNK = 1 << 20


def _max_depth(brackets, limit):
    """The deepest nesting of a string of brackets, stopping early once past `limit`."""
    depth = peak = 0
    for start in range(0, len(brackets), _CHUNK):
        chunk = np.frombuffer(brackets, np.uint8, count=min(_CHUNK, len(brackets) - start), offset=start)
        # '[' (0x5b) and '{' (0x7b) have bit 1 set, ']' (0x5d) and '}' (0x7d) do not.
        levels = np.cumsum((chunk & 2).astype(np.int32) - 1) + depth
        peak, depth = max(peak, int(levels.max())), int(levels[-1])
        if peak > limit:
            break
    return peak


def parse_json(body, limits):
    """json.loads(body), refused first when the body has too many values or nests too deeply.

    A pass over the bytes counts values and nesting before the parser builds anything: with strings
    blanked to `""`, the values are the top one plus, in each non-empty list or object, one more
    than its commas (`[ ]` with whitespace inside counts as non-empty: one value too many).
    """
    blanked = _JSON_STRING.sub(b'""', body)
    opened = blanked.count(b"[") + blanked.count(b"{")
    empty = blanked.count(b"[]") + blanked.count(b"{}")
    values = 1 + blanked.count(b",") + opened - empty
    if values > limits.max_elements:
        raise errors.invalid_argument(
            f"JSON body holds {values:,} values (numbers, strings, lists, objects), more than "
            f"--max-request-elements ({limits.max_elements:,}); send fewer instances per request "
            "(or raise --max-request-elements)."
        )
    depth = _max_depth(blanked.translate(None, _NOT_BRACKETS), limits.max_json_depth)
    if depth > limits.max_json_depth:
        raise errors.invalid_argument(
            f"JSON body nests more than {limits.max_json_depth} levels deep; tensors need a few levels, "
            "flatten the request."
        )
    try:
        return orjson.loads(body)  # 3-5x json.loads on tensors of numbers
    except orjson.JSONDecodeError:
        pass  # NaN / Infinity (TF Serving takes them), integers past 64 bits, bad JSON: json decides
    try:
        return json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise errors.invalid_argument(f"JSON Parse error: {e}") from None
    except RecursionError:
        raise errors.invalid_argument("JSON Parse error: nested too deeply; flatten the request.") from None
