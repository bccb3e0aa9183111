r"""Preparation for infusion: ``models/preparation.toml`` -> :class:`Preparation` per component.

Part of :mod:`pkdose.library`; the file format is documented in ``models/README.md``.
A row gives the cited volume of one reconstituted vial and the infusion bag the
dose goes into, so that the dosing card can state the volume infused and the
pump rate. Components without a row have no cited single bag volume.
"""

from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

from .bibliography import load_sources
from .reading import _fail, check_keys, documents_root, model_file, read_model_file, read_param

__all__ = ["Preparation", "load_preparations"]

_KEYS = ("component", "reconstituted_vial_volume_l", "infusion_bag_volume_l")


@dataclass(frozen=True)
class Preparation:
    """How one component is made up for infusion.

    One ``[[preparation]]`` row of ``models/preparation.toml``.

    Parameters
    ----------
    component : str
        Component of a regimen file (``"cefiderocol"``) [-].
    reconstituted_vial_volume : Param
        Volume of one vial after reconstitution [L].
    infusion_bag_volume : Param
        Volume of the bag the withdrawn solution is added to [L].
    """

    component: str
    reconstituted_vial_volume: object
    infusion_bag_volume: object


@documents_root
def load_preparations(root=None):
    r"""Read ``models/preparation.toml``: component -> :class:`Preparation`.

    Parameters
    ----------
    {root}

    Returns
    -------
    Mapping[str, Preparation]

    Raises
    ------
    ModelFileError
        Unknown key, missing or uncited value, a component given twice.

    Examples
    --------
    >>> p = load_preparations()["cefiderocol"]
    >>> p.infusion_bag_volume.value, p.infusion_bag_volume.source
    (0.1, 'fetroja-uspi')
    """
    return _load(str(model_file(root)))


@lru_cache(maxsize=4)
def _load(root):
    path = model_file(root, "preparation.toml")
    data = read_model_file(path, required=("preparation",))
    sources = load_sources(root)
    out = {}
    for i, row in enumerate(data["preparation"]):
        key = f"preparation[{i}]"
        check_keys(row, _KEYS, path, key, required=_KEYS)
        name = str(row["component"])
        if name in out:
            _fail(path, f"{key}.component", f"{name!r} is given twice")
        params = [read_param(row[k], name=k, default_source="", sources=sources, file=path, key_path=f"{key}.{k}")
                  for k in _KEYS[1:]]
        out[name] = Preparation(name, *params)
    return MappingProxyType(out)
