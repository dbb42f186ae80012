"""Settings as JSON-able descriptions that are equal in every process for equal settings.

Study names and the fingerprints of searches, extractions and training checkpoints are
built from them, so they must not depend on memory addresses, hash seeds or the order of
sets.
"""

import functools
import hashlib
import json
import re
import types
from collections.abc import Mapping
from numbers import Integral, Real

import joblib
import numpy as np

__all__ = ["NO_OUTPUT_EFFECT", "by_class", "describe"]

_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")

#: Parameters that change how fast or how visibly an estimator runs, or where it keeps
#: its cache, not what it outputs: fingerprints of settings leave them out.
NO_OUTPUT_EFFECT = ("n_jobs", "memory", "verbose")


def _name(obj):
    return f"{obj.__module__}.{obj.__qualname__}"


def describe(value, _seen=frozenset()):
    """A JSON-able description of ``value``, the same in every process and on every
    machine (of the same Python version) for equal settings.

    Numbers, strings, None and booleans stay as they are (1, 1.0 and True stay apart);
    lists, tuples, mappings and sets are described item by item; arrays by a digest of
    their contents; classes and functions by ``module.qualname``, lambdas and nested
    functions (whose names are not unique) with a digest of their code, constants,
    defaults and closure; estimators by their class and parameters; other objects by
    their ``repr`` without memory addresses (a scikit-learn scorer's repr names its
    metric and options).

    Examples
    --------
    >>> from sklearn_music._describe import describe
    >>> describe([1, 1.0, True, None, ("mean", "std")])
    [1, 1.0, True, None, ['mean', 'std']]
    >>> describe(describe)
    'sklearn_music._describe.describe'
    >>> describe(lambda t: 1) != describe(lambda t: 2)
    True
    """
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, Integral):
        return int(value)
    if isinstance(value, Real):
        return float(value)
    if isinstance(value, np.ndarray):
        return {"array": joblib.hash(value)}
    if isinstance(value, (list, tuple)):
        return [describe(item, _seen) for item in value]
    if isinstance(value, Mapping):
        return {str(key): describe(item, _seen) for key, item in value.items()}
    if isinstance(value, (set, frozenset)):
        return sorted((describe(item, _seen) for item in value), key=json.dumps)
    if isinstance(value, type):
        return _name(value)
    if hasattr(value, "get_params"):
        return {"class": _name(type(value)), "params": describe(value.get_params(deep=False))}
    if isinstance(value, functools.partial):
        return {"partial": describe(value.func, _seen), "args": describe(value.args, _seen),
                "keywords": describe(value.keywords, _seen)}
    if isinstance(value, types.FunctionType):
        if "<" not in value.__qualname__:  # found again by its name
            return _name(value)
        if value in _seen:  # a nested function that calls itself
            return _name(value)
        _seen = _seen | {value}
        closure = [cell.cell_contents for cell in value.__closure__ or ()]
        body = [_code(value.__code__), describe(value.__defaults__, _seen),
                describe(value.__kwdefaults__, _seen), describe(closure, _seen)]
        digest = hashlib.sha1(json.dumps(body, sort_keys=True).encode()).hexdigest()[:8]
        return f"{_name(value)}:{digest}"
    return _ADDRESS.sub("", repr(value))


def _code(code):
    """A code object's bytecode, constants and names (nested code objects included)."""
    constants = [_code(c) if isinstance(c, types.CodeType) else describe(c)
                 for c in code.co_consts]
    return [code.co_code.hex(), constants, list(code.co_names)]


def by_class(value):
    """A parameter's value with the estimators in it (a Pipeline's steps, a union's
    transformer_list) replaced by their class.

    Their parameters are among an estimator's deep parameters already; what fitting
    stored in them must not count, or a union fitted by an interrupted run would look
    like another union.
    """
    if hasattr(value, "get_params"):
        return type(value).__qualname__
    if isinstance(value, (list, tuple)):
        return [by_class(item) for item in value]
    return value
