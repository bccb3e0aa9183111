r"""Load and validate the data files in ``models/``: PK models, targets, breakpoints, regimens, sources.

Data is not code (STYLE B1): every population-PK parameter, PD target, MIC
breakpoint, label regimen and bibliography entry lives in a TOML file under
``models/``, each number with its unit in its key, a source key and a locator.
This module reads those files with the standard-library :mod:`tomllib`,
checks them, and returns frozen dataclasses.  A malformed file raises
:class:`~pkdose.errors.ModelFileError` with one message that names the file,
the key and the reason.  The file formats are documented in
``models/README.md``.

Rules enforced for every file:

* ``schema_version`` is known (:data:`SCHEMA_VERSIONS`);
* no unknown key;
* every quantity key ends in a unit suffix of :data:`UNIT_SUFFIXES`;
* every number is finite (``+inf`` only as the upper end of a range);
* every ``source`` resolves in the bibliography (``models/sources/*.toml``);
* every parameter has a non-empty ``locator``;
* regimen ranges of one (jurisdiction, renal state, component) tile
  ``[0, +inf)`` with no gap and no overlap.

The small helpers :func:`read_toml`, :func:`check_schema_version`,
:func:`check_keys`, :func:`check_source`, :func:`unit_of`,
:func:`read_param` and :func:`read_range` are public so that other modules
(e.g. ``pkdose.guidelines``) load their own files with the same rules.

Modules of this package, one per kind of file:

* :mod:`~pkdose.library.reading`: TOML reading and the rules every file obeys;
* :mod:`~pkdose.library.bibliography`: ``models/sources/*.toml``;
* :mod:`~pkdose.library.pkmodels`: ``models/pk/*.toml``;
* :mod:`~pkdose.library.populations`: ``models/populations.toml``;
* :mod:`~pkdose.library.targets`: PD targets and MIC breakpoints;
* :mod:`~pkdose.library.products`: a product's target, PK models and breakpoints;
* :mod:`~pkdose.library.regimen_tables`: ``models/regimens/*.toml``;
* :mod:`~pkdose.library.crrt`: ``models/crrt.toml`` (CRRT clearance assumptions).

References
----------
.. [1] Kawaguchi N, Katsube T, Echols R, Wajima T. Population pharmacokinetic
   and pharmacokinetic/pharmacodynamic analyses of cefiderocol, a parenteral
   siderophore cephalosporin, in patients with pneumonia, bloodstream
   infection/sepsis, or complicated urinary tract infection. Antimicrob Agents
   Chemother. 2021;65(3):e01437-20. doi:10.1128/AAC.01437-20
"""

from .bibliography import load_sources
from .crrt import CRRT_SCENARIOS, CRRTAssumptions, load_crrt_assumptions
from .pkmodels import PKModel, available_pk_models, load_pk_model
from .populations import available_population_designs, load_population_design
from .products import Product, as_product, available_products, load_product
from .reading import (
    BSA_REF_M2,
    SCHEMA_VERSIONS,
    UNIT_SUFFIXES,
    Param,
    check_keys,
    check_schema_version,
    check_source,
    model_file,
    models_dir,
    read_citation,
    read_citations,
    read_model_file,
    read_param,
    read_range,
    read_toml,
    unit_of,
)
from .regimen_tables import (
    EVIDENCE_GRADES,
    EXPOSURES,
    ComponentSpec,
    PublishedRow,
    RegimenRow,
    RegimenTable,
    load_regimen_table,
)
from .targets import Breakpoint, Ceiling, Target, TargetComponent, load_breakpoints, load_ceilings, load_targets

__all__ = [
    "BSA_REF_M2",
    "SCHEMA_VERSIONS",
    "UNIT_SUFFIXES",
    "Param",
    "PKModel",
    "TargetComponent",
    "Target",
    "Breakpoint",
    "Ceiling",
    "RegimenRow",
    "RegimenTable",
    "ComponentSpec",
    "PublishedRow",
    "EVIDENCE_GRADES",
    "EXPOSURES",
    "CRRT_SCENARIOS",
    "CRRTAssumptions",
    "load_crrt_assumptions",
    "Product",
    "as_product",
    "model_file",
    "models_dir",
    "read_model_file",
    "read_citation",
    "read_citations",
    "read_toml",
    "check_schema_version",
    "check_keys",
    "check_source",
    "unit_of",
    "read_param",
    "read_range",
    "load_sources",
    "load_pk_model",
    "available_pk_models",
    "load_population_design",
    "available_population_designs",
    "load_targets",
    "load_breakpoints",
    "load_ceilings",
    "load_regimen_table",
    "available_products",
    "load_product",
]
