"""Exceptions raised by pkdose.

Every error a user can cause derives from :class:`PkdoseError`; its message
names the argument, echoes the value, gives the valid range and suggests the
fix.  The command line catches :class:`PkdoseError`, prints one line and exits
with status 2.  Any other exception is a bug.
"""

__all__ = [
    "PkdoseError",
    "InputError",
    "UnitError",
    "OutOfRangeError",
    "UnknownDrugError",
    "ModelFileError",
]


class PkdoseError(Exception):
    """Base class of every error pkdose raises on purpose."""


class InputError(PkdoseError, ValueError):
    """An input value is invalid (wrong type, sign, or combination).

    ``field`` optionally names the input at fault (e.g. ``"scr"``), so that an
    interface can show the message next to it.
    """

    def __init__(self, *args, field=None):
        super().__init__(*args)
        self.field = field


class UnitError(InputError):
    """A quantity looks as if it was given in another unit.

    Raised, for example, for a serum creatinine of 80 'mg/dL', which is only
    plausible in µmol/L.
    """


class OutOfRangeError(InputError):
    """An input lies outside the range the model or label was validated for."""


class UnknownDrugError(PkdoseError, KeyError):
    """A drug, product or analyte name is not known; the message lists the known ones."""

    def __str__(self):  # KeyError would otherwise print the message in quotes
        return str(self.args[0]) if self.args else ""


class ModelFileError(PkdoseError):
    """A file in ``models/`` (or a user model file) is malformed.

    The message names the file, the key and the reason.
    """
