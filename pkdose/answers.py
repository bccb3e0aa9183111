r"""The dose answer the front ends show: the advice, what the covariates did, and a changing creatinine.

The command line (``pkdose dose``) and the web calculator (``POST /api/dose``)
answer from the same :class:`DoseAnswer`, so that a covariate or a creatinine
series reaches both the same way:

* ``advice``: :func:`pkdose.recommend.advise_dose` with the adapter's inputs
  (:class:`pkdose.inputs.Inputs`), its renal method saying when the CrCL is the
  kinetic one of a creatinine series;
* ``population``: the covariates given and the defaults used, model by model
  (:mod:`pkdose.population_inputs`), JSON key ``population_inputs``;
* ``changing``: with a creatinine series, the kinetic CrCL trajectory, the
  label band now and when it is expected to change, the re-check time, the
  early-AKI note and the first days simulated with the changing clearance
  (:mod:`pkdose.changing_renal`), JSON key ``changing_renal``.
"""

import dataclasses
from dataclasses import dataclass
from types import SimpleNamespace

from .changing_renal import changing_renal_summary
from .library import load_product, load_regimen_table
from .population_inputs import covariate_use, population_lines
from .recommend import advise_dose, with_pk_models
from .report import advice_to_dict
from .units import normalise_scr_unit

__all__ = ["DoseAnswer", "dose_answer", "with_kinetic_renal"]


def with_kinetic_renal(advice, inputs):
    r"""The advice with its renal method saying that the CrCL is the kinetic one of a creatinine series.

    Parameters
    ----------
    advice : DoseAdvice
        From :func:`pkdose.recommend.advise_dose` [-]
    inputs : pkdose.inputs.Inputs
        The inputs it was computed from [-]

    Returns
    -------
    DoseAdvice
        Unchanged without a creatinine series [-]

    References
    ----------
    .. [1] Chen S. Retooling the creatinine clearance equation to estimate
       kinetic GFR when the plasma creatinine is changing acutely. J Am Soc
       Nephrol. 2013;24(6):877-888. doi:10.1681/ASN.2012070653
    """
    tr = inputs.kinetic
    if tr is None:
        return advice
    method = (f"kinetic CrCL (Chen 2013) of the last interval, {tr.start_h[-1]:g}–{tr.end_h[-1]:g} h of the "
              "creatinine series (see 'Changing renal function')")
    return dataclasses.replace(advice, renal=dataclasses.replace(advice.renal, method=method, notes=()))


@dataclass(frozen=True)
class DoseAnswer:
    r"""A dose answer as the command line and the web page show it.

    Parameters
    ----------
    advice : DoseAdvice
        The dose advice [-]
    population : list of str
        The covariates given, the defaults used and the structure, as lines [-]
    population_json : dict
        The same as JSON: ``structure``, ``given``, ``covariates``, ``lines`` [-]
    changing : ChangingRenalSummary or None
        With a creatinine series: the changing-renal-function section [-]
    show_population : bool
        Whether a covariate or the structure was given (the text block is
        shown only then; the PK check always states the population) [-]
    patient : Patient or None
        The patient of the inputs (demographics; with a creatinine series its
        CrCL is the kinetic one) [-]
    seed : int or None
        Seed of the virtual population [-]
    """

    advice: object
    population: list
    population_json: dict
    changing: object | None = None
    show_population: bool = False
    patient: object | None = None
    seed: int | None = None

    def to_dict(self):
        """``pkdose.dose/1`` with the keys ``population_inputs`` and ``changing_renal`` [-]."""
        out = advice_to_dict(self.advice)
        out["population_inputs"] = self.population_json
        out["changing_renal"] = None if self.changing is None else self.changing.to_dict()
        return out

    def _as_entered(self):
        """The patient as entered: with a creatinine series its CrCL is the kinetic one, not a measured one."""
        p = self.patient
        if p is None or self.changing is None:
            return p
        # the demographics as entered, no creatinine and no CrCL: the section below gives the series
        return SimpleNamespace(age_y=p.age_y, sex=p.sex, weight_kg=p.weight_kg, height_cm=p.height_cm,
                               weight_rule=p.weight_rule, scr=None, scr_unit=None, crcl_ml_per_min=None)

    def _extra_sources(self):
        shown = {s.key for s in self.advice.sources}
        return [k for k in (self.changing.source_keys() if self.changing else []) if k not in shown]

    def note(self, when=None):
        """``pkdose dose --format note`` (and the web page's Copy note): the note of
        :func:`pkdose.report.note_text` with the PK models' population and structure, and a changing
        creatinine's section and sources [-]."""
        from .library import load_sources
        from .report import note_text
        from .sources import format_citation

        lines = note_text(self.advice, patient=self._as_entered(), seed=self.seed, when=when).split("\n")
        at = lines.index("Sources:") if "Sources:" in lines else len(lines) - 1
        block = ["PK models' population and structure:"] + [f"  {x}" for x in self.population]
        block += self.changing.lines() if self.changing else []
        bib = load_sources()
        cited = [f"  [{k}] {format_citation(bib[k])}" for k in self._extra_sources() if k in bib]
        lines = lines[:at] + block + lines[at:-1] + cited + lines[-1:]
        return "\n".join(lines)

    def card(self, when=None, standalone=True):
        """``pkdose dose --format card`` (and the web page's printed card): the card of
        :func:`pkdose.card.card_html` with the PK models' population and structure, and a changing
        creatinine's section [-]."""
        from html import escape

        from .card import card_html

        page = card_html(self.advice, patient=self._as_entered(), seed=self.seed, when=when, standalone=standalone)
        parts = ['<section class="block population"><h2>PK models: population and structure</h2><ul class="card-warnings">'
                 + "".join(f"<li>{escape(x)}</li>" for x in self.population) + "</ul></section>"]
        if self.changing is not None:
            parts.append(_changing_card_html(self.changing, self._extra_sources()))
        head, sep, tail = page.partition("<footer>")
        return head + "".join(parts) + sep + tail if sep else page + "".join(parts)

    def write_card(self, path, when=None):
        """Write :meth:`card` to ``path`` (``.html``, or ``.pdf`` through headless Chromium) [-]."""
        from pathlib import Path

        from .card import PAPER, html_to_pdf

        path = Path(path)
        page = self.card(when=when)
        if path.suffix.lower() == ".pdf":
            path.write_bytes(html_to_pdf(page, paper=PAPER.get(self.advice.jurisdiction, "A4")))
        else:
            path.write_text(page, encoding="utf-8")
        return path


def _changing_card_html(changing, extra_sources):
    """The changing-renal-function section of the card: the trajectory as a table, then the other lines."""
    from html import escape

    from .changing_renal import trajectory_rows

    a = changing.advice
    lines = changing.lines()
    head = lines[0]
    first_row = next(i for i, x in enumerate(lines) if x.strip().startswith("t [h]"))
    now = next(i for i, x in enumerate(lines) if x.startswith("  now ("))
    rest = lines[1:first_row] + lines[now:]
    rows = trajectory_rows(changing.trajectory, changing.scr_unit, load_regimen_table(a.product), a.jurisdiction)
    unit = "mg/dL" if changing.scr_unit == "mg/dL" else "µmol/L"
    cols = ("t [h]", f"SCr [{unit}]", "change/day", "kinetic CrCL", "static CrCL", f"label band ({a.jurisdiction})")
    table = ('<table class="times"><thead><tr>' + "".join(f"<th>{escape(c)}</th>" for c in cols) + "</tr></thead><tbody>"
             + "".join("<tr>" + "".join(f"<td>{escape(x)}</td>" for x in (
                 r["t_h"], r["scr"], r["change_per_day"], r["kinetic_crcl"], r["static_crcl"] + r["flag"], r["band"]))
                 + "</tr>" for r in rows) + "</tbody></table>")
    items = "".join(f"<li>{escape(x.strip())}</li>" for x in rest)
    cited = f"<li>Also cited: {escape(', '.join(extra_sources))} (see the note)</li>" if extra_sources else ""
    return (f'<section class="block changing-renal"><h2>{escape(head)}</h2>{table}'
            f'<ul class="card-warnings">{items}{cited}</ul></section>')


def dose_answer(inputs, *, search=None):
    r"""The dose advice of the inputs, what the covariates did, and a changing creatinine's section.

    Parameters
    ----------
    inputs : pkdose.inputs.Inputs
        From :func:`pkdose.inputs.parse_inputs` for a drug command [-]
    search : bool, optional
        Search a model-informed regimen; default the inputs' own choice [-]

    Returns
    -------
    DoseAnswer
    """
    kwargs = inputs.advise_kwargs()
    if search is not None:
        kwargs["search"] = search
    advice = with_kinetic_renal(advise_dose(inputs.product, **kwargs), inputs)
    product = with_pk_models(load_product(inputs.product), inputs.pk_model_files)
    population = population_lines(product, inputs.pk_covariates, inputs.structure)
    population_json = {"structure": inputs.structure, "given": dict(inputs.pk_covariates),
                       "covariates": covariate_use(product, inputs.pk_covariates), "lines": population}
    changing = None
    if inputs.kinetic is not None:
        a = advice.renal.assessment
        cov = {"weight_kg": inputs.patient.weight_kg, "bsa_m2": None if a is None else a.bsa_m2,
               **inputs.pk_covariates}
        changing = changing_renal_summary(inputs.kinetic, product, scr_unit=normalise_scr_unit(inputs.scr_unit),
                                          jurisdiction=inputs.jurisdiction, covariates=cov,
                                          mic_mg_per_l=advice.mic_mg_per_l, n=inputs.n, rng=inputs.seed,
                                          structure=inputs.structure)
    shown = bool(inputs.pk_covariates) or "structure" in inputs.given
    return DoseAnswer(advice, population, population_json, changing, shown, inputs.patient, inputs.seed)
