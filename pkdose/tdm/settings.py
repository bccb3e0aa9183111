r"""The cited settings of Bayesian TDM: ``models/tdm.toml``.

Which residual-error stratum of a published model applies to a patient's
levels, and the shortest plausible infusion of each component.  Format:
``models/README.md``, "TDM settings".  (Exposure ceilings are in
``models/targets.toml``, shared with the dose advice.)
"""

import functools
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from ..errors import InputError
from ..library.bibliography import load_sources
from ..library.reading import _fail, check_keys, check_schema_version, check_source, models_dir, read_param, read_toml

__all__ = ["ResidualChoice", "TDMSettings", "load_tdm_settings"]


@dataclass(frozen=True)
class ResidualChoice:
    r"""The residual-error stratum of one published model used for a patient's levels.

    Parameters
    ----------
    stratum : str
        Key of ``[residual.<stratum>]`` in the model file [-].
    source, locator, note : str
        Why this stratum [-].
    """

    stratum: str
    source: str  # bibliography key
    locator: str
    note: str = ""


@dataclass(frozen=True)
class TDMSettings:
    r"""The contents of ``models/tdm.toml``.

    Parameters
    ----------
    residual : Mapping[str, ResidualChoice]
        Model key -> the stratum used for patients [-].
    shortest_infusion : Mapping[str, Param]
        Component -> shortest plausible infusion of a dose record [h].
    """

    residual: object
    shortest_infusion: object

    def residual_sd(self, model):
        r"""Proportional SD [-] and additive SD [mg/L] of a model's residual error for patients.

        Parameters
        ----------
        model : PKModel
            Population-PK model [-].

        Returns
        -------
        tuple of float
            (proportional SD, additive SD) [-, mg/L].

        Raises
        ------
        InputError
            The model publishes no residual error, or several strata and
            ``models/tdm.toml`` chooses none (a user model file).

        Examples
        --------
        >>> from pkdose.library import load_pk_model
        >>> [round(x, 3) for x in load_tdm_settings().residual_sd(load_pk_model("ceftazidime"))]
        [0.338, 0.004]
        """
        strata = dict(model.residual)
        if not strata:
            raise InputError(f"{model.key} publishes no residual error: levels cannot be fitted with it",
                             field="pk_model")
        choice = self.residual.get(model.key)
        if choice is None:
            if len(strata) > 1:
                raise InputError(f"{model.key} has residual strata {sorted(strata)}; models/tdm.toml names none "
                                 "for patients' levels", field="pk_model")
            return next(iter(strata.values()))
        if choice.stratum not in strata:
            raise InputError(f"models/tdm.toml chooses stratum {choice.stratum!r} for {model.key}, which has "
                             f"{sorted(strata)}", field="pk_model")
        return strata[choice.stratum]


@functools.lru_cache(maxsize=4)
def _load(root, mtime_ns):
    path = Path(root) / "tdm.toml"
    data, sources = read_toml(path), load_sources(root)
    check_schema_version(data, path)
    check_keys(data, ("schema_version",), path, "", required=("residual", "infusion"))
    residual = {}
    for key, t in data["residual"].items():
        kp = f"residual.{key}"
        check_keys(t, ("stratum", "source", "locator", "note"), path, kp, required=("stratum", "source", "locator"))
        if not isinstance(t["stratum"], str) or not t["stratum"]:
            _fail(path, f"{kp}.stratum", "expected the name of a residual stratum of the model file")
        residual[key] = ResidualChoice(t["stratum"], check_source(t["source"], sources, path, f"{kp}.source"),
                                       str(t["locator"]), str(t.get("note", "")))

    def params(section, name):
        out = {}
        for key, t in data.get(section, {}).items():
            check_keys(t, (name,), path, f"{section}.{key}", required=(name,))
            out[key] = read_param(t[name], name=name, default_source="", sources=sources, file=path,
                                  key_path=f"{section}.{key}.{name}")
        return MappingProxyType(out)

    return TDMSettings(MappingProxyType(residual), params("infusion", "shortest_plausible_infusion_h"))


def load_tdm_settings(root=None):
    r"""Load the TDM settings from ``models/tdm.toml``.

    Parameters
    ----------
    root : str or pathlib.Path, optional
        Models directory; defaults to :func:`pkdose.library.models_dir` [-].

    Returns
    -------
    TDMSettings

    Raises
    ------
    ModelFileError
        Unknown or missing key, a number without unit suffix, source or
        locator, or an unknown source.

    Examples
    --------
    >>> s = load_tdm_settings()
    >>> s.shortest_infusion["cefiderocol"].value, s.shortest_infusion["aztreonam"].value
    (0.25, 0.05)
    """
    root = Path(root or models_dir()).resolve()
    path = root / "tdm.toml"
    return _load(str(root), path.stat().st_mtime_ns if path.exists() else -1)
