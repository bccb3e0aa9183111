// pkdose web calculator: the parts of a dose answer about the patient's covariates and a changing
// creatinine (keys population_inputs and changing_renal of POST /api/dose), and the haemodialysis
// timing section. Uses h(), num() and pct() of app.js (both are classic scripts on one page).
"use strict";

window.pkdoseExtras = (() => {
  const NAMES = { infection_site: "Infection site", albumin_g_per_dl: "Albumin", race: "Population group",
    ventilated: "Mechanical ventilation", apache_ii: "APACHE II" };

  function effectText(effects) {
    return effects.map((e) => `${e.parameter.toUpperCase()} ×${num(e.factor, 3)} [${e.source} ${e.locator}]`).join(", ");
  }

  // What each covariate did in each PK model, the default population used for the others, and the structure:
  // stated with every dose answer (the PK check's population and structure, as on the command line).
  function population(p) {
    if (!p) return null;
    const rows = p.covariates.filter((c) => c.given).map((c) => h("li", {},
      h("strong", {}, `${NAMES[c.input] || c.input}: ${c.shown}. `),
      c.models.map((m) => h("span", { class: "small" }, `${m.model}: `,
        m.effects.length ? effectText(m.effects) : m.applied,
        m.stand_in ? ` (${c.shown} not studied in ${m.stand_in.paper}: taken as ${m.stand_in.taken_as}, a declared assumption)` : "",
        "; "))));
    const defaults = p.covariates.filter((c) => !c.given).map((c) => h("li", { class: "small muted" },
      `${NAMES[c.input] || c.input} not given: ${c.shown}, the default population of ${c.models[0].model} (${c.models[0].note})`));
    const structure = (p.lines || []).find((x) => x.startsWith("model structure: "));
    return h("section", { class: "card covariates-used" },
      h("h3", {}, "PK models: population and structure"),
      h("ul", {}, rows, defaults),
      h("p", { class: "small" }, h("span", { class: "k" }, "Model structure: "),
        structure ? structure.slice("model structure: ".length)
          : (p.structure === "published" ? "as published" : "one-compartment reduction (V = Vss; the distribution phase dropped)")));
  }

  function trajectoryTable(c) {
    const unit = c.scr_unit;
    const k = unit === "mg/dL" ? 1 : 88.42;
    const scr = (x) => (unit === "mg/dL" ? (x * k).toFixed(2) : (x * k).toFixed(0));
    return h("div", { class: "scroll" }, h("table", { class: "small trajectory" },
      h("caption", {}, `Kinetic CrCL (Chen 2013); t in hours from the first creatinine`),
      h("thead", {}, h("tr", {}, ["t (h)", `SCr (${unit})`, `Change (${unit}/day)`, "Kinetic CrCL", "Static CrCL"]
        .map((x) => h("th", { scope: "col" }, x)))),
      h("tbody", {}, c.trajectory.map((r) => h("tr", {},
        h("th", { scope: "row" }, `${num(r.start_h)}–${num(r.end_h)}`),
        h("td", {}, `${scr(r.scr_start_mg_per_dl)} → ${scr(r.scr_end_mg_per_dl)}`),
        h("td", {}, `${r.scr_change_mg_per_dl_per_day >= 0 ? "+" : ""}${scr(r.scr_change_mg_per_dl_per_day)}`),
        h("td", {}, `${Math.round(r.crcl_kinetic_ml_per_min)} mL/min${r.clipped ? " (clipped at 0)" : ""}`),
        h("td", {}, `${Math.round(r.crcl_static_ml_per_min)} mL/min`))))));
  }

  function course(cs, pk) {
    const analytes = pk.clearance.length ? Object.keys(pk.clearance[0]).filter((x) => x.startsWith("cl_"))
      .map((x) => x.slice(3, -8)) : [];
    return h("div", { class: "scroll" }, h("table", { class: "small course" },
      h("caption", {}, cs.name),
      h("thead", {}, h("tr", {}, ["Day (h)", "Doses", ...analytes.map((a) => `${a}: typical fT, Cmax, AUC`),
        `Joint PTA at MIC ${num(pk.mic_mg_per_l)} mg/L`].map((x) => h("th", { scope: "col" }, x)))),
      h("tbody", {}, cs.days.map((d) => {
        const doses = cs.doses.filter((x) => x.start_h >= d.start_h && x.start_h < d.end_h);
        const byComp = {};
        for (const x of doses) (byComp[x.component] = byComp[x.component] || []).push(`${num(x.dose_mg / 1000, 3)} g`);
        return h("tr", {},
          h("th", { scope: "row" }, `${num(d.start_h)}–${num(d.end_h)}`),
          h("td", {}, Object.entries(byComp).map(([c, g]) => `${c} ${g.join(" + ")}`).join("; ")),
          ...analytes.map((a) => h("td", {}, [d[`ft_${a}_percent`] !== undefined ? `${Math.round(d[`ft_${a}_percent`])} %` : "–",
            `${num(d[`cmax_${a}_mg_per_l`])} mg/L`, `${num(d[`auc_${a}_mg_h_per_l`])} mg·h/L`].join(", "))),
          h("td", { class: d.pta_fraction >= 0.9 ? "ok" : "bad" },
            `${pct(d.pta_fraction)} (95 % MC ${pct(d.pta_lower)}–${pct(d.pta_upper)})`));
      }))));
  }

  // The changing-renal-function section: trajectory, band now and when it changes, re-check, early AKI, first days.
  function changing(c) {
    if (!c) return null;
    const band = c.label_band_ml_per_min;
    const kids = [h("h3", {}, "Changing renal function"), trajectoryTable(c),
      h("p", {}, h("span", { class: "k" }, `Now (${num(c.now_h)} h): `),
        `kinetic CrCL ${Math.round(c.current_crcl_ml_per_min)} mL/min, label band ${num(band[0])} to `
        + `${band[1] === null ? "any" : `under ${num(band[1])}`} mL/min: `, h("strong", {}, c.label_regimens.join(" + "))),
      c.band_changes.length ? h("ul", { class: "small" }, c.band_changes.map((b) => h("li", {},
        `Band change at ${num(b.time_h)} h: ${b.regimen_before} → ${b.regimen_after} (${b.direction} daily dose; `
        + `CrCL ${Math.round(b.crcl_before_ml_per_min)} → ${Math.round(b.crcl_after_ml_per_min)} mL/min)`))) : null,
      h("p", {}, h("span", { class: "k" }, "Expected: "), c.projection.text),
      h("p", { class: "caution" }, h("strong", {}, `Re-check renal function by ${num(c.recheck_due_h)} h. `), c.notes[0]),
      h("p", { class: "note" }, h("span", { class: "k" }, "Early AKI: "), c.early_aki),
      h("ul", { class: "small muted" }, c.notes.slice(1).filter((n) => !n.startsWith("Within ")).map((n) => h("li", {}, n))),
      h("p", { class: "small muted" }, c.assumptions.join("; "))];
    if (c.pk_check) {
      kids.push(h("h4", {}, "First days of therapy with the changing clearance"),
        h("p", { class: "small" }, c.pk_check.simulated, ` Target: ${c.pk_check.target}.`),
        ...c.pk_check.courses.map((cs) => course(cs, c.pk_check)));
    } else if (c.pk_note) {
      kids.push(h("p", { class: "note" }, `No PK check with the changing clearance: ${c.pk_note}`));
    }
    kids.push(h("details", { class: "refs" }, h("summary", {}, "References of this section"),
      h("ol", { class: "small" }, c.references.map((r) => h("li", {}, h("cite", {}, r.key), " ", r.reference)))));
    return h("section", { class: "card changing-renal" }, kids);
  }

  // --- haemodialysis in real time ---------------------------------------------------------------------

  const KINDS = { late: "late, early or rescheduled", running: "running now", missed: "missed", extra: "extra" };
  const pad = (n) => String(n).padStart(2, "0");
  const localNow = () => {
    const d = new Date();
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
  };

  function timeInput(cls, label) {
    return h("input", { type: "datetime-local", class: cls, "aria-label": label });
  }

  function sessionRow() {
    const kind = h("select", { class: "kind", "aria-label": "What happened" },
      Object.entries(KINDS).map(([v, t]) => h("option", { value: v }, t)));
    const row = h("div", { class: "session-row" }, kind,
      h("label", { class: "small" }, "scheduled ", timeInput("scheduled", "Scheduled start")),
      h("label", { class: "small" }, "start ", timeInput("start", "Actual start")),
      h("label", { class: "small" }, "end ", timeInput("end", "Actual end")),
      h("button", { type: "button", class: "secondary remove", "aria-label": "Remove this session",
        onclick: () => row.remove() }, "×"));
    const sync = () => {
      const k = kind.value;
      row.querySelector(".scheduled").parentElement.hidden = k === "extra";
      row.querySelector(".start").parentElement.hidden = k === "missed";
      row.querySelector(".end").parentElement.hidden = k === "missed" || k === "running";
    };
    kind.addEventListener("change", sync);
    sync();
    return row;
  }

  function components() {
    const drug = $("#drug").value;
    return (catalogue && drug && catalogue.hd_components[drug]) || [];
  }

  // one "last dose" input per component (a combination's components run on their own clocks)
  function buildTimes() {
    const comps = components();
    $("#hd-last-doses").replaceChildren(...comps.map((c) => h("div", { class: "field" },
      h("label", {}, `Last ${c.component} dose started`, timeInput("last-dose", `Last ${c.component} dose started`)))));
    $("#hd-last-doses").dataset.components = comps.map((c) => c.component).join("|");
    $("#hd-last-supplements").replaceChildren(...comps.filter((c) => c.supplement_mg).map((c) => h("div", { class: "field" },
      h("label", {}, `Last ${c.component} post-session supplement started (optional)`,
        timeInput("last-supplement", `Last ${c.component} supplement started`)))));
  }

  function showHdTiming() {
    const block = $("#hd-timing-block");
    if (!block) return;
    block.hidden = $("input[name=rrt]:checked").value !== "hd" || !$("#drug").value;
    if (!block.hidden) buildTimes();
  }

  function timesBody() {
    const comps = $("#hd-last-doses").dataset.components.split("|");
    const last = {}, supp = {};
    $$("#hd-last-doses input").forEach((el, i) => { if (el.value) last[comps[i]] = el.value; });
    const withSupp = components().filter((c) => c.supplement_mg).map((c) => c.component);
    $$("#hd-last-supplements input").forEach((el, i) => { if (el.value) supp[withSupp[i]] = el.value; });
    const sessions = $$("#hd-sessions .session-row").map((row) => {
      const k = row.querySelector(".kind").value, v = (c) => row.querySelector(c).value || null;
      const s = k === "missed" ? { scheduled_start: v(".scheduled"), missed: true }
        : { scheduled_start: k === "extra" ? null : v(".scheduled"), start: v(".start"), end: k === "running" ? null : v(".end") };
      for (const key of Object.keys(s)) if (s[key] === null) delete s[key];
      return s;
    });
    return { last, supp, sessions };
  }

  async function submitHdTiming() {
    clearErrors();
    const drug = $("#drug").value;
    if (!drug) { showError("drug", "choose the drug to time"); return; }
    const { last, supp, sessions } = timesBody();
    const hd = { days: $$("input[name=hd_day]:checked").map((x) => x.value) };
    for (const [k, id] of [["start_h", "hd_start_h"], ["session_h", "hd_session_h"]]) {
      const x = numberOf(id, `hd.${k}`);
      if (x !== null) hd[k] = x;
    }
    const body = { drug, hd, jurisdiction: $("#jurisdiction").value, sessions };
    if (Object.keys(last).length) body.last_dose_at = last;
    if (Object.keys(supp).length) body.last_supplement_at = supp;
    if ($("#hd_now").value) body.now = $("#hd_now").value;
    const r = await post("/api/hd-timing", body);
    if (!r.ok) {
      for (const e of (r.error.errors && r.error.errors.length ? r.error.errors : [{ field: r.error.field, message: r.error.detail }])) {
        showError(e.field, e.message);
      }
      return;
    }
    const card = hdCard(r.data);
    $("#results").replaceChildren(card);
    card.querySelector("h2").focus({ preventScroll: window.innerWidth > 860 });
  }

  function hdCard(d) {
    const when = (x) => (x ? x.replace("T", " ") : "–");
    return h("section", { class: "card hd-timing-answer" },
      h("h2", { tabindex: "-1" }, `${d.display_name}: the next dose on haemodialysis`),
      h("p", { class: "small" }, `${d.jurisdiction} label · sessions ${d.schedule.days.join(", ")} · now ${when(d.now)}`
        + (d.now_given ? "" : " (this computer's clock)")),
      h("p", { class: "k small" }, "Sessions"), h("ul", { class: "small" }, d.sessions.map((s) => h("li", {}, s.text))),
      d.components.map((c) => h("div", { class: "regimen-box label" },
        h("p", { class: "regimen" }, h("strong", {}, `${c.component}: `), c.regimen),
        h("p", { class: c.give_now ? "verdict ok" : "verdict alt" }, c.advice),
        h("p", {}, h("span", { class: "k" }, "Why: "), c.reason),
        c.supplement_mg ? h("p", {}, h("span", { class: "k" }, `Post-session supplement ${num(c.supplement_mg / 1000)} g: `),
          c.supplement_now ? "due now" : (c.supplement_due_at ? `next due at ${when(c.supplement_due_at)}` : "none due")) : null,
        h("ul", { class: "small" }, c.rules.map((x) => h("li", {}, h("strong", {}, `${x.rule} `), x.text))),
        c.notes.map((n) => h("p", { class: "note" }, n)),
        c.citations.map((x) => h("p", { class: "source" }, "Source: ", h("cite", {}, x.source), `, ${x.locator}`)))));
  }

  function initHdTiming() {
    if (!$("#hd-timing-block")) return;
    $("#hd_now").value = localNow();
    $("#hd-add-session").addEventListener("click", () => $("#hd-sessions").append(sessionRow()));
    $("#hd-timing-submit").addEventListener("click", () => submitHdTiming().catch((e) => showError(null, e.message)));
    $("#drug").addEventListener("change", showHdTiming);
    showHdTiming();
  }

  return {
    forDose(dose) {
      return [changing(dose.changing_renal), population(dose.population_inputs)].filter(Boolean);
    },
    showHdTiming,
    initHdTiming,
  };
})();
