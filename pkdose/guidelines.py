r"""Mechanism-first treatment recommendations for carbapenem-resistant Enterobacterales.

The choice of agent for a carbapenem-resistant Enterobacterales (CRE)
infection depends first on the carbapenemase: KPC, OXA-48-like, a
metallo-beta-lactamase (MBL: NDM, VIM, IMP), or not yet typed.  This module
reads ``models/guidelines.toml``, which lists, for each mechanism and each
guideline (ESCMID 2022 [1]_ with GRADE strength and certainty; IDSA
2023/2024/2026 [2]_ [3]_ [4]_ with preferred/alternative tiers; the two seed
documents where pkdose follows them), ranked options with their citations,
plus a list of pitfalls.  It returns them as a tidy table
(:func:`recommendations`) and a list (:func:`warnings_for`).

The guidelines disagree, and the table shows it rather than merging them:
for NDM producers ESCMID 2022 and the seeds put ceftazidime-avibactam +
aztreonam first, while IDSA 2026 prefers aztreonam-avibactam or cefiderocol
and keeps ceftazidime-avibactam + aztreonam for when aztreonam-avibactam is
not available.

References
----------
.. [1] Paul M, Carrara E, Retamar P, et al. European Society of Clinical
   Microbiology and Infectious Diseases (ESCMID) guidelines for the treatment
   of infections caused by multidrug-resistant Gram-negative bacilli. Clin
   Microbiol Infect. 2022;28(4):521-547. doi:10.1016/j.cmi.2021.11.025
.. [2] Tamma PD, Aitken SL, Bonomo RA, Mathers AJ, van Duin D, Clancy CJ.
   Infectious Diseases Society of America 2023 guidance on the treatment of
   antimicrobial resistant Gram-negative infections. Clin Infect Dis. 2023.
   doi:10.1093/cid/ciad428
.. [3] Tamma PD, Heil EL, Justo JA, Mathers AJ, Satlin MJ, Bonomo RA.
   Infectious Diseases Society of America 2024 guidance on the treatment of
   antimicrobial-resistant Gram-negative infections. Clin Infect Dis. 2024.
   doi:10.1093/cid/ciae403
.. [4] Tamma PD, et al. Infectious Diseases Society of America 2026 guidance
   on the treatment of antimicrobial-resistant Gram-negative infections. Clin
   Infect Dis. 2026. doi:10.1093/cid/ciag481
"""

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError, ModelFileError
from .library import check_keys, check_source, load_sources, model_file, read_citation, read_citations, read_model_file

__all__ = [
    "SITES",
    "SEVERITIES",
    "Mechanism",
    "GuidelineInfo",
    "Recommendation",
    "GuidelineWarning",
    "GuidelineSet",
    "load_guidelines",
    "canonical_mechanism",
    "recommendations",
    "warnings_for",
    "parse_mechanisms",
    "mechanism_options",
    "guideline_reasons",
    "condition_text",
    "COLUMNS",
]

#: Infection sites a recommendation can be restricted to or excluded from.
SITES = ("bloodstream", "urinary", "pneumonia", "intra-abdominal", "other")

#: Severity conditions ("" in the file = any severity).
SEVERITIES = ("severe", "non-severe")

_GRADINGS = ("GRADE", "tier", "document")
_TIERS = ("preferred", "alternative", "not suggested")
_GRADE_STRENGTHS = ("strong", "conditional")
_GRADE_CERTAINTIES = ("high", "moderate", "low", "very low", "not verified")
_DATE_RE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")
_TOP_KEYS = ("schema_version", "mechanism", "guideline", "recommendation", "warning")
_MECH_KEYS = ("name", "aliases", "description")
_GUIDE_KEYS = ("key", "name", "date", "grading")
_GUIDE_OPTIONAL = ("grade_read",)
#: How a grade or tier was read: in the guideline itself, in a secondary source only, or recalled.
GRADE_READ = ("V", "V2", "R")
_REC_REQUIRED = ("guideline", "mechanism", "rank", "product", "in_pkdose", "source", "locator")
_REC_OPTIONAL = ("tier", "strength", "certainty", "severity", "sites", "excluded_sites",
                 "condition", "note", "grade_read")
_WARN_KEYS = ("key", "mechanisms", "products", "text", "citations")
COLUMNS = ("guideline", "guideline_key", "kind", "date", "rank", "co_equal", "product", "in_pkdose", "tier",
           "strength", "certainty", "grade_read", "severity", "sites", "excluded_sites", "condition", "citation",
           "note")

#: What a document is: a treatment guideline (GRADE or expert-panel tiers) or an
#: AI-generated summary (the seed documents), which carries no grade.
KINDS = {"GRADE": "guideline", "tier": "guideline", "document": "ai-summary"}


@dataclass(frozen=True)
class Mechanism:
    """A carbapenemase group and the names accepted for it.

    One ``[[mechanism]]`` table of ``models/guidelines.toml``; the aliases are what
    :func:`canonical_mechanism` accepts.

    Parameters
    ----------
    name : str
        Canonical name, e.g. ``"MBL"`` [-].
    aliases : tuple of str
        Other accepted names, lower case, e.g. ``("ndm", "vim", "imp")`` [-].
    description : str
        One-line description [-].
    """

    name: str
    aliases: tuple
    description: str


@dataclass(frozen=True)
class GuidelineInfo:
    """One guideline or seed document in display order.

    One ``[[guideline]]`` table of ``models/guidelines.toml``; its key is a
    bibliography key.

    Parameters
    ----------
    key : str
        Bibliography key, e.g. ``"idsa2026"`` [-].
    name : str
        Display name, e.g. ``"IDSA 2026"`` [-].
    date : str
        Publication date, ``YYYY-MM`` or ``YYYY-MM-DD`` [-].
    grading : str
        ``"GRADE"``, ``"tier"`` or ``"document"`` [-].
    grade_read : str
        How its grades or tiers were read (:data:`GRADE_READ`): ``"V"`` in
        the guideline, ``"V2"`` in a secondary source only, ``"R"`` recalled;
        ``""`` for an AI-generated summary, which has no grade [-].
    """

    key: str
    name: str
    date: str
    grading: str
    grade_read: str = "V"


@dataclass(frozen=True)
class Recommendation:
    """One ranked option of one guideline for one mechanism.

    One ``[[recommendation]]`` row of ``models/guidelines.toml``, with the grade
    or tier as the guideline states it.

    Parameters
    ----------
    guideline : str
        Guideline key [-].
    mechanism : str
        Canonical mechanism name [-].
    rank : int
        Order within the guideline and mechanism; equal ranks are co-equal [-].
    product : str
        pkdose CLI product name, or the agent's name [-].
    in_pkdose : bool
        Whether pkdose has a regimen table for the product [-].
    tier, strength, certainty : str
        IDSA tier, or GRADE strength and certainty, or the seed's wording [-].
    severity : str
        ``"severe"``, ``"non-severe"`` or ``""`` (any) [-].
    sites, excluded_sites : tuple of str
        Sites the option is limited to / not for; empty = no limit [-].
    condition, note : str
        Free-text condition and comment [-].
    source, locator : str
        Citation [-].
    grade_read : str
        How this row's grade was read, where it differs from its guideline's
        (:data:`GRADE_READ`); ``""`` = the guideline's [-].
    """

    guideline: str
    mechanism: str
    rank: int
    product: str
    in_pkdose: bool
    tier: str
    strength: str
    certainty: str
    severity: str
    sites: tuple
    excluded_sites: tuple
    condition: str
    source: str
    locator: str
    note: str
    grade_read: str = ""


@dataclass(frozen=True)
class GuidelineWarning:
    """A cited pitfall.

    Parameters
    ----------
    key : str
        Identifier, e.g. ``"no-aztreonam-alone-for-mbl"`` [-].
    text : str
        The advice [-].
    mechanisms : tuple of str
        Mechanisms it applies to; empty = all [-].
    products : tuple of str
        Products it applies to; empty = all [-].
    citations : tuple of (str, str)
        ``(source_key, locator)`` pairs [-].
    """

    key: str
    text: str
    mechanisms: tuple
    products: tuple
    citations: tuple


@dataclass(frozen=True)
class GuidelineSet:
    """The validated content of a guidelines file.

    Parameters
    ----------
    mechanisms : tuple of Mechanism
        Mechanisms in file order [-].
    guidelines : tuple of GuidelineInfo
        Guidelines in display order [-].
    recommendations : tuple of Recommendation
        All recommendation rows [-].
    warnings : tuple of GuidelineWarning
        All pitfalls [-].
    path : pathlib.Path
        File read [-].
    """

    mechanisms: tuple
    guidelines: tuple
    recommendations: tuple
    warnings: tuple
    path: Path


# ---------------------------------------------------------------------------
# Loading and validation
# ---------------------------------------------------------------------------

def _fail(file, key_path, reason):
    """Raise the library's ModelFileError format: file, key, reason."""
    raise ModelFileError(f"{file}: key '{key_path}': {reason}")


def _normalise(name):
    """Lower-case, trim, '_' -> '-', collapse spaces."""
    return re.sub(r"\s+", " ", name.strip().casefold().replace("_", "-"))


def _str_list(value, file, key_path, allowed=None):
    """Return a tuple of strings, optionally each from ``allowed``."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        _fail(file, key_path, f"expected a list of strings, got {value!r}")
    for v in value:
        if allowed is not None and v not in allowed:
            _fail(file, key_path, f"unknown value {v!r}; use one of {', '.join(allowed)}")
    return tuple(value)


def _read_mechanisms(rows, file):
    """Validate the [[mechanism]] tables; names and aliases must be unique."""
    seen, out = set(), []
    for i, row in enumerate(rows):
        check_keys(row, _MECH_KEYS, file, f"mechanism[{i}]", required=("name",))
        aliases = _str_list(row.get("aliases", []), file, f"mechanism[{i}].aliases")
        names = {_normalise(a) for a in (row["name"], *aliases)}
        if names & seen:
            _fail(file, f"mechanism[{i}]", f"name or alias {sorted(names & seen)} "
                  "already used by another mechanism")
        seen |= names
        out.append(Mechanism(row["name"], tuple(_normalise(a) for a in aliases),
                             row.get("description", "")))
    return tuple(out)


def _read_guidelines(rows, sources, file):
    """Validate the [[guideline]] tables."""
    out = []
    for i, row in enumerate(rows):
        key_path = f"guideline[{i}]"
        check_keys(row, _GUIDE_OPTIONAL, file, key_path, required=_GUIDE_KEYS)
        check_source(row["key"], sources, file, f"{key_path}.key")
        if not isinstance(row["date"], str) or not _DATE_RE.match(row["date"]):
            _fail(file, f"{key_path}.date", f"use YYYY-MM or YYYY-MM-DD, got {row['date']!r}")
        if row["grading"] not in _GRADINGS:
            _fail(file, f"{key_path}.grading", f"use one of {', '.join(_GRADINGS)}")
        read = _grade_read(row, row["grading"] != "document", file, key_path)
        out.append(GuidelineInfo(row["key"], row["name"], row["date"], row["grading"], read))
    return tuple(out)


def _grade_read(row, graded, file, key_path, default="V"):
    """The row's ``grade_read`` (a document has none)."""
    value = row.get("grade_read", default if graded else "")
    if graded and value not in GRADE_READ or not graded and value:
        _fail(file, f"{key_path}.grade_read", f"use one of {', '.join(GRADE_READ)}"
              if graded else "an AI-generated summary has no grade to read")
    return value


def _check_grading(row, grading, file, key_path):
    """GRADE rows need a GRADE strength and certainty; tier rows a known tier."""
    if grading == "GRADE":
        if not row.get("strength", "").startswith(_GRADE_STRENGTHS):
            _fail(file, f"{key_path}.strength", f"a GRADE row needs one of {_GRADE_STRENGTHS}")
        if row.get("certainty", "") not in _GRADE_CERTAINTIES:
            _fail(file, f"{key_path}.certainty", f"use one of {', '.join(_GRADE_CERTAINTIES)}")
    elif grading == "tier" and row.get("tier", "") not in _TIERS:
        _fail(file, f"{key_path}.tier", f"an IDSA row needs one of {', '.join(_TIERS)}")
    elif grading == "document":
        for k in ("tier", "strength", "certainty"):
            if row.get(k, ""):
                _fail(file, f"{key_path}.{k}", "an AI-generated summary has no tier, strength or certainty; "
                      "quote its own wording in 'note'")


def _check_product(row, root, file, key_path):
    """in_pkdose must say whether models/regimens/<product>.toml exists."""
    if not isinstance(row["in_pkdose"], bool):
        _fail(file, f"{key_path}.in_pkdose", "expected true or false")
    has_table = (Path(root) / "regimens" / f"{row['product']}.toml").is_file()
    if row["in_pkdose"] != has_table:
        _fail(file, f"{key_path}.in_pkdose", f"is {row['in_pkdose']} but a regimen table for "
              f"{row['product']!r} {'exists' if has_table else 'does not exist'}")


def _read_recommendation(row, ctx, i):
    """Validate one [[recommendation]] row; ctx = (file, root, sources, mechs, grading)."""
    file, root, sources, mechanisms, gradings = ctx
    key_path = f"recommendation[{i}]"
    check_keys(row, _REC_OPTIONAL, file, key_path, required=_REC_REQUIRED)
    if row["guideline"] not in gradings:
        _fail(file, f"{key_path}.guideline", f"{row['guideline']!r} is not a [[guideline]]")
    if row["mechanism"] not in mechanisms:
        _fail(file, f"{key_path}.mechanism", f"use one of {', '.join(mechanisms)}")
    if isinstance(row["rank"], bool) or not isinstance(row["rank"], int) or row["rank"] < 1:
        _fail(file, f"{key_path}.rank", f"expected an integer >= 1, got {row['rank']!r}")
    if row.get("severity", "") not in ("", *SEVERITIES):
        _fail(file, f"{key_path}.severity", f"use '', {', '.join(SEVERITIES)}")
    _check_grading(row, gradings[row["guideline"]], file, key_path)
    _check_product(row, root, file, key_path)
    text = {k: str(row.get(k, "")) for k in ("tier", "strength", "certainty", "severity",
                                              "condition", "note")}
    return Recommendation(
        guideline=row["guideline"], mechanism=row["mechanism"], rank=row["rank"],
        product=row["product"], in_pkdose=row["in_pkdose"],
        sites=_str_list(row.get("sites", []), file, f"{key_path}.sites", SITES),
        excluded_sites=_str_list(row.get("excluded_sites", []), file,
                                 f"{key_path}.excluded_sites", SITES),
        **dict(zip(("source", "locator"), read_citation(row, sources, file, key_path))),
        grade_read=(_grade_read(row, gradings[row["guideline"]] != "document", file, key_path, default="")
                    if "grade_read" in row else ""), **text)


def _nonempty(value, file, key_path):
    """Return a non-empty string or fail."""
    if not isinstance(value, str) or not value.strip():
        _fail(file, key_path, f"expected a non-empty string, got {value!r}")
    return value


def _read_warning(row, file, sources, mechanisms, i):
    """Validate one [[warning]]: known mechanisms, at least one resolving citation."""
    key_path = f"warning[{i}]"
    check_keys(row, (), file, key_path, required=_WARN_KEYS)
    pairs = read_citations(row["citations"], sources, file, f"{key_path}.citations")
    return GuidelineWarning(
        key=row["key"], text=_nonempty(row["text"], file, f"{key_path}.text"),
        mechanisms=_str_list(row["mechanisms"], file, f"{key_path}.mechanisms", mechanisms),
        products=_str_list(row["products"], file, f"{key_path}.products"),
        citations=pairs)


def load_guidelines(path=None, root=None):
    r"""Load and validate a guidelines file.

    Parameters
    ----------
    path : str or pathlib.Path, optional
        File to read; defaults to ``<root>/guidelines.toml`` [-].
    root : str or pathlib.Path, optional
        Models directory holding ``sources/`` and ``regimens/``; defaults to
        :func:`pkdose.library.models_dir` [-].

    Returns
    -------
    guidelines : GuidelineSet
        Mechanisms, guidelines, recommendations and warnings.

    Raises
    ------
    ModelFileError
        Unknown or missing key, unknown mechanism, guideline, site, severity,
        tier or GRADE term, a source that is not in the bibliography, or an
        ``in_pkdose`` flag that contradicts ``models/regimens/``; the message
        names the file, the key and the reason.

    Examples
    --------
    >>> g = load_guidelines()
    >>> [m.name for m in g.mechanisms]
    ['KPC', 'OXA-48-like', 'MBL', 'carbapenemase-negative', 'not yet typed']
    """
    root = model_file(root)
    file = Path(path) if path is not None else root / "guidelines.toml"
    data = read_model_file(file, keys=_TOP_KEYS, required=("mechanism", "guideline", "recommendation"))
    sources = load_sources(root)
    mechanisms = _read_mechanisms(data["mechanism"], file)
    guides = _read_guidelines(data["guideline"], sources, file)
    ctx = (file, root, sources, [m.name for m in mechanisms], {g.key: g.grading for g in guides})
    recs = tuple(_read_recommendation(r, ctx, i) for i, r in enumerate(data["recommendation"]))
    warns = tuple(_read_warning(w, file, sources, ctx[3], i)
                  for i, w in enumerate(data.get("warning", [])))
    return GuidelineSet(mechanisms, guides, recs, warns, file)


@functools.lru_cache(maxsize=1)
def _default():
    """The shipped guidelines file, read once per process."""
    return load_guidelines()


# ---------------------------------------------------------------------------
# Queries
# ---------------------------------------------------------------------------

def canonical_mechanism(name, guidelines=None):
    r"""Return the canonical mechanism name for a user-given name or alias.

    Parameters
    ----------
    name : str
        Mechanism, any case; aliases such as ``"NDM"``, ``"VIM"``, ``"IMP"``
        (-> ``"MBL"``) or ``"OXA-181"`` (-> ``"OXA-48-like"``); a trailing
        allele number (``"NDM-5"``, ``"KPC-3"``) is ignored [-].
    guidelines : GuidelineSet, optional
        Defaults to the shipped file [-].

    Returns
    -------
    name : str
        One of ``"KPC"``, ``"OXA-48-like"``, ``"MBL"``, ``"not yet typed"``.

    Raises
    ------
    InputError
        Unknown mechanism; the message lists the accepted names.

    References
    ----------
    .. [1] Tamma PD, et al. Clin Infect Dis. 2026. doi:10.1093/cid/ciag481 (Section 3, carbapenemase families).

    Examples
    --------
    >>> canonical_mechanism("ndm-5")
    'MBL'
    >>> canonical_mechanism("OXA-48")
    'OXA-48-like'
    """
    g = guidelines or _default()
    index = {_normalise(m.name): m.name for m in g.mechanisms}
    index.update({a: m.name for m in g.mechanisms for a in m.aliases})
    if isinstance(name, str):
        key = _normalise(name)
        for candidate in (key, re.sub(r"-?\d+$", "", key)):
            if candidate in index:
                return index[candidate]
    accepted = "; ".join(f"{m.name} ({', '.join(m.aliases)})" for m in g.mechanisms)
    raise InputError(f"mechanism={name!r} is not known; accepted names (case-insensitive, "
                     f"allele numbers ignored): {accepted}")


def _applies(rec, site, severity):
    """Whether a recommendation applies at this site and severity."""
    if severity is not None and rec.severity not in ("", severity):
        return False
    if site is not None and ((rec.sites and site not in rec.sites)
                             or site in rec.excluded_sites):
        return False
    return True


def _row(rec, info, co_equal=False):
    """One output row of the recommendations table."""
    return {"guideline": info.name, "guideline_key": info.key, "kind": KINDS[info.grading],
            "date": info.date, "rank": rec.rank, "co_equal": co_equal, "product": rec.product,
            "in_pkdose": rec.in_pkdose, "tier": rec.tier, "strength": rec.strength, "certainty": rec.certainty,
            "grade_read": rec.grade_read or info.grade_read,
            "severity": rec.severity, "sites": ", ".join(rec.sites),
            "excluded_sites": ", ".join(rec.excluded_sites), "condition": rec.condition,
            "citation": f"{rec.source}: {rec.locator}", "note": rec.note}


def _check_filter(name, value, choices):
    """Validate an optional site/severity filter."""
    if value is not None and value not in choices:
        raise InputError(f"{name}={value!r}: use one of {', '.join(choices)} (or None)")


def recommendations(mechanism, site=None, severity=None, guidelines=None):
    r"""Ranked treatment options for a carbapenemase, by guideline, as a tidy table.

    Parameters
    ----------
    mechanism : str
        Carbapenemase: ``"KPC"``, ``"OXA-48-like"``, ``"MBL"`` (or ``"NDM"``,
        ``"VIM"``, ``"IMP"``), ``"not yet typed"``; case-insensitive [-].
    site : {"bloodstream", "urinary", "pneumonia", "intra-abdominal", "other"}, optional
        Keep only options that apply at this site (e.g. drops tetracyclines
        for bloodstream infection); None keeps all [-].
    severity : {"severe", "non-severe"}, optional
        Keep only options that apply at this severity; None keeps all [-].
    guidelines : GuidelineSet, optional
        Defaults to the shipped ``models/guidelines.toml`` [-].

    Returns
    -------
    table : pandas.DataFrame
        One row per option with columns ``guideline``, ``guideline_key``,
        ``kind`` (``"guideline"`` or ``"ai-summary"``: the seed documents,
        which carry no grade), ``date``, ``rank``, ``product``, ``in_pkdose``,
        ``tier`` (IDSA), ``strength`` and ``certainty`` (GRADE), the
        conditions ``severity``, ``sites`` (only at these) and
        ``excluded_sites`` (not at these) and ``condition`` (free text),
        ``citation`` (``"source: locator"``) and ``note``; guidelines in file
        order, options by rank.

    Raises
    ------
    InputError
        Unknown mechanism (the message lists the accepted names), site or
        severity.

    Notes
    -----
    The table keeps the guidelines apart.  Ranks compare options within one
    guideline only; ESCMID grades (strength, certainty) and IDSA tiers
    (preferred, alternative) are different scales and are not converted.
    The AI-generated seed summaries have no grade at all: their own wording
    is quoted in ``note``.

    References
    ----------
    .. [1] Paul M, Carrara E, Retamar P, et al. ESCMID guidelines for the
       treatment of infections caused by multidrug-resistant Gram-negative
       bacilli. Clin Microbiol Infect. 2022;28(4):521-547.
       doi:10.1016/j.cmi.2021.11.025
    .. [2] Tamma PD, et al. Clin Infect Dis. 2026. doi:10.1093/cid/ciag481 (Question 3.5).

    Examples
    --------
    NDM producers: first choices of ESCMID 2022 [1]_ and IDSA 2026 [2]_.

    >>> t = recommendations("NDM")
    >>> t[t.guideline_key == "escmid2022"].iloc[0][["product", "strength", "certainty"]].tolist()
    ['ceftazidime-avibactam+aztreonam', 'conditional', 'moderate']
    >>> sorted(t[(t.guideline_key == "idsa2026") & (t["rank"] == 1)]["product"])
    ['aztreonam-avibactam', 'cefiderocol']
    """
    g = guidelines or _default()
    mech = canonical_mechanism(mechanism, g)
    _check_filter("site", site, SITES)
    _check_filter("severity", severity, SEVERITIES)
    import pandas as pd

    rows = []
    for info in g.guidelines:
        recs = [r for r in g.recommendations if r.guideline == info.key
                and r.mechanism == mech and _applies(r, site, severity)]
        ranks = [r.rank for r in recs]
        rows += [_row(r, info, ranks.count(r.rank) > 1) for r in sorted(recs, key=lambda r: r.rank)]
    return pd.DataFrame(rows, columns=list(COLUMNS))


def warnings_for(mechanism, product=None, guidelines=None):
    r"""Cited pitfalls for a carbapenemase, optionally for one product.

    Parameters
    ----------
    mechanism : str
        Carbapenemase, as in :func:`recommendations` [-].
    product : str, optional
        Product CLI name; keeps warnings that name it or apply to every
        product [-].
    guidelines : GuidelineSet, optional
        Defaults to the shipped ``models/guidelines.toml`` [-].

    Returns
    -------
    warnings : list of GuidelineWarning
        In file order.

    Raises
    ------
    InputError
        Unknown mechanism (the message lists the accepted names).

    References
    ----------
    .. [1] Tamma PD, et al. Clin Infect Dis. 2026. doi:10.1093/cid/ciag481 (Questions 3.4-3.8).

    Examples
    --------
    >>> [w.key for w in warnings_for("VIM", product="aztreonam")][:1]
    ['no-aztreonam-alone-for-mbl']
    """
    g = guidelines or _default()
    mech = canonical_mechanism(mechanism, g)
    return [w for w in g.warnings
            if (not w.mechanisms or mech in w.mechanisms)
            and (product is None or not w.products or product in w.products)]


# ---------------------------------------------------------------------------
# Mixtures of mechanisms, and why a product is offered
# ---------------------------------------------------------------------------

_SPLIT_RE = re.compile(r"\s*(?:\+|,|/|&|\band\b)\s*")


def parse_mechanisms(text, guidelines=None):
    r"""Read one mechanism or a mixture (``"NDM + OXA-48"``) into canonical names.

    Parameters
    ----------
    text : str
        Mechanisms separated by ``+``, ``,``, ``/``, ``&`` or "and" [-].
    guidelines : GuidelineSet, optional
        Defaults to the shipped file [-].

    Returns
    -------
    tuple of str
        Distinct canonical names, in the order given.

    Raises
    ------
    InputError
        An unknown name, or "carbapenemase-negative" or "not yet typed"
        mixed with a carbapenemase.

    References
    ----------
    .. [1] Tamma PD, et al. Clin Infect Dis. 2026. doi:10.1093/cid/ciag481 (Section 3).

    Examples
    --------
    >>> parse_mechanisms("NDM-1 + OXA-48")
    ('MBL', 'OXA-48-like')
    """
    if not isinstance(text, str):
        return (canonical_mechanism(text, guidelines),)
    parts = [p for p in _SPLIT_RE.split(text.strip()) if p]
    names = tuple(dict.fromkeys(canonical_mechanism(p, guidelines) for p in parts or [text]))
    exclusive = {"carbapenemase-negative", "not yet typed"} & set(names)
    if exclusive and len(names) > 1:
        raise InputError(f"mechanism={text!r}: {sorted(exclusive)[0]!r} cannot be combined with a "
                         "carbapenemase; give the carbapenemase(s) found, e.g. 'NDM+OXA-48'", field="mechanism")
    return names


def _product_order(options):
    """pkdose products in advice order: guideline rows newest first, then AI-summary-only ones."""
    modelled = options[options["in_pkdose"].astype(bool)]  # an empty answer has an object column
    ordered = modelled.sort_values(["date", "rank"], ascending=[False, True], kind="stable")
    first = list(dict.fromkeys(ordered[ordered["kind"] == "guideline"]["product"]))
    rest = [p for p in dict.fromkeys(ordered["product"]) if p not in first]
    return tuple(first + rest)


def _alias_note(given, name, guidelines=None):
    """Why a name given (NDM, OXA-181, NDM-5) is read as its family (MBL, OXA-48-like); "" if given as is."""
    if _normalise(str(given)) == _normalise(name):
        return ""
    g = guidelines or _default()
    what = next((m.description for m in g.mechanisms if m.name == name), "").rstrip(".")
    return (f"{str(given).strip()} is read as {name}: the guidelines rank options by carbapenemase family, and "
            f"{str(given).strip()} belongs to the family {name}" + (f" ({what})" if what else "")
            + f"; the {name} options below apply to it.")


def mechanism_options(mechanism, site=None, severity=None, guidelines=None):
    r"""Guideline options for one mechanism or a mixture, the products to dose, and how a mixture was read.

    Parameters
    ----------
    mechanism : str
        A mechanism or a mixture, as in :func:`parse_mechanisms` [-].
    site, severity : str, optional
        Filters, as in :func:`recommendations` [-].
    guidelines : GuidelineSet, optional
        Defaults to the shipped file [-].

    Returns
    -------
    tuple
        (name, options DataFrame, products, note): ``name`` is the canonical
        mechanism or the mixture joined by " + "; ``products`` the pkdose
        products in advice order; ``note`` how a mixture was read [-].

    Notes
    -----
    A mixture containing a metallo-beta-lactamase gets the MBL options: only
    MBL-active regimens treat it, and in aztreonam-avibactam and
    ceftazidime-avibactam + aztreonam avibactam also inhibits the co-produced
    serine carbapenemase (KPC, OXA-48-like) [1]_. A mixture of serine
    carbapenemases (KPC + OXA-48-like), which no guideline addresses, gets the
    options of each mechanism and is dosed with the products a guideline
    ranks for every one of them.

    References
    ----------
    .. [1] Tamma PD, et al. Clin Infect Dis. 2026. doi:10.1093/cid/ciag481 (Question 3.5, mechanistic basis).

    Examples
    --------
    >>> name, options, products, note = mechanism_options("NDM + OXA-48")
    >>> name, products[:2]
    ('MBL + OXA-48-like', ('aztreonam-avibactam', 'cefiderocol'))
    """
    names = parse_mechanisms(mechanism, guidelines)
    name = " + ".join(names)
    if "MBL" in names:
        options = recommendations("MBL", site, severity, guidelines)
        note = (_alias_note(mechanism, name, guidelines) if len(names) == 1 else
                f"{name}: a metallo-beta-lactamase is present, so the MBL options "
                "apply; avibactam (in aztreonam-avibactam and ceftazidime-avibactam + aztreonam) also inhibits "
                "the co-produced serine carbapenemase (IDSA 2026 Question 3.5).")
        return name, options, _product_order(options), note
    frames = [recommendations(m, site, severity, guidelines) for m in names]
    if len(frames) > 1:
        import pandas as pd

        options = pd.concat(frames, ignore_index=True)
    else:
        options = frames[0]
    products = _product_order(options)
    note = _alias_note(mechanism, name, guidelines) if len(names) == 1 else ""
    if len(names) > 1:
        ranked = [set(f.loc[f["in_pkdose"].astype(bool) & (f["kind"] == "guideline"), "product"]) for f in frames]
        products = tuple(p for p in products if all(p in r for r in ranked))
        note = (f"{name}: no guideline addresses this mixture; the options of each mechanism are listed and "
                f"the products dosed are those a guideline ranks for every one of them "
                f"({', '.join(products) or 'none'}).")
    return name, options, products, note


def condition_text(row):
    r"""The conditions of one option as a short phrase: severity, sites, free text.

    Parameters
    ----------
    row : Mapping
        A row of :func:`recommendations` [-].

    Returns
    -------
    str

    Examples
    --------
    >>> condition_text({"severity": "", "sites": "urinary", "excluded_sites": "", "condition": "CRE cUTI."})
    'only for: urinary infection; CRE cUTI.'
    """
    parts = []
    if row.get("severity"):
        parts.append(f"{row['severity']} infection")
    if row.get("sites"):
        parts.append(f"only for: {row['sites']} infection")
    if row.get("excluded_sites"):
        parts.append(f"not for: {row['excluded_sites']} infection")
    if row.get("condition"):
        parts.append(row["condition"])
    return "; ".join(parts)


def guideline_reasons(options, products):
    r"""Why each product is offered: the guideline rows that rank it, with their conditions.

    Parameters
    ----------
    options : pandas.DataFrame
        From :func:`recommendations` or :func:`mechanism_options` [-].
    products : sequence of str
        Products to explain [-].

    Returns
    -------
    dict
        Product -> tuple of lines, guidelines newest first, AI summaries last [-].

    Examples
    --------
    >>> r = guideline_reasons(recommendations("untyped"), ["cefiderocol"])
    >>> r["cefiderocol"][0].startswith("IDSA 2026 (2026-07-30): preferred")
    True
    """
    out = {}
    ordered = options.sort_values(["kind", "date", "rank"], ascending=[False, False, True], kind="stable")
    for product in products:
        lines = []
        for row in ordered[ordered["product"] == product].to_dict("records"):
            cond = condition_text(row)
            if row["kind"] == "ai-summary":
                grade = "AI-generated summary, pending human review, not a guideline"
            else:
                grade = ", ".join(str(row[k]) for k in ("tier", "strength", "certainty") if row.get(k))
            lines.append(f"{row['guideline']} ({row['date']}): {grade}" + (f" — {cond}" if cond else ""))
        out[product] = tuple(lines)
    return out
