r"""The bibliography: ``models/sources/*.toml`` -> :class:`pkdose.sources.Source`.

Part of :mod:`pkdose.library`; the file formats are documented in ``models/README.md``.
"""

from pathlib import Path
from types import MappingProxyType

from ..sources import EVIDENCE_TIERS, KINDS, Source
from .reading import (
    _SOURCE_FIELDS,
    _fail,
    check_keys,
    check_schema_version,
    documents_root,
    models_dir,
    read_toml,
)

__all__ = [
    "load_sources",
]

# Bibliography
# ---------------------------------------------------------------------------

def _read_source(key, table, file):
    """Validate one bibliography table and return a Source."""
    check_keys(table, _SOURCE_FIELDS, file, key,
               required=("kind", "evidence", "title", "year"))
    if table["kind"] not in KINDS:
        _fail(file, f"{key}.kind", f"unknown kind {table['kind']!r}; use one of {KINDS}")
    if table["evidence"] not in EVIDENCE_TIERS:
        _fail(file, f"{key}.evidence",
              f"unknown evidence tier {table['evidence']!r}; use one of {EVIDENCE_TIERS}")
    if not isinstance(table["year"], int) or isinstance(table["year"], bool):
        _fail(file, f"{key}.year", f"expected an integer year, got {table['year']!r}")
    if not (table.get("doi") or table.get("url")):
        _fail(file, key, "needs a 'doi', or a 'url' with 'accessed'")
    if table.get("url") and not table.get("doi") and not table.get("accessed"):
        _fail(file, f"{key}.accessed", "a 'url' needs the date it was 'accessed'")
    return _make_source(key, table)


def _make_source(key, table):
    """Build the Source dataclass from a validated table."""
    text = {k: str(table.get(k, "")) for k in
            ("container", "volume", "pages", "doi", "url", "accessed", "version", "note")}
    return Source(key=key, kind=table["kind"], evidence=table["evidence"],
                  title=str(table["title"]), year=table["year"],
                  authors=tuple(table.get("authors", ())),
                  sections=tuple(table.get("sections", ())), **text)


def _read_source_tables(data, file, into):
    """Add every source table of a parsed file to ``into`` (no duplicates)."""
    for key, table in data.items():
        if key == "schema_version":
            continue
        if key in into:
            _fail(file, key, "source key defined twice in the bibliography")
        into[key] = _read_source(key, table, file)


@documents_root
def load_sources(root=None):
    r"""Load the whole bibliography from ``models/sources/*.toml``.

    All files share one key space. The result is a read-only mapping, cached
    per version of the files.

    Parameters
    ----------
    {root}

    Returns
    -------
    sources : Mapping[str, Source]
        Read-only mapping from key to :class:`~pkdose.sources.Source`.

    Raises
    ------
    ModelFileError
        Malformed entry, unknown field, or a key defined twice (all files
        share one key space).

    Notes
    -----
    ``schema_version`` is optional in bibliography files (one table per key
    plus, optionally, ``schema_version = 1``).

    Examples
    --------
    >>> load_sources()["li2019"].year
    2019
    """
    directory = Path(root or models_dir()) / "sources"
    paths = sorted(directory.glob("*.toml"))
    try:  # the same files in the same versions give the same (read-only) bibliography
        key = tuple((str(p), st.st_mtime_ns, st.st_size) for p in paths for st in (p.stat(),))
    except OSError:
        key = None
    if key is not None and key in _LOADED:
        return _LOADED[key]
    sources = {}
    for path in paths:
        data = read_toml(path)
        check_schema_version(data, path, required=False)
        _read_source_tables(data, path, sources)
    sources = MappingProxyType(sources)
    if key is not None:
        _LOADED.clear()  # one version kept: the current one
        _LOADED[key] = sources
    return sources


#: The bibliography last loaded, by the versions of its files (see :func:`load_sources`).
_LOADED = {}


# ---------------------------------------------------------------------------
