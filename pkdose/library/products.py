r"""Products: a target with its default PK models and breakpoints.

Part of :mod:`pkdose.library`; the file formats are documented in ``models/README.md``.
"""

from dataclasses import dataclass
from types import MappingProxyType

from ..errors import ModelFileError, UnknownDrugError
from .pkmodels import load_pk_model
from .reading import documents_root, models_dir, tree_version
from .targets import Target, _targets_data, load_breakpoints, load_ceilings, load_targets

__all__ = [
    "Product",
    "as_product",
    "available_products",
    "load_product",
]



@documents_root
def available_products(root=None):
    r"""List the product CLI names known to pkdose (those with a PD target).

    Parameters
    ----------
    {root}

    Returns
    -------
    products : list of str
        Sorted CLI names.

    Examples
    --------
    >>> available_products()[:2]
    ['aztreonam', 'aztreonam-avibactam']
    """
    _, data = _targets_data(root)
    return sorted(data["products"])


@dataclass(frozen=True)
class Product:
    """A product with its target, default PK models and breakpoints.

    Assembled by :func:`load_product` from ``models/targets.toml`` and the PK
    model files; every function that takes a product also takes its name
    (:func:`as_product`).

    Parameters
    ----------
    name : str
        CLI name [-].
    target : Target
        PD target [-].
    pk_models : Mapping[str, PKModel]
        Analyte -> default PK model [-].
    breakpoints : tuple of Breakpoint
        Breakpoint rows of this product [-].
    ceilings : tuple of Ceiling
        Exposure ceilings of its analytes, or the statements that none is
        published (``models/targets.toml`` ``[[ceiling]]``) [-].
    """

    name: str
    target: Target
    pk_models: object
    breakpoints: tuple
    ceilings: tuple = ()


@documents_root
def load_product(product, root=None):
    r"""Load a product's target, default PK models and breakpoints.

    Cached per version of the model files: while no file changes, a second
    call returns the same object.

    Parameters
    ----------
    product : str
        CLI name, e.g. ``"ceftazidime-avibactam+aztreonam"`` [-].
    {root}

    Returns
    -------
    product : Product
        The assembled product (regimens: :func:`load_regimen_table`).

    Raises
    ------
    UnknownDrugError
        Unknown product; the message lists the known ones.
    """
    key = (product, str(root or models_dir()))
    version = tree_version(root or models_dir())
    hit = _LOADED.get(key)
    if hit is not None and hit[0] == version:  # the same files in the same versions: the same (frozen) product
        return hit[1]
    out = _load_product(product, root)
    _LOADED[key] = (version, out)
    return out


#: Product -> (version of the model files, the product assembled from them) (:func:`load_product`).
_LOADED = {}


def _load_product(product, root):
    targets = load_targets(root)
    if product not in targets:
        raise UnknownDrugError(f"unknown product {product!r}; known products: "
                               f"{', '.join(sorted(targets))}")
    target = targets[product]
    models = {a: load_pk_model(a, source=s, root=root) for a, s in target.pk_models.items()}
    source_product = target.breakpoint_from or product
    if source_product not in targets:
        raise ModelFileError(f"targets.toml: 'products.{product}.breakpoint_from': unknown product "
                             f"{source_product!r}")
    rows = tuple(b for b in load_breakpoints(root) if b.product == source_product)
    ceilings = load_ceilings(root)
    return Product(name=product, target=target, pk_models=MappingProxyType(models),
                   breakpoints=rows, ceilings=tuple(ceilings[a] for a in models if a in ceilings))


# ---------------------------------------------------------------------------


@documents_root
def as_product(product, root=None):
    r"""The :class:`Product` a name, brand name, abbreviation or Product stands for.

    Every public function that takes a product passes it through here, so that
    ``population_pta("cefiderocol", ...)``, ``pk_check("CZA", ...)`` and a
    :class:`Product` changed by :func:`pkdose.exposure.with_target` all work.

    Parameters
    ----------
    product : str or Product
        A product's CLI name (``"cefiderocol"``), a brand name or abbreviation
        of ``models/clinical.toml`` (``"Fetroja"``, ``"CZA+ATM"``), in any
        case, or a :class:`Product`, returned unchanged [-].
    {root}

    Returns
    -------
    Product

    Raises
    ------
    UnknownDrugError
        An unknown name, or neither a name nor a Product; the message lists
        the known products.

    Examples
    --------
    >>> as_product("Fetroja").name, as_product(as_product("cza+atm")).name
    ('cefiderocol', 'ceftazidime-avibactam+aztreonam')
    """
    if isinstance(product, Product):
        return product
    if not isinstance(product, str):
        raise UnknownDrugError(f"product must be a product name such as 'cefiderocol' or a Product "
                               f"(pkdose.library.load_product), got {type(product).__name__}; known products: "
                               f"{', '.join(available_products(root))}")
    from .clinical import clinical, normalise_product_name  # clinical.toml checks its aliases against products

    key = normalise_product_name(product)
    return load_product(clinical().aliases.get(key, key), root)
