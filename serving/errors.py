"""Errors as TF Serving reports them: a canonical status code and a message.

Both APIs raise `ServingError`; REST turns it into `{"error": message}` with TF
Serving's HTTP code for the status, gRPC aborts the call with the status itself.
"""

import grpc

# TF Serving's mapping (model_servers/http_rest_api_handler: ToHTTPStatusCode).
_HTTP_STATUS = {
    grpc.StatusCode.OK: 200,
    grpc.StatusCode.CANCELLED: 499,
    grpc.StatusCode.UNKNOWN: 500,
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.DEADLINE_EXCEEDED: 504,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
    grpc.StatusCode.FAILED_PRECONDITION: 400,
    grpc.StatusCode.ABORTED: 409,
    grpc.StatusCode.OUT_OF_RANGE: 400,
    grpc.StatusCode.UNIMPLEMENTED: 501,
    grpc.StatusCode.INTERNAL: 500,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DATA_LOSS: 500,
    grpc.StatusCode.UNAUTHENTICATED: 401,
}

# TensorFlow's error codes (tf.errors.OpError.error_code) are the same canonical codes.
_BY_NUMBER = {code.value[0]: code for code in grpc.StatusCode}


class ServingError(Exception):
    """A request or load failure with a canonical status code (grpc.StatusCode)."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code, self.message = code, message

    @property
    def http_status(self):
        return http_status(self.code)


def http_status(code):
    return _HTTP_STATUS.get(code, 500)


def code_name(code):
    """`INVALID_ARGUMENT` for grpc.StatusCode.INVALID_ARGUMENT (the name TF Serving's JSON uses)."""
    return code.name


def from_number(number):
    return _BY_NUMBER.get(number, grpc.StatusCode.UNKNOWN)


def invalid_argument(message):
    return ServingError(grpc.StatusCode.INVALID_ARGUMENT, message)


def not_found(message):
    return ServingError(grpc.StatusCode.NOT_FOUND, message)


def failed_precondition(message):
    return ServingError(grpc.StatusCode.FAILED_PRECONDITION, message)


def unavailable(message):
    return ServingError(grpc.StatusCode.UNAVAILABLE, message)


def from_exception(error):
    """A ServingError for any exception a signature call or a load may raise."""
    if isinstance(error, ServingError):
        return error
    import tensorflow as tf

    if isinstance(error, tf.errors.OpError):
        return ServingError(from_number(error.error_code), error.message)
    if isinstance(error, (ValueError, TypeError)):
        return invalid_argument(str(error))
    return ServingError(grpc.StatusCode.INTERNAL, f"{type(error).__name__}: {error}")
