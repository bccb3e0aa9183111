"""The ``pkdose`` command line.

Subcommands: ``crcl``, ``dose``, ``recommend``, ``simulate``, ``pta``, ``models``.
Readable text by default, ``--json`` for the documented schema
(``docs/json-schema.md``). Any input error prints one line to stderr and exits
with status 2; anything else is a bug and shows its traceback.

References
----------
.. [1] Python Software Foundation. argparse — parser for command-line options.
   https://docs.python.org/3/library/argparse.html (accessed 2026-11-23).
"""

import argparse
import json
import math
import sys

import numpy as np

from . import __version__
from .errors import InputError, PkdoseError
from .library import available_products, load_pk_model, load_regimen_table, models_dir
from .patient import CRRT, HDSchedule, Haemodialysis, Native, patient_from_inputs, renal_assessment
from .recommend import advise_dose, recommend
from .report import DISCLAIMER, advice_text, advice_to_dict, recommendation_text, recommendation_to_dict

__all__ = ["main", "build_parser", "EXAMPLES"]

#: Built-in example patients for ``--example``.
EXAMPLES = {
    "ckd": dict(description="72-year-old woman, 58 kg, 160 cm, SCr 1.6 mg/dL, NDM K. pneumoniae "
                            "bacteraemia, cefiderocol MIC 2 mg/L",
                drug="cefiderocol", age=72, sex="female", weight=58, height=160, scr=1.6,
                scr_unit="mg/dL", mic=2.0, mechanism="NDM"),
    "hd": dict(description="64-year-old man, 80 kg, 175 cm, on haemodialysis Mon/Wed/Fri 08:00 for 4 h, "
                           "NDM K. pneumoniae, aztreonam MIC 1 mg/L",
               drug="ceftazidime-avibactam+aztreonam", age=64, sex="male", weight=80, height=175,
               hd=True, mic=1.0, mechanism="NDM"),
    "crrt": dict(description="55-year-old man, 95 kg, 182 cm, on CVVHDF at 2.5 L/h effluent",
                 drug="cefiderocol", age=55, sex="male", weight=95, height=182, crrt_effluent=2.5,
                 mechanism="MBL"),
    "arc": dict(description="31-year-old man after trauma, 85 kg, 185 cm, measured CrCL 180 mL/min, "
                            "aztreonam-avibactam MIC 2 mg/L",
                drug="aztreonam-avibactam", age=31, sex="male", weight=85, height=185, crcl=180,
                mic=2.0, mechanism="NDM"),
}


class _Parser(argparse.ArgumentParser):
    """argparse that ends with one line and status 2 (its default status) on bad usage."""

    def error(self, message):
        self.exit(2, f"pkdose: error: {message}\n")


def _mic_arg(text):
    """``4`` or ``cefiderocol=2,aztreonam-avibactam=0.5``."""
    if "=" not in text:
        return float(text)
    out = {}
    for part in text.split(","):
        name, _, value = part.partition("=")
        try:
            out[name.strip()] = float(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid MIC {part!r}; write PRODUCT=MIC, e.g. cefiderocol=2") from None
    return out


def _organism_arg(text):
    """'Enterobacterales' or 'Pseudomonas aeruginosa' (also 'P. aeruginosa', 'pseudomonas')."""
    key = text.strip().lower()
    if key.startswith("entero"):
        return "Enterobacterales"
    if key.startswith(("p. aeruginosa", "p.aeruginosa", "pseudomonas", "pa")):
        return "Pseudomonas aeruginosa"
    raise argparse.ArgumentTypeError(f"unknown organism {text!r}; use Enterobacterales or 'P. aeruginosa'")


def _weekday_list(text):
    return tuple(d.strip().capitalize()[:3] for d in text.split(",") if d.strip())


def _add_renal(p):
    g = p.add_argument_group("renal function (give --crcl, or --age --sex --weight --scr --scr-unit)")
    g.add_argument("--crcl", type=float, metavar="ML_PER_MIN", help="creatinine clearance [mL/min]")
    g.add_argument("--age", type=float, metavar="YEARS", help="age [years], adults only")
    g.add_argument("--sex", choices=("female", "male"))
    g.add_argument("--weight", type=float, metavar="KG", help="total body weight [kg]")
    g.add_argument("--height", type=float, metavar="CM", help="height [cm] (enables ideal/adjusted weight, BSA)")
    g.add_argument("--scr", type=float, metavar="VALUE", help="serum creatinine, with --scr-unit")
    g.add_argument("--scr-unit", metavar="UNIT", help="mg/dL or umol/L (required with --scr)")
    g.add_argument("--weight-rule", default="auto", choices=("auto", "total", "ideal", "adjusted"),
                   help="body weight in Cockcroft–Gault (default: auto, see docs)")
    rrt = p.add_argument_group("renal replacement (choose one)").add_mutually_exclusive_group()
    rrt.add_argument("--hd", nargs="?", const="Mon,Wed,Fri", metavar="DAYS",
                     help="intermittent haemodialysis, optional days (default Mon,Wed,Fri)")
    rrt.add_argument("--crrt-effluent", type=float, metavar="L_PER_H", help="CRRT effluent rate [L/h]")
    p.add_argument("--hd-start", type=float, default=8.0, metavar="HOUR", help="session start hour (default 8)")
    p.add_argument("--hd-hours", type=float, default=4.0, metavar="H", help="session length [h] (default 4)")
    p.add_argument("--crrt-modality", default="CVVHDF", choices=("CVVH", "CVVHD", "CVVHDF"))
    p.add_argument("--residual-crcl", type=float, default=5.0, metavar="ML_PER_MIN",
                   help="residual CrCL on HD/CRRT [mL/min] (default 5, an assumption)")


def _add_common(p, example=True):
    p.add_argument("--mic", type=_mic_arg, metavar="MG_PER_L",
                   help="MIC of the isolate [mg/L] (default: breakpoint); for recommend also "
                        "PRODUCT=MIC,PRODUCT=MIC (each agent's own MIC)")
    p.add_argument("--jurisdiction", default="US", choices=("US", "EU"), help="label (default US)")
    p.add_argument("--organism", default="Enterobacterales", type=_organism_arg,
                   help="Enterobacterales (default) or 'P. aeruginosa': the breakpoints that apply")
    p.add_argument("--n", type=int, default=1000, help="virtual patients (default 1000)")
    p.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
    p.add_argument("--json", action="store_true", help="machine-readable output (docs/json-schema.md)")
    if example:
        p.add_argument("--example", nargs="?", const="ckd", choices=sorted(EXAMPLES),
                       help="run a built-in example patient (default: ckd)")


def _add_drug(p, required=False):
    p.add_argument("--drug", metavar="NAME", required=required,
                   help="cefiderocol | ceftazidime-avibactam | aztreonam | "
                        "ceftazidime-avibactam+aztreonam | aztreonam-avibactam")
    p.add_argument("--pk-model", action="append", default=[], metavar="FILE",
                   help="your own PK model file replacing the default for its analyte (repeatable)")


def build_parser():
    """The argparse parser of the ``pkdose`` command.

    Returns
    -------
    argparse.ArgumentParser

    References
    ----------
    .. [1] Python Software Foundation. argparse.
       https://docs.python.org/3/library/argparse.html
    """
    parser = _Parser(prog="pkdose", description=f"pkdose {__version__} — renal dosing with PK. {DISCLAIMER}")
    parser.add_argument("--version", action="version", version=f"pkdose {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("crcl", help="creatinine clearance and how it was estimated")
    _add_renal(p)
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("dose", help="adjusted regimen, its sources, and its PK check")
    _add_drug(p)
    _add_renal(p)
    _add_common(p)
    p.add_argument("--no-search", action="store_true", help="skip the model-informed search")

    p = sub.add_parser("recommend", help="options for a resistance mechanism, with PK-checked doses")
    p.add_argument("--mechanism", metavar="NAME", help="KPC | OXA-48 | MBL | NDM | VIM | IMP | untyped")
    p.add_argument("--site", help="infection site filter (see models/guidelines.toml)")
    p.add_argument("--severity", help="severity filter (see models/guidelines.toml)")
    _add_renal(p)
    _add_common(p)
    p.add_argument("--no-search", action="store_true", help="skip the model-informed search")

    for name, text in (("simulate", "typical concentration–time course of the label regimen"),
                       ("pta", "probability of target attainment over MICs")):
        p = sub.add_parser(name, help=text)
        _add_drug(p)
        _add_renal(p)
        _add_common(p)
        p.add_argument("--plot", metavar="FILE.png", help="write a figure")
        p.add_argument("--model-informed", action="store_true",
                       help="use the model-informed regimen instead of the label regimen")

    p = sub.add_parser("serve", help="start the local web calculator (needs the 'web' extra)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, loopback only)")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765)")

    p = sub.add_parser("models", help="list or check model files")
    p.add_argument("action", nargs="?", default="list", choices=("list", "check"))
    p.add_argument("file", nargs="?", help="model file to check (with 'check')")
    p.add_argument("--json", action="store_true")
    return parser


# --- turning arguments into domain objects ------------------------------------------------


def _apply_example(args):
    ex = EXAMPLES[args.example]
    for key in ("drug", "age", "sex", "weight", "height", "scr", "scr_unit", "crcl", "crrt_effluent", "mic",
                "mechanism"):
        if key in ex and hasattr(args, key) and getattr(args, key) in (None, []):
            setattr(args, key, ex[key])
    if ex.get("hd") and args.hd is None:
        args.hd = "Mon,Wed,Fri"
    return ex["description"]


def _renal_state(args):
    if args.hd is not None:
        return Haemodialysis(schedule=HDSchedule(days=_weekday_list(args.hd), start_h=args.hd_start,
                                                 session_h=args.hd_hours),
                             residual_crcl_ml_per_min=args.residual_crcl)
    if args.crrt_effluent is not None:
        return CRRT(effluent_l_per_h=args.crrt_effluent, modality=args.crrt_modality,
                    residual_crcl_ml_per_min=args.residual_crcl)
    return Native()


def _patient(args, state):
    return patient_from_inputs(age_y=args.age, sex=args.sex, weight_kg=args.weight, height_cm=args.height,
                               scr=args.scr, scr_unit=args.scr_unit, crcl_ml_per_min=args.crcl,
                               renal_state=state)


def _check_renal_given(args, state):
    if args.crcl is None and args.scr is None and isinstance(state, Native):
        raise InputError("no renal function given: use --crcl ML_PER_MIN, or --age --sex --weight --scr "
                         "--scr-unit, or --hd / --crrt-effluent (or --example)")


def _dose_kwargs(args, require_renal=True):
    state = _renal_state(args)
    if require_renal:
        _check_renal_given(args, state)
    patient = _patient(args, state)
    if args.n < 100 or args.n > 200_000:
        raise InputError(f"--n {args.n} is outside 100-200,000 virtual patients")
    return dict(patient=patient, renal_state=state, crcl_ml_per_min=None if patient else args.crcl,
                mic_mg_per_l=args.mic, jurisdiction=args.jurisdiction, n=args.n, rng=args.seed,
                organism=args.organism)


def _single_mic(args):
    if isinstance(args.mic, dict):
        raise InputError("--mic PRODUCT=MIC is for recommend; give one number with --drug")


def _advise(args, search):
    """Example patient (if asked) and the dose advice of the drug commands."""
    _single_mic(args)
    header = _apply_example(args) if args.example else None
    advice = advise_dose(_need_drug(args), **_dose_kwargs(args), search=search, pk_model_files=args.pk_model)
    return header, advice


def _need_drug(args):
    if not args.drug:
        raise InputError(f"--drug is required; choose one of: {', '.join(available_products())}")
    return args.drug


# --- subcommands --------------------------------------------------------------------------


def _cmd_crcl(args):
    state = _renal_state(args)
    patient = _patient(args, state)
    if patient is None:
        raise InputError("crcl needs --age --sex --weight and --scr --scr-unit (or a measured --crcl with them)")
    a = renal_assessment(patient, state, weight_rule=args.weight_rule)
    fields = {k: getattr(a, k) for k in ("crcl_ml_per_min", "method", "weight_kg", "weight_explanation",
                                         "crcl_cockcroft_gault_ml_per_min",
                                         "egfr_ckd_epi_2021_ml_per_min_per_1_73m2", "egfr_ckd_epi_2021_ml_per_min",
                                         "bsa_m2", "crcl_bsa_normalised_ml_per_min_per_1_73m2", "augmented")}
    if args.json:
        return {"schema": "pkdose.crcl/1", "disclaimer": DISCLAIMER, **fields, "notes": list(a.notes)}
    lines = [DISCLAIMER, "", f"CrCL for dosing: {a.crcl_ml_per_min:.0f} mL/min ({a.method})"]
    if a.weight_explanation and a.weight_explanation not in a.method:
        lines.append(f"  weight used: {a.weight_explanation}")
    if a.egfr_ckd_epi_2021_ml_per_min_per_1_73m2 is not None:
        lines.append(f"  CKD-EPI 2021 eGFR: {a.egfr_ckd_epi_2021_ml_per_min_per_1_73m2:.0f} mL/min/1.73 m²"
                     + (f", de-indexed {a.egfr_ckd_epi_2021_ml_per_min:.0f} mL/min"
                        if a.egfr_ckd_epi_2021_ml_per_min is not None else ""))
    if a.bsa_m2 is not None:
        lines.append(f"  BSA {a.bsa_m2:.2f} m²; CrCL normalised to 1.73 m²: "
                     f"{a.crcl_bsa_normalised_ml_per_min_per_1_73m2:.0f} mL/min/1.73 m²")
    lines.append(f"  augmented renal clearance: {'yes' if a.augmented else 'no'}")
    lines += [f"  note: {n}" for n in a.notes]
    return "\n".join(lines)


def _cmd_dose(args):
    header, advice = _advise(args, search=not args.no_search)
    if args.json:
        out = advice_to_dict(advice)
        if header:
            out["example"] = header
        return out
    text = advice_text(advice)
    return f"Example patient: {header}\n\n{text}" if header else text


def _cmd_recommend(args):
    header = _apply_example(args) if args.example else None
    if not args.mechanism:
        raise InputError("--mechanism is required: KPC, OXA-48, MBL (NDM, VIM, IMP) or untyped")
    kwargs = _dose_kwargs(args, require_renal=False)
    if args.crcl is None and args.scr is None and isinstance(kwargs["renal_state"], Native):
        kwargs["renal_state"] = None  # no renal function given: the guideline options without doses
    rec = recommend(args.mechanism, **kwargs, site=args.site, severity=args.severity,
                    search=not args.no_search)
    if args.json:
        return recommendation_to_dict(rec)
    text = recommendation_text(rec)
    return f"Example patient: {header}\n\n{text}" if header else text


def _regimens_for(advice, model_informed):
    regs = advice.alternative if model_informed else advice.regimens
    check = advice.alternative_check if model_informed else advice.check
    if not regs:
        what = "model-informed" if model_informed else "label"
        raise InputError(f"no {what} regimen for this patient: {advice.label_note or advice.alternative_note}")
    return regs, check


def _cmd_simulate(args):
    from .pk import concentration

    header, advice = _advise(args, search=args.model_informed)
    regs, check = _regimens_for(advice, args.model_informed)
    curves = {}
    for analyte, c in check.courses.items():
        profile = c.typical_profile()
        t = np.union1d(np.linspace(0, c.period_h, int(c.period_h * 4) + 1), profile.t_h)
        total = concentration(profile, t)[0]
        curves[analyte] = (profile, c, t, total)
    if args.plot:
        _plot_simulation(args.plot, advice, check)
    if args.json:
        return {"schema": "pkdose.simulate/1", "disclaimer": DISCLAIMER, "product": advice.product,
                "regimens": [advice_to_dict(advice)["regimens" if not args.model_informed else "model_informed"]],
                "steady_state_period_h": check.courses[next(iter(check.courses))].period_h,
                "analytes": {a: {"fu_fraction": c.model.fu_fraction, "t_h": t.round(4).tolist(),
                                 "total_mg_per_l": total.round(4).tolist(),
                                 "free_mg_per_l": (total * c.model.fu_fraction).round(4).tolist()}
                             for a, (_, c, t, total) in curves.items()}}
    lines = [DISCLAIMER, ""] + ([f"Example patient: {header}", ""] if header else [])
    lines.append(f"{advice.display_name}: typical patient at steady state, CrCL {advice.renal.crcl_ml_per_min:.0f} "
                 f"mL/min ({advice.renal.renal_state})")
    from .regimens import format_regimen
    lines += [f"  {format_regimen(r)}" for r in regs]
    for a, (_, c, t, total) in curves.items():
        step = max(1, int(round(len(t) / 25)))
        lines.append(f"  {a} (fu {c.model.fu_fraction:g}): time [h]  total [mg/L]  free [mg/L]")
        for ti, ci in list(zip(t, total))[::step]:
            lines.append(f"    {ti:7.2f}  {ci:9.2f}  {ci * c.model.fu_fraction:9.2f}")
    if args.plot:
        lines.append(f"Figure written to {args.plot}")
    return "\n".join(lines)


def _plot_simulation(path, advice, check):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .plotting import plot_pk_check

    axes = plot_pk_check(check)
    fig = axes[0].figure
    fig.suptitle(f"{advice.display_name}, typical patient at steady state "
                 f"(CrCL {advice.renal.crcl_ml_per_min:.0f} mL/min, {advice.renal.renal_state})", fontsize=10)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _cmd_pta(args):
    header, advice = _advise(args, search=args.model_informed)
    regs, check = _regimens_for(advice, args.model_informed)
    if args.plot:
        _plot_pta(args.plot, check, advice)
    table = check.pta
    if args.json:
        return {"schema": "pkdose.pta/1", "disclaimer": DISCLAIMER, "product": advice.product,
                "target": advice.target_text, "n_patients": check.n_patients,
                "rows": json.loads(table.to_json(orient="records"))}
    from .regimens import format_regimen
    lines = [DISCLAIMER, ""] + ([f"Example patient: {header}", ""] if header else [])
    lines.append(f"{advice.display_name}, CrCL {advice.renal.crcl_ml_per_min:.0f} mL/min "
                 f"({advice.renal.renal_state}); target {advice.target_text}; n = {check.n_patients}")
    lines += [f"  {format_regimen(r)}" for r in regs]
    cols = [c for c in table.columns if c.startswith("pta_") and c != "pta_fraction"]
    lines.append("  MIC [mg/L]   joint PTA" + "".join(f"   {c[4:-9]}" for c in cols))
    for row in table.to_dict("records"):
        lines.append(f"  {row['mic_mg_per_l']:9g}   {100 * row['pta_fraction']:7.1f} %"
                     + "".join(f"   {100 * row[c]:7.1f} %" for c in cols))
    if args.plot:
        lines.append(f"Figure written to {args.plot}")
    return "\n".join(lines)


def _plot_pta(path, check, advice):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .plotting import plot_pta

    fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
    df = check.pta.assign(regimen=advice.display_name)
    bps = {f"{b.body} S≤{b.s_le_mg_per_l:g}": b.s_le_mg_per_l
           for b in _breakpoints(advice) if b.s_le_mg_per_l is not None}
    plot_pta(df, breakpoints=bps, target_label=advice.target_text, ax=ax)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _breakpoints(advice, organism="Enterobacterales"):
    from .library import load_product

    return [b for b in load_product(advice.product).breakpoints if b.organism == organism]


def _cmd_models(args):
    if args.action == "check":
        if not args.file:
            raise InputError("models check needs a FILE")
        m = load_pk_model(args.file)
        out = {"file": args.file, "analyte": m.analyte, "key": m.key, "valid": True,
               "parameters": {k: p.value for k, p in m.params.items()}}
        return out if args.json else f"{args.file}: valid model for {m.analyte} ({len(m.params)} parameters)"
    rows = []
    for product in available_products():
        table = load_regimen_table(product)
        rows.append({"product": product, "display_name": table.display_name, "analytes": list(table.analytes),
                     "regimen_rows": len(table.rows)})
    pk = sorted(p.stem for p in (models_dir() / "pk").glob("*.toml"))
    if args.json:
        return {"models_dir": str(models_dir()), "products": rows, "pk_models": pk}
    lines = [f"models: {models_dir()}", "products:"]
    lines += [f"  {r['product']:<34} {', '.join(r['analytes'])} ({r['regimen_rows']} label rows)" for r in rows]
    lines += ["PK models:"] + [f"  {k}" for k in pk]
    return "\n".join(lines)


def _cmd_serve(args):
    try:
        from .web import serve
    except ImportError as exc:  # fastapi/uvicorn are optional
        raise InputError(f"the web calculator needs the 'web' extra: pip install 'pkdose[web]' ({exc.name} "
                         "is missing)") from None
    if not 0 < args.port < 65536:
        raise InputError(f"--port {args.port} is outside 1-65535")
    serve(host=args.host, port=args.port)
    return ""


COMMANDS = {"serve": _cmd_serve, "crcl": _cmd_crcl, "dose": _cmd_dose, "recommend": _cmd_recommend, "simulate": _cmd_simulate,
            "pta": _cmd_pta, "models": _cmd_models}


def _finite_args(args):
    for key, value in vars(args).items():
        if isinstance(value, float) and not math.isfinite(value):
            raise InputError(f"--{key.replace('_', '-')} must be a finite number, got {value}")


def main(argv=None):
    """Run the ``pkdose`` command.

    Parameters
    ----------
    argv : list of str, optional
        Arguments; default ``sys.argv[1:]`` [-].

    Returns
    -------
    int
        Exit status: 0 on success, 2 on an input error [-].

    References
    ----------
    .. [1] Python Software Foundation. argparse.
       https://docs.python.org/3/library/argparse.html
    """
    args = build_parser().parse_args(argv)
    try:
        _finite_args(args)
        out = COMMANDS[args.command](args)
    except PkdoseError as exc:
        print(f"pkdose: error: {exc}", file=sys.stderr)
        return 2
    if isinstance(out, dict):
        print(json.dumps(out, indent=2, ensure_ascii=False, allow_nan=False))
    else:
        print(out)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
