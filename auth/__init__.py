"""The lab's authentication modes and the pieces they are built from."""

from auth.errors import BadRequest, LabError, Unauthorized, error_response
from auth.modes import MODES, Mode

__all__ = ["MODES", "BadRequest", "LabError", "Mode", "Unauthorized", "error_response"]
