"""Argument checks for the network constructors, with messages that name the argument."""

from numbers import Integral, Real

__all__ = ["check_module_params"]


def check_module_params(*, n_outputs, width, dropout, **counts):
    """Raise ValueError unless the sizes are positive integers and dropout is in [0, 1)."""
    for name, value in {"n_outputs": n_outputs, "width": width, **counts}.items():
        if not isinstance(value, Integral) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if not isinstance(dropout, Real) or not 0 <= dropout < 1:
        raise ValueError(f"dropout must be a number in [0, 1), got {dropout!r}")
