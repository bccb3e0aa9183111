"""Output files named by the user: checked before any work is done.

One home for the checks every writer needs (a file, not a directory; an
existing, writable directory; a writable file when it exists), used by the
figure paths of the input adapter and the atlas table's path.
"""

import os
from pathlib import Path

from .errors import InputError

__all__ = ["writable_file"]


def writable_file(path, field):
    r"""The path of a file that can be written: not a directory, in an existing writable directory.

    Parameters
    ----------
    path : str or pathlib.Path
        Where a file will be written [-].
    field : str
        The input field the path came from, named in the error (``"plot"``, ``"out"``) [-].

    Returns
    -------
    pathlib.Path
        ``path`` as a Path [-].

    Raises
    ------
    InputError
        The path is a directory, its directory does not exist or is not a
        directory, or the directory or the existing file cannot be written.

    Examples
    --------
    >>> writable_file("week.png", "plot").name
    'week.png'
    """
    p = Path(path)
    if p.is_dir():
        raise InputError(f"{{{field}}} {str(p)!r} is a directory; give a file name in it", field=field)
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.exists():
        raise InputError(f"{{{field}}} {str(p)!r}: the directory {str(parent)!r} does not exist", field=field)
    if not parent.is_dir():
        raise InputError(f"{{{field}}} {str(p)!r}: {str(parent)!r} is not a directory", field=field)
    if not os.access(parent, os.W_OK | os.X_OK) or (p.exists() and not os.access(p, os.W_OK)):
        raise InputError(f"{{{field}}} {str(p)!r} cannot be written (permission denied)", field=field)
    return p
