"""Exceptions raised by pkdose.

Every error a user can cause derives from :class:`PkdoseError`; its message
names the argument, echoes the value, gives the valid range and suggests the
fix.  The command line catches :class:`PkdoseError`, prints one line and exits
with status 2.  Any other exception is a bug.
"""

import re

__all__ = [
    "PkdoseError",
    "InputError",
    "UnitError",
    "OutOfRangeError",
    "UnknownDrugError",
    "ModelFileError",
]


#: A placeholder naming an input: ``{crcl_ml_per_min}``, ``{hd.start_h}``.
_PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*)\}")


class PkdoseError(Exception):
    """Base class of every error pkdose raises on purpose."""


class InputError(PkdoseError, ValueError):
    """An input value is invalid (wrong type, sign, or combination).

    Parameters
    ----------
    message : str
        What is wrong and how to fix it. An input is named by a placeholder in
        braces, ``{crcl_ml_per_min}``, so that every interface can say it in
        its own words: the command line as ``--crcl``, the web page as its form
        field; ``str(error)`` keeps the field name [-].
    field : str, optional
        The input at fault (dotted for nested inputs, ``"hd.start_h"``); the
        web page shows the message under this field [-].

    Attributes
    ----------
    field : str or None
        The input at fault [-].
    fields : tuple of str
        Every input the message names: ``field`` first, then the others (a
        conflict names both inputs) [-].

    Notes
    -----
    Only a placeholder that is a plain lower-case field name is replaced, so
    a value echoed in the message (``{'a': 1}``) is left as it is.

    Examples
    --------
    >>> e = InputError("{crcl_ml_per_min} and {hd} conflict", field="crcl_ml_per_min")
    >>> str(e), e.fields
    ('crcl_ml_per_min and hd conflict', ('crcl_ml_per_min', 'hd'))
    >>> e.render({"crcl_ml_per_min": "--crcl", "hd": "--hd"}.get)
    '--crcl and --hd conflict'
    """

    def __init__(self, *args, field=None):
        super().__init__(*args)
        self.field = field
        named = _PLACEHOLDER.findall(self.template)
        self.fields = tuple(dict.fromkeys(([field] if field else []) + named))

    @property
    def template(self):
        """The message with its ``{field}`` placeholders [-]."""
        return str(self.args[0]) if self.args else ""

    def render(self, name_of):
        """The message with every placeholder replaced by ``name_of(field)`` (or the field) [-]."""
        return _PLACEHOLDER.sub(lambda m: name_of(m.group(1)) or m.group(1), self.template)

    def __str__(self):
        return self.render(lambda f: f)


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
