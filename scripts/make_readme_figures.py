"""Regenerate the README figures in docs/img/ with pkdose.plotting.

Run from anywhere::

    python scripts/make_readme_figures.py            # writes docs/img/*.png
    python scripts/make_readme_figures.py --outdir /tmp/img

Figures (typical patients unless stated; label regimens looked up with
pkdose.regimens.select_regimens, so every regimen shown has a label source):

* ``cefiderocol_crcl45.png``: cefiderocol at CrCL 45 mL/min (US label 1.5 g q8h
  over 3 h), steady state over 24 h, free level against an MIC of 4 mg/L.
* ``hd_week_cza_atm.png``: ceftazidime-avibactam + aztreonam on haemodialysis
  Mon/Wed/Fri (US label rows, residual CrCL 5 mL/min), one steady-state week:
  aztreonam against an MIC of 4 mg/L and avibactam against its 2.5 mg/L threshold.
* ``pta_ndm_crcl25.png``: probability of target attainment against the MIC for
  the three NDM-active options at CrCL 25 mL/min (n = 2,000, seed 2026).

The script uses no network and writes nothing but the PNG files.
"""

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)
import numpy as np  # noqa: E402

from pkdose.exposure import Covariates, pk_check  # noqa: E402
from pkdose.library import load_pk_model, load_product, load_regimen_table  # noqa: E402
from pkdose.patient import Haemodialysis, Native  # noqa: E402
from pkdose.pk import Dosing, ExtraClearance, combine_dosing, regimen_dosing, simulate  # noqa: E402
from pkdose.plotting import plot_concentration, plot_pta  # noqa: E402
from pkdose.regimens import format_regimen, select_regimens  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
DPI = 100
SEED = 2026
WEEK_H = 168.0


def _save(fig, outdir, name):
    path = Path(outdir) / name
    fig.savefig(path, dpi=DPI, bbox_inches="tight", facecolor="white")
    plt.close(fig)
    return path


def cefiderocol_crcl45(outdir):
    """Cefiderocol, US label band 30-59 mL/min, typical patient at CrCL 45, steady state."""
    crcl = 45.0
    reg = select_regimens(load_regimen_table("cefiderocol"), crcl_ml_per_min=crcl)[0]
    model = load_pk_model("cefiderocol")
    dosing = regimen_dosing(reg.dose_mg, reg.interval_h, reg.infusion_h, int(24 / reg.interval_h))
    profile = simulate(float(model.clearance_l_per_h(crcl)), float(model.volume_l()), dosing,
                       t_end_h=24.0, steady_state=True)
    fig, ax = plt.subplots(figsize=(7.5, 4.2), layout="constrained")
    plot_concentration(profile, fu_fraction=model.fu_fraction, mic_mg_per_l=4.0, dosing=dosing, ax=ax)
    ax.set_title(f"Cefiderocol at CrCL {crcl:g} mL/min: {format_regimen(reg)}\n"
                 f"(US label, {reg.citations[0][1].split(' (')[0]}); typical patient, steady state",
                 fontsize="medium", pad=48)
    return _save(fig, outdir, "cefiderocol_crcl45.png")


def _two_weeks(course):
    """Repeat a steady-state dialysis week twice, so that an interval crossing Monday is whole."""
    d, e = course.dosing, course.extra
    dosing = combine_dosing(d, Dosing(d.start_h + WEEK_H, d.amount_mg, d.duration_h))
    extra = ExtraClearance(np.append(e.start_h, e.start_h + WEEK_H), np.append(e.end_h, e.end_h + WEEK_H),
                           np.tile(e.cl_l_per_h, 2))
    profile = simulate(course.cl_l_per_h, course.v_l, dosing, extra, t_end_h=2 * WEEK_H, steady_state=True)
    return profile, dosing, extra


def hd_week_cza_atm(outdir):
    """Ceftazidime-avibactam + aztreonam on HD (US rows), aztreonam and avibactam over one week."""
    product = "ceftazidime-avibactam+aztreonam"
    regs = select_regimens(load_regimen_table(product), renal_state="ihd", crcl_ml_per_min=5.0)
    cov = Covariates(5.0, Haemodialysis())
    chk = pk_check(load_product(product), regs, cov, mic_mg_per_l=4.0, n=200, rng=SEED)
    first_dose = float(chk.courses["avibactam"].dosing.start_h.min())   # end of Monday's session
    window = (first_dose, first_dose + WEEK_H)
    fig, axes = plt.subplots(2, 1, figsize=(9, 7.6), layout="constrained")
    for ax, analyte, line, what in ((axes[0], "aztreonam", 4.0, "MIC"), (axes[1], "avibactam", 2.5, "C$_T$")):
        course = chk.courses[analyte]
        profile, dosing, extra = _two_weeks(course)
        plot_concentration(profile, fu_fraction=course.model.fu_fraction, mic_mg_per_l=line, dosing=dosing,
                           hd_sessions=extra, t_window_h=window, ax=ax)
        if what != "MIC":   # plot_concentration names its line "MIC"; for avibactam it is a threshold
            texts = list(ax.texts) + list(ax.get_legend().get_texts())
            for t in texts:
                t.set_text(t.get_text().replace("MIC", what))
        ax.set_title(f"{analyte}: free level against {what} {line:g} mg/L", fontsize="medium", pad=40)
        ax.set_xlabel("Time from Monday 00:00 [h]")
    lines = ["Ceftazidime-avibactam + aztreonam on haemodialysis (Mon/Wed/Fri 08:00-12:00), US label rows, "
             "steady-state week"]
    lines += [format_regimen(r) for r in regs]
    fig.suptitle("\n".join(lines), fontsize="medium")
    return _save(fig, outdir, "hd_week_cza_atm.png")


def pta_ndm_crcl25(outdir):
    """PTA against the MIC for the three NDM-active options at CrCL 25 mL/min."""
    crcl = 25.0
    mics = 2.0 ** np.arange(-2, 6)
    frames = {}
    for product, mic_name in (("ceftazidime-avibactam+aztreonam", "aztreonam MIC"),
                              ("cefiderocol", "cefiderocol MIC"),
                              ("aztreonam-avibactam", "aztreonam MIC")):
        regs = select_regimens(load_regimen_table(product), crcl_ml_per_min=crcl)
        prod = load_product(product)
        chk = pk_check(prod, regs, Covariates(crcl, Native()), mic_mg_per_l=mics[0], n=2000, rng=SEED, mics=mics)
        frames[f"{prod.target.display_name} ({mic_name})"] = chk.pta
    fig, ax = plt.subplots(figsize=(8, 5), layout="constrained")
    plot_pta(frames, breakpoints={"S ≤ 4": 4.0}, target_label="each option's joint target", ax=ax)
    fig.suptitle(f"NDM-active options, label regimens at CrCL {crcl:g} mL/min "
                 "(n = 2,000 virtual patients, seed 2026)", fontsize="medium")
    ax.text(0.02, 0.45, "MIC: each option's own (aztreonam MIC with avibactam 4 mg/L for the two\n"
            "aztreonam options). S ≤ 4: CLSI cefiderocol; EUCAST/CLSI aztreonam-avibactam.",
            transform=ax.transAxes, va="bottom", fontsize="small")
    return _save(fig, outdir, "pta_ndm_crcl25.png")


def main(argv=None):
    """Write the README figures and print their paths."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--outdir", type=Path, default=REPO / "docs" / "img",
                        help="directory for the PNG files (default: docs/img)")
    args = parser.parse_args(argv)
    args.outdir.mkdir(parents=True, exist_ok=True)
    for make in (cefiderocol_crcl45, hd_week_cza_atm, pta_ndm_crcl25):
        print(make(args.outdir))


if __name__ == "__main__":
    main()
