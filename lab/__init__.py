"""The lab launcher: run a whole authlab stack locally, from the command line or from Python."""

from lab.processes import LabError, MissingProgram
from lab.stack import Lab

__all__ = ["Lab", "LabError", "MissingProgram"]
