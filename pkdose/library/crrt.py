r"""CRRT extracorporeal-clearance assumptions: ``models/crrt.toml`` -> :class:`CRRTAssumptions`.

Part of :mod:`pkdose.library`; the file format is documented in ``models/README.md``.
The clearance added by continuous renal replacement therapy is
``coefficient x delivered fraction x prescribed effluent``; both factors are
uncertain, so each has a cited low, central and high value, and
:mod:`pkdose.exposure` evaluates a regimen at a chosen end of the range
(:data:`CRRT_SCENARIOS`).
"""

from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from ..errors import InputError
from .bibliography import load_sources
from .reading import _fail, check_keys, documents_root, model_file, read_model_file, read_param

__all__ = ["CRRT_SCENARIOS", "CRRTAssumptions", "load_crrt_assumptions"]

#: Ends of the CRRT clearance range, lowest clearance first.
CRRT_SCENARIOS = ("low", "central", "high")

_EFFLUENT_KEYS = tuple(f"delivered_{s}_fraction" for s in CRRT_SCENARIOS)
_ANALYTE_KEYS = tuple(f"coefficient_{s}_fraction" for s in CRRT_SCENARIOS)


@dataclass(frozen=True)
class CRRTAssumptions:
    """Cited CRRT clearance assumptions.

    Parameters
    ----------
    delivered : Mapping[str, Param]
        Scenario -> delivered/prescribed effluent fraction [-].
    coefficients : Mapping[str, Mapping[str, Param]]
        Analyte -> scenario -> sieving/saturation coefficient [-].
    path : pathlib.Path
        File read [-].
    """

    delivered: object
    coefficients: object
    path: Path

    def values(self, analyte, scenario="central"):
        r"""Coefficient and delivered effluent fraction of one analyte at one end of the range.

        Parameters
        ----------
        analyte : str
            Drug, e.g. ``"avibactam"`` [-].
        scenario : {"low", "central", "high"}, optional
            End of the clearance range [-].

        Returns
        -------
        tuple of float
            (coefficient, delivered fraction) [-].

        Raises
        ------
        InputError
            Unknown scenario, or no assumption for the analyte.

        References
        ----------
        .. [1] Pistolesi V, Morabito S, Di Mario F, et al. A guide to understanding
           antimicrobial drug dosing in critically ill patients on renal
           replacement therapy. Antimicrob Agents Chemother. 2019;63(8):e00583-19.
           doi:10.1128/AAC.00583-19

        Examples
        --------
        >>> load_crrt_assumptions().values("ceftazidime", "high")
        (1.0, 1.0)
        """
        if scenario not in CRRT_SCENARIOS:
            raise InputError(f"CRRT scenario {scenario!r}: use one of {', '.join(CRRT_SCENARIOS)}")
        if analyte not in self.coefficients:
            raise InputError(f"no CRRT clearance assumption for {analyte!r} in {self.path}; "
                             f"analytes with one: {', '.join(self.coefficients)}")
        return self.coefficients[analyte][scenario].value, self.delivered[scenario].value

    def cite(self, analytes):
        r"""``(source, locator)`` of every assumption used for some analytes.

        Parameters
        ----------
        analytes : iterable of str
            Drugs simulated on CRRT [-].

        Returns
        -------
        tuple of (str, str)
        """
        params = list(self.delivered.values())
        params += [p for a in analytes if a in self.coefficients for p in self.coefficients[a].values()]
        return tuple(dict.fromkeys((p.source, p.locator) for p in params))


@documents_root
def load_crrt_assumptions(root=None):
    r"""Load and validate ``models/crrt.toml``.

    Parameters
    ----------
    {root}

    Returns
    -------
    CRRTAssumptions

    Raises
    ------
    ModelFileError
        Unknown or missing key, a value outside [0, 1], a low-central-high
        triple out of order, or an unresolved source.

    References
    ----------
    .. [1] Bouman CSC, et al. Discrepancies between observed and predicted
       continuous venovenous hemofiltration removal of antimicrobial agents in
       critically ill patients and the effects on dosing. Intensive Care Med.
       2006. doi:10.1007/s00134-006-0397-x

    Examples
    --------
    >>> a = load_crrt_assumptions()
    >>> [a.values("cefiderocol", s) for s in ("low", "central", "high")]
    [(0.422, 0.8), (0.63, 0.9), (1.0, 1.0)]
    """
    path = model_file(root, "crrt.toml")
    data = read_model_file(path, required=("effluent", "analyte"))
    sources = load_sources(root)
    delivered = _triple(data["effluent"], _EFFLUENT_KEYS, sources, path, "effluent")
    analytes = data["analyte"]
    check_keys(analytes, analytes.keys() if isinstance(analytes, dict) else (), path, "analyte")
    coefficients = {a: _triple(t, _ANALYTE_KEYS, sources, path, f"analyte.{a}") for a, t in analytes.items()}
    return CRRTAssumptions(MappingProxyType(delivered), MappingProxyType(coefficients), path)


def _triple(table, keys, sources, path, key_path):
    """Read low/central/high parameters; they must be in order."""
    check_keys(table, (), path, key_path, required=keys)
    params = {s: read_param(table[k], name=k, default_source=None, sources=sources, file=path,
                            key_path=f"{key_path}.{k}") for s, k in zip(CRRT_SCENARIOS, keys)}
    values = [params[s].value for s in CRRT_SCENARIOS]
    if values != sorted(values) or values[0] <= 0:
        _fail(path, key_path, f"low <= central <= high and low > 0 required, got {values}")
    return MappingProxyType(params)
