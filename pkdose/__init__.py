"""pkdose: renal dose adjustment and exact one-compartment PK for last-line beta-lactams.

Decision support for healthcare professionals; it does not replace clinical judgement.
"""

__version__ = "0.1.0"
