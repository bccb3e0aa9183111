r"""Bibliography entries and Vancouver/AMA citations.

Every number pkdose uses carries the key of a :class:`Source` (a paper, a
product label, a guideline or a breakpoint table) and a locator (table,
section or equation).  The entries live in ``models/sources/*.toml``, one
table per key; :func:`pkdose.library.load_sources` reads and validates them
into the frozen dataclass defined here.  This module holds no data and reads
no file.

Evidence tiers (``Source.evidence``), strongest first for dosing decisions:

========================  ====================================================
``label``                 regulatory product information (US PI, EU SmPC)
``guideline``             treatment guideline or breakpoint table
``population-pk``         population PK model fitted to patient data
``pk-study``              dedicated PK study (renal impairment, dialysis)
``preclinical``           in vitro or animal PK/PD (target derivation)
``review``                narrative or systematic review
``expert-opinion``        expert summary, case series, observational cohort
========================  ====================================================

References
----------
.. [1] Patrias K, Wendling D, editors. Citing Medicine: The NLM Style Guide
   for Authors, Editors, and Publishers. 2nd ed. Bethesda (MD): National
   Library of Medicine (US); 2007. https://www.ncbi.nlm.nih.gov/books/NBK7256/
.. [2] Christiansen S, Iverson C, Flanagin A, et al. AMA Manual of Style: A
   Guide for Authors and Editors. 11th ed. Oxford University Press; 2020.
   Chapter 3 (References).
"""

from dataclasses import dataclass

__all__ = ["EVIDENCE_TIERS", "KINDS", "Source", "format_citation"]

#: Allowed ``evidence`` values, strongest first (see the module docstring).
EVIDENCE_TIERS = (
    "label",
    "guideline",
    "population-pk",
    "pk-study",
    "preclinical",
    "review",
    "expert-opinion",
)

#: Allowed ``kind`` values.
KINDS = ("label", "guideline", "paper", "clinical-document", "breakpoint-table")

#: Vancouver lists at most this many authors before "et al." ([1]_, ch. 15).
MAX_AUTHORS = 6


@dataclass(frozen=True)
class Source:
    """One bibliography entry.

    Read from ``models/sources/*.toml`` by :func:`pkdose.library.load_sources`;
    :func:`format_citation` writes it in Vancouver style.

    Parameters
    ----------
    key : str
        Bibliography key, e.g. ``"kawaguchi2021"`` [-].
    kind : str
        One of :data:`KINDS` [-].
    evidence : str
        One of :data:`EVIDENCE_TIERS` [-].
    title : str
        Title of the article, label or document [-].
    year : int
        Year of publication or label revision [-].
    authors : tuple of str
        Authors as "Surname Initials", or the manufacturer for a label [-].
    container : str
        Journal abbreviation, or publisher/manufacturer [-].
    volume : str
        Volume, optionally with the issue in brackets, e.g. ``"65(3)"`` [-].
    pages : str
        Page range or article number [-].
    doi : str
        Digital object identifier without the ``doi:`` prefix [-].
    url : str
        Web address where no DOI exists [-].
    accessed : str
        ISO date on which ``url`` was read [-].
    version : str
        Revision date or edition (labels, breakpoint tables) [-].
    sections : tuple of str
        Sections or tables of the document that pkdose relies on [-].
    note : str
        How the entry was checked, and anything left unverified [-].
    """

    key: str
    kind: str
    evidence: str
    title: str
    year: int
    authors: tuple = ()
    container: str = ""
    volume: str = ""
    pages: str = ""
    doi: str = ""
    url: str = ""
    accessed: str = ""
    version: str = ""
    sections: tuple = ()
    note: str = ""


def _author_list(authors):
    """Join authors Vancouver-style, truncating after six with "et al."."""
    names = [a for a in authors if a != "et al."]
    truncated = len(names) > MAX_AUTHORS or len(names) < len(authors)
    text = ", ".join(names[:MAX_AUTHORS])
    return text + (", et al" if truncated else "")


def _journal_part(source):
    """Return "Container. Year;Volume:Pages" for a journal article."""
    text = f"{source.container}. {source.year}"
    if source.volume:
        text += f";{source.volume}"
        if source.pages:
            text += f":{source.pages}"
    elif source.pages:
        text += f";{source.pages}"
    return text


def format_citation(source, locator=""):
    r"""Format a source as a Vancouver/AMA reference.

    Parameters
    ----------
    source : Source
        The bibliography entry [-].
    locator : str, optional
        Table, section or equation to append, e.g. ``"Table 2"`` [-].

    Returns
    -------
    citation : str
        One-line reference: journal articles as
        ``Authors. Title. Journal. Year;Vol(Issue):Pages. doi:...``; labels and
        other documents as ``Authors. Title. Publisher; Version. URL``.

    Notes
    -----
    An entry with a volume or pages is formatted as a journal article in the
    NLM/Vancouver form of [1]_ with the ``doi:`` suffix of AMA style [2]_;
    more than six authors are cut to six and "et al".  A label is cited by manufacturer, product, document type,
    revision date and section, as STYLE B5 asks.

    References
    ----------
    .. [1] Patrias K, Wendling D, editors. Citing Medicine: The NLM Style Guide
       for Authors, Editors, and Publishers. 2nd ed. Bethesda (MD): National
       Library of Medicine (US); 2007. Chapter 1 (Journals).
    .. [2] Christiansen S, Iverson C, Flanagin A, et al. AMA Manual of Style.
       11th ed. Oxford University Press; 2020. Section 3.11.

    Examples
    --------
    >>> s = Source(key="x", kind="paper", evidence="population-pk",
    ...            title="A model", year=2021, authors=("Smith A", "Jones B"),
    ...            container="Antimicrob Agents Chemother", volume="65(3)",
    ...            pages="e01437-20", doi="10.1128/AAC.01437-20")
    >>> format_citation(s, "Table 2")
    'Smith A, Jones B. A model. Antimicrob Agents Chemother. 2021;65(3):e01437-20. doi:10.1128/AAC.01437-20. Table 2.'
    """
    parts = []
    if source.authors:
        parts.append(_author_list(source.authors))
    parts.append(source.title.rstrip("."))
    if source.volume or source.pages:
        parts.append(_journal_part(source))
    else:
        publisher = source.container or ""
        when = source.version or str(source.year)
        parts.append(f"{publisher}; {when}" if publisher else when)
    if source.doi:
        parts.append(f"doi:{source.doi}")
    elif source.url:
        suffix = f" (accessed {source.accessed})" if source.accessed else ""
        parts.append(f"{source.url}{suffix}")
    if locator:
        parts.append(locator)
    return ". ".join(p.rstrip(".") for p in parts) + "."  # "Inc." + ". " must not give "Inc.."
