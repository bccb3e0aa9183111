// pkdose web calculator: reads the form, asks the local JSON API, shows the answer.
// No framework, nothing loaded from outside this machine. Text is always inserted as text.
"use strict";

const $ = (sel, root = document) => root.querySelector(sel);
const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

// h("p", {class: "x"}, "text", child, ...) -> element; null/false children are skipped.
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") el.className = v;
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const num = (x, digits = 3) => (x === null || x === undefined ? "–" : String(Number(x.toPrecision(digits))));
const pct = (p) => {
  if (p === null || p === undefined) return "–";
  const v = 100 * p;
  return `${v >= 99.95 || v < 0.05 ? v.toFixed(0) : v.toFixed(1)} %`;
};
const grams = (mg) => `${Number((mg / 1000).toPrecision(4))} g`;
const STATE = { native: "native kidneys", ihd: "intermittent haemodialysis", crrt: "continuous renal replacement therapy" };

// --- catalogue -----------------------------------------------------------------------------

let catalogue = null;

async function loadCatalogue() {
  const r = await fetch("/api/products");
  catalogue = await r.json();
  $("#version").textContent = catalogue.pkdose_version;
  $("#disclaimer").textContent = catalogue.disclaimer;
  const drug = $("#drug");
  for (const p of catalogue.products) drug.append(h("option", { value: p.product }, p.display_name));
  const mech = $("#mechanism");
  const names = { "KPC": "KPC", "OXA-48-like": "OXA-48-like", "MBL": "MBL (NDM, VIM, IMP)", "not yet typed": "carbapenemase not yet typed" };
  for (const m of catalogue.mechanisms) mech.append(h("option", { value: m.name }, names[m.name] || m.name));
  for (const s of catalogue.sites) $("#site").append(h("option", { value: s }, s));
  const analytes = [...new Set(catalogue.products.flatMap((p) => p.analytes))];
  for (const a of analytes) $("#analyte").append(h("option", { value: a }, a));
  for (const s of catalogue.severities) $("#severity").append(h("option", { value: s }, s));
  for (const r of catalogue.race_groups) $("#race").append(h("option", { value: r.value }, r.text));
  showCovariates();
  // the server's limits and defaults, so the page never restates them
  for (const el of $$("[data-limit]")) {
    const lim = catalogue.limits[el.dataset.limit];
    if (lim) { el.min = lim[0]; el.max = lim[1]; }
  }
  for (const el of $$("[data-default]")) {
    if (el.value === "" && catalogue.defaults[el.dataset.default] !== undefined) el.value = catalogue.defaults[el.dataset.default];
  }
  const texts = { ...catalogue.defaults, pta_goal_percent: `${Math.round(100 * catalogue.pta_goal_fraction)} %` };
  for (const el of $$("[data-text]")) if (texts[el.dataset.text] !== undefined) el.textContent = String(texts[el.dataset.text]);
}

// --- form ----------------------------------------------------------------------------------

function showModes() {
  const rrt = $("input[name=rrt]:checked").value;
  // on renal replacement therapy the residual CrCL is the renal input: SCr or a CrCL would conflict
  const native = rrt === "none";
  $("#renal-mode").hidden = !native;
  $("#rrt-hint").hidden = native;
  const mode = $("input[name=renal_mode]:checked").value;
  $("#scr-block").hidden = !native || mode !== "scr";
  $("#crcl-block").hidden = !native || mode !== "crcl";
  $("#series-block").hidden = !native || mode !== "series";
  $("#hd-block").hidden = rrt !== "hd";
  $("#crrt-block").hidden = rrt !== "crrt";
  $("#residual-block").hidden = rrt === "none";
  if (window.pkdoseExtras) window.pkdoseExtras.showHdTiming();
}

// a population group is asked only for a drug whose published PK model distinguishes it
function showCovariates() {
  const drug = $("#drug").value;
  const uses = catalogue && drug && catalogue.pk_covariates[drug];
  $("#race-block").hidden = !(uses && uses.race);
  if ($("#race-block").hidden) $("#race").value = "";
}

class FieldProblem extends Error {
  constructor(field, message) { super(message); this.field = field; }
}

function numberOf(id, field) {
  const el = document.getElementById(id);
  if (el.validity && el.validity.badInput) throw new FieldProblem(field, "enter a number (use a point for decimals)");
  return el.value.trim() === "" ? null : Number(el.value);
}

// The request body shared by /api/dose and /api/recommend; nulls are dropped.
function commonBody() {
  const body = {
    age_y: numberOf("age_y", "age_y"),
    sex: $("#sex").value || null,
    weight_kg: numberOf("weight_kg", "weight_kg"),
    height_cm: numberOf("height_cm", "height_cm"),
    mic_mg_per_l: numberOf("mic_mg_per_l", "mic_mg_per_l"),
    jurisdiction: $("#jurisdiction").value,
    organism: $("#organism").value,
    n: numberOf("n", "n"),
    seed: numberOf("seed", "seed"),
    search: $("#search").checked,
    site: $("#site").value || null,
    albumin: numberOf("albumin", "albumin"),
    albumin_unit: $("#albumin_unit").value || null,
    apache_ii: numberOf("apache_ii", "apache_ii"),
    race: $("#race").value || null,
    ventilated: $("#ventilated").checked || null,
    structure: $("#structure").value === "published" ? null : $("#structure").value,
  };
  const rrt = $("input[name=rrt]:checked").value;
  if (rrt === "none" && $("input[name=renal_mode]:checked").value === "scr") {
    body.scr = numberOf("scr", "scr");
    body.scr_unit = $("#scr_unit").value || null;
    if ($("#weight_rule").value !== "auto") body.weight_rule = $("#weight_rule").value;
  } else if (rrt === "none" && $("input[name=renal_mode]:checked").value === "series") {
    body.scr_series = $("#scr_series").value.trim() || null;
    body.scr_unit = $("#series_unit").value || null;
    body.baseline_scr = numberOf("baseline_scr", "baseline_scr");
    body.baseline_crcl_ml_per_min = numberOf("baseline_crcl_ml_per_min", "baseline_crcl_ml_per_min");
  } else if (rrt === "none") {
    body.crcl_ml_per_min = numberOf("crcl_ml_per_min", "crcl_ml_per_min");
  }
  if (rrt === "hd") {
    body.hd = {
      days: $$("input[name=hd_day]:checked").map((x) => x.value),
      start_h: numberOf("hd_start_h", "hd.start_h"),
      session_h: numberOf("hd_session_h", "hd.session_h"),
    };
    for (const k of ["start_h", "session_h"]) if (body.hd[k] === null) delete body.hd[k];
  } else if (rrt === "crrt") {
    body.crrt = { effluent_l_per_h: numberOf("crrt_effluent", "crrt.effluent_l_per_h"), modality: $("#crrt_modality").value };
    if (body.crrt.effluent_l_per_h === null) throw new FieldProblem("crrt.effluent_l_per_h", "enter the effluent rate in L/h");
  }
  if (rrt !== "none") body.residual_crcl_ml_per_min = numberOf("residual_crcl_ml_per_min", "residual_crcl_ml_per_min");
  for (const k of Object.keys(body)) if (body[k] === null) delete body[k];
  return body;
}

function clearErrors() {
  for (const p of $$(".error")) p.textContent = "";
  for (const el of $$("[aria-invalid]")) el.removeAttribute("aria-invalid");
  $("#form-error").hidden = true;
  $("#form-error").textContent = "";
}

// fields without a slot of their own -> the slot the message is shown in
const FIELD_ALIAS = { scr_unit: "scr", hd: "hd.days", renal_method: "scr", albumin_unit: "albumin" };

// Put a message next to the field at fault, or at the top of the form.
function showError(field, message) {
  const series = $("input[name=renal_mode]:checked").value === "series";
  const name = (series && field === "scr_unit") ? "scr_series" : (FIELD_ALIAS[field] || field);
  const slot = name ? document.getElementById(`${name}-error`) : null;
  if (!slot) {
    const top = $("#form-error");
    top.textContent = top.textContent ? `${top.textContent} ${message}` : message;
    top.hidden = false;
    return;
  }
  slot.textContent = slot.textContent ? `${slot.textContent} ${message}` : message;
  const wrap = slot.closest("[data-field]");
  const input = wrap ? wrap.querySelector("input, select, textarea") : null;
  if (input) input.setAttribute("aria-invalid", "true");
  // a field inside a closed "More options" must be seen
  const more = slot.closest("details");
  if (more) more.open = true;
}

async function post(url, body) {
  const r = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  if (r.ok) return { ok: true, data: url.includes("/plot") ? await r.blob() : await r.json() };
  let err;
  try { err = await r.json(); } catch (e) { err = { detail: `the server answered ${r.status}` }; }
  return { ok: false, status: r.status, error: err };
}

async function onSubmit(event) {
  event.preventDefault();
  clearErrors();
  let body;
  try {
    body = commonBody();
  } catch (e) {
    if (e instanceof FieldProblem) { showError(e.field, e.message); return; }
    throw e;
  }
  const drug = $("#drug").value;
  const mechanism = $("#mechanism").value;
  if (!drug && !mechanism) {
    showError("drug", "choose a drug, a resistance mechanism, or both");
    return;
  }
  const button = $("#submit");
  button.disabled = true;
  button.textContent = "Calculating…";
  const results = $("#results");
  results.setAttribute("aria-busy", "true");
  try {
    const calls = [];
    if (drug) calls.push(post("/api/dose", { ...body, drug }));
    if (mechanism) {
      const rec = { ...body, mechanism };  // the site is in the body: it reaches the PK models and filters
      if ($("#severity").value) rec.severity = $("#severity").value;
      calls.push(post("/api/recommend", rec));
    }
    const answers = await Promise.all(calls);
    const failed = answers.filter((a) => !a.ok);
    if (failed.length) {
      const seen = new Set();
      for (const f of failed) {
        for (const e of (f.error.errors && f.error.errors.length ? f.error.errors : [{ field: f.error.field, message: f.error.detail }])) {
          const key = `${e.field}|${e.message}`;
          if (!seen.has(key)) { seen.add(key); showError(e.field, e.message); }
        }
      }
      results.replaceChildren(h("div", { class: "placeholder" }, h("p", {}, "Correct the fields marked in the form and calculate again.")));
      return;
    }
    const dose = drug ? answers[0].data : null;
    const rec = mechanism ? answers[answers.length - 1].data : null;
    render(results, dose, rec, body);
  } catch (e) {
    showError(null, `The calculator could not be reached (${e.message}). Is "pkdose serve" still running?`);
  } finally {
    button.disabled = false;
    button.textContent = "Calculate";
    results.removeAttribute("aria-busy");
  }
}

// --- Bayesian TDM ---------------------------------------------------------------------------

const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

// A pasted CSV record -> rows (objects); text that is not a number is sent as typed, the server names it.
function csvRows(id, field) {
  const lines = $(`#${id}`).value.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
  if (lines.length < 2) throw new FieldProblem(field, "paste the record: a header line, then one line per row");
  const head = lines[0].split(",").map((x) => x.trim());
  return lines.slice(1).map((line) => {
    const cells = line.split(",").map((x) => x.trim());
    const row = {};
    head.forEach((k, i) => {
      const v = cells[i];
      if (v === undefined || v === "") return;
      if (k === "component" || k === "analyte") row[k] = v;
      else if (k === "free") row[k] = v.toLowerCase() === "true" ? true : v.toLowerCase() === "false" ? false : v;
      else row[k] = DECIMAL.test(v) ? Number(v) : v;
    });
    return row;
  });
}

async function onTdm() {
  clearErrors();
  let body;
  try {
    body = commonBody();
    if (!$("#drug").value) throw new FieldProblem("drug", "choose the drug the levels are of");
    if (body.structure) throw new FieldProblem("structure", "a TDM fit uses the published model structures");
    body.drug = $("#drug").value;
    body.doses = csvRows("doses", "doses");
    body.levels = csvRows("levels", "levels");
    if ($("#analyte").value) body.analyte = $("#analyte").value;
    const sessions = $("#hd_sessions").value.trim();
    if (sessions) body.hd_sessions = sessions;
  } catch (e) {
    if (e instanceof FieldProblem) { showError(e.field, e.message); return; }
    throw e;
  }
  const button = $("#tdm-submit"), results = $("#results");
  Object.assign(button, { disabled: true, textContent: "Fitting…" });
  results.setAttribute("aria-busy", "true");
  try {
    const r = await post("/api/tdm", body);
    if (!r.ok) {
      for (const e of (r.error.errors && r.error.errors.length ? r.error.errors : [{ field: r.error.field, message: r.error.detail }])) {
        showError(e.field, e.message);
      }
      results.replaceChildren(h("div", { class: "placeholder" }, h("p", {}, "Correct the fields marked in the form and fit again.")));
      return;
    }
    const card = renderTdm(r.data);
    results.replaceChildren(card);
    loadTdmPlot(card.querySelector("figure"), body);
    results.querySelector("h2").focus({ preventScroll: window.innerWidth > 860 });
  } catch (e) {
    showError(null, `The calculator could not be reached (${e.message}). Is "pkdose serve" still running?`);
  } finally {
    Object.assign(button, { disabled: false, textContent: "Fit the levels" });
    results.removeAttribute("aria-busy");
  }
}

function tdmTargets(block) {
  if (!block || !block.targets) return null;
  return h("ul", { class: "small" }, block.targets.map((t) => h("li", {},
    `${t.analyte}: individual ${num(t.individual_ft_percent, 3)} % fT>${t.metric === "ft_above_mic" ? "MIC" : `${num(t.threshold_mg_per_l)} mg/L`}`
    + ` (needs ${num(t.required_ft_percent)} %); posterior probability ${pct(t.posterior_probability)}`)));
}

function renderTdm(t) {
  const kids = [h("h2", { tabindex: "-1" }, `${t.display_name}: Bayesian TDM`, " ",
    h("span", { class: "muted small" }, `${STATE[t.renal.renal_state]} · CrCL ${num(t.renal.crcl_ml_per_min)} mL/min`)),
  h("p", { class: "tag alt" }, t.model_informed)];
  for (const w of t.warnings) kids.push(h("p", { class: "alarm" }, w));
  kids.push(h("h3", {}, "Levels beside the predictions"), h("div", { class: "scroll" }, h("table", {},
    h("thead", {}, h("tr", {}, ["Time (h)", "Analyte", "Measured", "Individual", "Population"].map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, t.levels.map((l) => h("tr", {}, h("td", {}, num(l.time_h, 4)),
      h("td", {}, l.analyte + (l.free ? " (free)" : "")), h("td", {}, `${num(l.observed_mg_per_l)} mg/L`),
      h("td", {}, `${num(l.ipred_mg_per_l)} mg/L`), h("td", {}, `${num(l.pred_mg_per_l)} mg/L`)))))));
  kids.push(h("h3", {}, "This patient's parameters"), h("div", { class: "scroll" }, h("table", {},
    h("thead", {}, h("tr", {}, ["Analyte", "CL (90 % credible)", "MAP", "Typical", "Vss (90 % credible)"].map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, t.individual.map((r) => h("tr", {}, h("th", { scope: "row" }, r.analyte),
      h("td", {}, `${num(r.cl_l_per_h)} L/h (${num(r.cl_90_l_per_h[0])}–${num(r.cl_90_l_per_h[1])})`),
      h("td", {}, `${num(r.cl_map_l_per_h)} L/h`), h("td", {}, `${num(r.typical_cl_l_per_h)} L/h`),
      h("td", {}, `${num(r.v_l)} L (${num(r.v_90_l[0])}–${num(r.v_90_l[1])})`)))))));
  kids.push(h("ul", { class: "small" }, t.individual.map((r) => h("li", {}, r.basis))));
  kids.push(h("p", {}, h("span", { class: "k" }, "MIC: "), `${num(t.mic_mg_per_l)} mg/L · `, h("span", { class: "k" }, "Target: "), t.target));
  if (t.current_regimen) {
    kids.push(h("h3", {}, "Current regimen"), h("p", {}, t.current_regimen.regimens.join("; ")), tdmTargets(t.current_regimen));
    if (t.current_regimen.posterior_probability !== undefined) {
      kids.push(h("p", { class: t.current_regimen.posterior_probability >= catalogue.pta_goal_fraction ? "verdict ok" : "verdict bad" },
        `Posterior probability of the target: ${pct(t.current_regimen.posterior_probability)}`));
    }
  }
  kids.push(h("h3", {}, "Next regimen"), h("p", { class: "reason" }, t.recommendation),
    t.recommended.regimens.map((x) => h("p", { class: "regimen" }, h("strong", {}, x))), tdmTargets(t.recommended));
  if (t.ceilings.length) kids.push(h("h3", {}, "Exposure ceilings"), h("ul", { class: "warnings" },
    t.ceilings.map((c) => h("li", { class: c.above ? "bad" : "" }, `${c.regimen}: ${c.text}`))));
  if (t.notes.length) kids.push(h("ul", { class: "warnings" }, t.notes.map((n) => h("li", {}, n))));
  kids.push(h("figure", { class: "plot" },
    h("div", { class: "plot-slot" }, h("p", { class: "muted" }, "Drawing the fit…")),
    h("figcaption", {}, "Individual prediction with its 90 % credible band, the population prediction (dashed) and the measured levels; grey lines: doses assumed ahead.")));
  kids.push(h("details", { class: "refs" }, h("summary", {}, `References (${t.references.length})`),
    h("ol", { class: "small" }, t.references.map((r) => h("li", {}, h("cite", {}, r.key), " ", r.reference)))));
  return h("article", { class: "card advice tdm" }, kids);
}

async function loadTdmPlot(fig, body) {
  const slot = fig.querySelector(".plot-slot");
  const widthIn = Math.min(7.6, Math.max(4, (slot.clientWidth || 760) / 96));
  const r = await post(`/api/tdm/plot?width_in=${widthIn.toFixed(2)}`, body);
  if (!r.ok) { slot.replaceChildren(h("p", { class: "note" }, `No figure: ${r.error.detail}`)); return; }
  slot.replaceChildren(h("img", { src: URL.createObjectURL(r.data), alt: "Fit of the measured levels and forecast" }));
}

// --- results -------------------------------------------------------------------------------

function render(results, dose, rec, body) {
  const parts = [];
  const first = dose || (rec && rec.advice[0]);
  if (first) parts.push(renderRenal(first.renal));
  if (dose) parts.push(renderAdvice(dose, { ...body, drug: dose.product }, true));
  if (dose && window.pkdoseExtras) parts.push(...window.pkdoseExtras.forDose(dose));
  if (rec) parts.push(renderRecommendation(rec, body, dose ? dose.product : null));
  results.replaceChildren(...parts);
  document.body.classList.remove("has-card");
  if (dose) loadPrint(results, { ...body, drug: dose.product });
  for (const card of $$("[data-plot-pending=now]", results)) card._plot();
  // on a narrow screen the results are below the form: bring them into view
  results.querySelector("h2").focus({ preventScroll: window.innerWidth > 860 });
}

function renderRenal(r) {
  // crcl_text: enough digits that the value shown lies in the label band it was dosed in
  const rows = [h("p", { class: "big" }, h("strong", {}, `${r.crcl_text || num(r.crcl_ml_per_min, 3)} mL/min`), " ",
    h("span", { class: "muted" }, `(${STATE[r.renal_state]})`))];
  if ((r.label_bands || []).length) {
    rows.push(h("p", {}, h("span", { class: "k" }, "Label band: "),
      r.label_bands.map((b) => `${b.component} ${b.band} mL/min`).join("; ")));
  }
  rows.push(h("p", {}, h("span", { class: "k" }, "How: "), r.method));
  if (r.weight_explanation && !r.method.includes(r.weight_explanation)) {
    rows.push(h("p", {}, h("span", { class: "k" }, "Weight used: "), r.weight_explanation));
  }
  if (r.hd_schedule) {
    const s = r.hd_schedule;
    rows.push(h("p", {}, h("span", { class: "k" }, "Haemodialysis: "),
      `${s.days.join(", ")}, starting ${clock(s.start_h)}, ${num(s.session_h)} h sessions`));
  }
  if (r.crrt_effluent_l_per_h !== null && r.crrt_effluent_l_per_h !== undefined) {
    rows.push(h("p", {}, h("span", { class: "k" }, "CRRT: "), `${r.crrt_modality}, effluent ${num(r.crrt_effluent_l_per_h)} L/h`));
  }
  if (r.weight_rule_changes_band) {
    rows.push(h("div", { class: "caution" }, h("strong", {}, "The body-weight rule changes the label band: "),
      h("ul", { class: "small" }, r.crcl_by_weight.map((w) => h("li", {},
        `${w.rule} body weight: CrCL ${num(w.crcl_ml_per_min, 3)} mL/min → ${w.regimens.join(" + ")}`,
        w.used ? h("strong", {}, " (used)") : null)))));
  }
  for (const n of r.notes) rows.push(h("p", { class: "note" }, n));
  return h("section", { class: "card renal" }, h("h2", { tabindex: "-1" }, "Creatinine clearance used"), rows);
}

function clock(hour) {
  const hh = Math.floor(hour), mm = Math.round((hour - hh) * 60);
  return `${String(hh).padStart(2, "0")}:${String(mm).padStart(2, "0")}`;
}

function renderRegimens(regimens, kind) {
  // the drug is named on every line; evidence, sources, notes and cautions are always shown
  return regimens.map((r) => h("div", { class: `regimen-box ${kind}` },
    h("p", { class: "regimen" }, h("strong", {}, `${r.component}: `), r.text),
    h("p", { class: "meta" }, r.weekly_dose_mg !== null && r.weekly_dose_mg !== undefined
      ? `${grams(r.weekly_dose_mg)}/week = ${grams(r.daily_dose_mg)}/day of ${r.component}`
        + (r.weekly_supplement_mg ? ` (+ ${grams(r.weekly_supplement_mg)}/week of post-HD supplements)` : "")
      : `${grams(r.daily_dose_mg)}/day of ${r.component}`, ` · labelled maximum ${grams(r.max_daily_dose_mg)}/day`,
      r.exceeds_label_maximum ? h("strong", { class: "bad" }, " · ABOVE THE LABELLED MAXIMUM") : null),
    r.evidence ? h("p", { class: "evidence" }, h("span", { class: "k" }, "Evidence: "), r.evidence) : null,
    r.citations.map((c) => h("p", { class: "source" }, "Source: ", h("cite", {}, c.source), `, ${c.locator}`)),
    r.note && !(r.evidence || "").includes(r.note) ? h("p", { class: "note" }, r.note) : null,
    r.syringe_change_h ? h("p", { class: "note" }, `Infusion bags of the label dilution: a new bag at least every `
      + `${num(r.bag_change_h)} h; the ${num(r.syringe_change_h)}-h figure holds only for syringes of the concentrated `
      + "solution at the tested concentration.") : null,
    r.caution ? h("p", { class: "caution" }, h("strong", {}, "Caution: "), r.caution) : null));
}

function renderCeilings(ceilings) {
  if (!ceilings || !ceilings.length) return null;
  return h("div", { class: "ceilings small" }, h("p", { class: "k" }, "Exposure ceilings (toxicity):"),
    h("ul", {}, ceilings.map((c) => h("li", { class: c.exceeded ? "caution" : "" }, c.text))));
}

function renderAdvice(a, plotBody, open) {
  const kids = [];
  kids.push(h("h2", { tabindex: "-1" }, a.display_name, " ",
    h("span", { class: "muted small" }, `${a.jurisdiction} · ${STATE[a.renal.renal_state]}`)));
  if (open) kids.push(renderActions());
  for (const w of a.warnings.filter((x) => x.startsWith("!!!"))) kids.push(h("p", { class: "alarm" }, w));
  if (a.regimens.length) {
    kids.push(h("p", { class: a.basis === "label" ? "tag" : "tag alt" }, a.basis_text), renderRegimens(a.regimens, "label"));
    if (a.label_note) kids.push(h("p", { class: "note" }, a.label_note));
    if (a.choice_note) kids.push(h("p", { class: "note" }, a.choice_note));
  } else {
    kids.push(h("p", { class: "tag bad" }, "No label or published regimen"), h("p", { class: "note" }, a.label_note));
  }
  if (a.susceptibility) {
    const s = a.susceptibility;
    kids.push(h("p", { class: s.category === "R" ? "verdict bad" : "small" }, h("span", { class: "k" }, "MIC: "),
      `${num(a.mic_mg_per_l)} mg/L (${a.mic_basis === "user" ? "as entered" : a.mic_basis}) — ${s.text}`));
    if (s.note) kids.push(h("p", { class: "caution" }, h("strong", {}, "MIC interpretation: "), s.note));
  }
  if (a.increased_exposure) kids.push(h("p", { class: "note" }, a.increased_exposure.text));
  // shown above: the alarms, and the MIC interpretation in its own box
  const rest = a.warnings.filter((x) => !x.startsWith("!!!") && !(a.susceptibility && a.susceptibility.note
    && x.startsWith("! MIC interpretation:")));
  if (rest.length) kids.push(h("ul", { class: "warnings" }, rest.map((w) => h("li", {}, w))));
  if (a.pk_check) kids.push(renderCheck(a.pk_check, a, "PK check of the regimen", a.crrt_range, a.threshold_alternative));
  kids.push(renderCeilings(a.exposure_ceilings));
  if (a.model_informed) {
    const m = a.model_informed;
    kids.push(h("div", { class: "alt-block" },
      h("p", { class: "tag alt" }, "Model-informed alternative — NOT labelled dosing"),
      h("p", { class: "reason" }, m.reason),
      renderRegimens(m.regimens, "alt"),
      h("p", { class: "note" }, m.note),
      m.pk_check ? renderCheck(m.pk_check, a, "PK check of the model-informed regimen", [], null) : null,
      renderCeilings(m.exposure_ceilings)));
  } else if (a.model_informed_note) {
    kids.push(h("p", { class: "note" }, `Model-informed search: ${a.model_informed_note}`));
  }
  const fig = h("figure", { class: "plot" },
    h("div", { class: "plot-slot" }, h("p", { class: "muted" }, "Drawing the concentration–time curve…")),
    h("figcaption", {}, "Typical patient at steady state: total (blue) and free (vermilion) concentration, the MIC "
      + "(dashed), time above the MIC shaded in light orange, infusions as green bars below zero."));
  if (a.regimens.length || a.model_informed) kids.push(fig);
  kids.push(h("details", { class: "refs" },
    h("summary", {}, `References (${a.references.length}) and PK models`),
    h("p", { class: "small" }, "PK models: ", a.pk_models.join("; ")),
    h("ol", { class: "small" }, a.references.map((r) => h("li", {}, h("cite", {}, r.key), " ", r.reference,
      h("span", { class: "muted" }, ` [${r.kind}; ${r.evidence}]`))))));
  const card = h("article", { class: "card advice", "data-product": a.product }, kids);
  if (a.regimens.length || a.model_informed) {
    // drawn once the card is on the page (its width sets the figure's width), or when opened
    card.dataset.plotPending = open ? "now" : "later";
    card._plot = () => { delete card.dataset.plotPending; return loadPlot(fig, plotBody, a.display_name); };
  }
  return card;
}

function verdictClass(v) {
  return v && v.verdict === "meets" ? "verdict ok" : (v && v.verdict === "borderline" ? "verdict alt" : "verdict bad");
}

function renderCheck(c, a, title, crrtRange, threshold) {
  const mic = `MIC ${num(c.mic_mg_per_l)} mg/L`;
  const basis = a.mic_basis === "user" ? "as entered" : a.mic_basis;
  const rows = c.targets.map((t) => h("tr", {},
    h("th", { scope: "row" }, t.analyte),
    h("td", {}, `${num(t.typical_ft_percent, 3)} %`),
    h("td", {}, `${num(t.typical_first_24h_ft_percent, 3)} %`),
    h("td", {}, `${num(t.required_ft_percent)} % fT>${t.metric === "ft_above_mic" ? "MIC" : `${num(t.threshold_mg_per_l)} mg/L`}`),
    h("td", {}, pct(t.pta_fraction))));
  const typical = c.typical.map((t) => h("li", {},
    `${t.analyte}: CL ${num(t.cl_l_per_h)} L/h`,
    t.extracorporeal_cl_l_per_h ? ` + ${num(t.extracorporeal_cl_l_per_h)} L/h extracorporeal` : "",
    `, V ${num(t.v_l)} L, t½ ${num(t.half_life_h)} h, AUC24 ${num(t.auc24_mg_h_per_l)} mg·h/L, `
    + `Cmax ${num(t.cmax_mg_per_l)} / Cmin ${num(t.cmin_mg_per_l)} mg/L`));
  const grid = c.pta_by_mic.filter((p) => p.mic_mg_per_l <= 64);
  const verdict = c.verdict ? c.verdict.text : `${pct(c.pta_at_mic)} (${c.n_patients} virtual patients)`;
  return h("section", { class: "check" },
    h("h3", {}, title),
    h("p", {}, h("span", { class: "k" }, "Target: "), a.target, ` at ${mic} (${basis})`),
    crrtRange && crrtRange.length ? h("p", { class: "small" }, "Checked at the high-clearance end of the CRRT range (below).") : null,
    h("div", { class: "scroll" }, h("table", {},
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Analyte"), h("th", { scope: "col" }, "Typical fT"),
        h("th", { scope: "col" }, "First 24 h"), h("th", { scope: "col" }, "Needed"), h("th", { scope: "col" }, "Population PTA"))),
      h("tbody", {}, rows))),
    h("p", { class: verdictClass(c.verdict) }, `Joint PTA at ${mic}: ${verdict}`),
    renderCrrtRange(crrtRange),
    renderThreshold(threshold, c.verdict),
    h("ul", { class: "small typical" }, typical),
    h("div", { class: "scroll" }, h("table", { class: "pta-grid small" },
      h("caption", {}, `${a.display_name}: population PTA by MIC, n = ${c.n_patients} (hover a value for its 95 % `
        + "Monte Carlo interval)"),
      h("tbody", {},
        h("tr", {}, h("th", { scope: "row" }, "MIC (mg/L)"), grid.map((p) => h("td", {}, num(p.mic_mg_per_l)))),
        h("tr", {}, h("th", { scope: "row" }, "PTA"), grid.map((p) => h("td", { class: p.pta >= catalogue.pta_goal_fraction ? "ok" : "bad",
          title: `95 % interval ${pct(p.lower_95)}–${pct(p.upper_95)}` }, pct(p.pta))))))),
    renderHdWeek(c.hd_week));
}

function renderCrrtRange(range) {
  if (!range || !range.length) return null;
  return h("div", { class: "scroll" }, h("table", { class: "small crrt-range" },
    h("caption", {}, "CRRT extracorporeal clearance is uncertain (models/crrt.toml): PTA across its range"),
    h("thead", {}, h("tr", {}, ["End of range", "Coefficient", "Delivered", "CL by CRRT (L/h)", "Joint PTA"].map((x) => h("th", { scope: "col" }, x)))),
    h("tbody", {}, range.map((r) => h("tr", {},
      h("th", { scope: "row" }, r.scenario),
      h("td", {}, Object.entries(r.coefficient_fraction).map(([k, v]) => `${k} ${num(v)}`).join(", ")),
      h("td", {}, `${Math.round(100 * r.delivered_fraction)} %`),
      h("td", {}, Object.entries(r.extracorporeal_cl_l_per_h).map(([k, v]) => `${k} ${num(v)}`).join(", ")),
      h("td", { class: verdictClass(r.verdict) }, r.verdict.text))))));
}

function renderThreshold(t, chosen) {
  if (!t) return null;
  const alt = t.verdict_with_alternative;
  const differs = chosen && alt && chosen.verdict !== alt.verdict;
  return h("div", { class: "threshold small" },
    h("p", {}, h("span", { class: "k" }, `${t.analyte} threshold: `),
      `${num(t.chosen_mg_per_l)} mg/L chosen (${t.chosen_source}); alternative ${num(t.alternative_mg_per_l)} mg/L `
      + `(${t.alternative_source}) → joint PTA ${alt.text}`),
    differs ? h("p", { class: "caution" }, "The verdict depends on an unsettled threshold: "
      + `${chosen.verdict} with ${num(t.chosen_mg_per_l)} mg/L, ${alt.verdict} with ${num(t.alternative_mg_per_l)} mg/L. `
      + "No threshold has been established for this combination; pkdose judges it with the stricter one.") : null);
}

function renderHdWeek(week) {
  if (!week || !week.length) return null;
  const sessions = week.filter((w) => w.session).map((w) => w.session);
  const loads = week.filter((w) => w.loading_dose);
  const byDay = {};
  for (const d of week.filter((w) => w.clock)) {
    const [day, clock] = d.clock.split(" ");
    let part = `${d.component} ${grams(d.amount_mg)}`;
    if (d.continuous) part = `${d.component} ${grams(d.maintenance_mg)} as the next 24-h continuous infusion`
      + (d.supplement_mg ? ` + ${grams(d.supplement_mg)} post-HD supplement` : "");
    else if (d.supplement_mg) part += ` (${grams(d.maintenance_mg)} + ${grams(d.supplement_mg)} post-HD supplement)`;
    const slot = `${clock}${d.after_hd ? " after HD" : ""}`;
    ((byDay[day] = byDay[day] || {})[slot] = byDay[day][slot] || []).push(part);
  }
  return h("div", { class: "hd-week small" },
    h("p", {}, h("span", { class: "k" }, "Dialysis sessions: "), sessions.join(", ")),
    loads.length ? h("p", {}, h("span", { class: "k" }, "Start of therapy (once, before the weekly plan): "),
      loads.map((w) => `${w.component} ${grams(w.amount_mg)} loading dose over ${num(w.infusion_h)} h`).join(" + ")) : null,
    h("p", { class: "k" }, "Dose plan for the week (amounts of each product):"),
    Object.entries(byDay).map(([day, slots]) => h("p", {}, h("span", { class: "k" }, `${day} `),
      Object.entries(slots).map(([slot, parts]) => `${slot}: ${parts.join(" + ")}`).join(" | "))));
}

async function loadPlot(fig, body, name) {
  const slot = fig.querySelector(".plot-slot");
  // draw the figure at about the width it is shown, so that its text stays legible
  const widthIn = Math.min(7.6, Math.max(4, (slot.clientWidth || 760) / 96));
  const r = await post(`/api/dose/plot?width_in=${widthIn.toFixed(2)}`, body);
  if (!r.ok) {
    slot.replaceChildren(h("p", { class: "note" }, `No curve: ${r.error.detail}`));
    return;
  }
  const img = h("img", { src: URL.createObjectURL(r.data), alt: `Concentration–time curve of ${name} for this patient` });
  slot.replaceChildren(img);
}

// --- note and card: the same text as `pkdose dose --format note`, the card of `--format card` ----

function renderActions() {
  const status = h("span", { class: "status small", role: "status", "aria-live": "polite" }, "Preparing the note and card…");
  const copy = h("button", { type: "button", class: "action copy", disabled: true, onclick: () => copyNote(copy, status) },
    "Copy note");
  const print = h("button", { type: "button", class: "action print", disabled: true, onclick: () => window.print() },
    "Print card");
  return h("div", { class: "actions" }, copy, print, status);
}

let printed = null; // {note, card_html} of the answer on the page

async function loadPrint(results, body) {
  printed = null;
  const r = await post("/api/dose/print", body);
  const status = $(".actions .status", results);
  if (!r.ok) {
    if (status) status.textContent = `No note or card: ${r.error.detail}`;
    return;
  }
  printed = r.data;
  // the card is the server's HTML (every text escaped there); it is shown only in print
  const doc = new DOMParser().parseFromString(r.data.card_html, "text/html");
  const holder = h("div", { id: "print-card" }, ...Array.from(doc.body.childNodes).map((n) => document.importNode(n, true)));
  const old = document.getElementById("print-card");
  if (old) old.remove();
  results.append(holder);
  fitCard(holder);
  document.body.classList.add("has-card");
  for (const b of $$(".actions button", results)) b.disabled = false;
  if (status) status.textContent = "";
}

// One printed page: shrink the card (down to 80 %) when it is taller than the printable area of US Letter
// with 10-mm margins, measured at the narrower A4 width.
function fitCard(holder) {
  const mm = 96 / 25.4;
  holder.classList.add("measuring");
  holder.style.width = `${Math.round(190 * mm)}px`;
  const height = holder.scrollHeight;
  holder.classList.remove("measuring");
  holder.style.removeProperty("width");
  const zoom = Math.max(0.8, Math.min(1, (11 * 96 - 20 * mm - 4) / height));
  holder.style.setProperty("--card-zoom", String(zoom));
}

async function copyNote(button, status) {
  if (!printed) return;
  try {
    await navigator.clipboard.writeText(printed.note);
  } catch (e) { // no clipboard API (or permission): select a copy of the text for Ctrl+C
    const area = h("textarea", { class: "note-copy", readonly: true, "aria-label": "Note to copy" });
    area.value = printed.note;
    button.parentElement.append(area);
    area.select();
    status.textContent = "Press Ctrl+C (Cmd+C) to copy the selected note.";
    return;
  }
  status.textContent = `Note copied (${printed.note.split("\n").length} lines).`;
}

// Printing opens every folded part (references) and closes it again afterwards.
window.addEventListener("beforeprint", () => {
  for (const d of $$("details:not([open])")) { d.dataset.printOpened = "1"; d.open = true; }
});
window.addEventListener("afterprint", () => {
  for (const d of $$("details[data-print-opened]")) { delete d.dataset.printOpened; d.open = false; }
});

function conditionText(o) {
  const parts = [];
  if (o.severity) parts.push(`${o.severity} infection`);
  if (o.sites) parts.push(`only for: ${o.sites} infection`);
  if (o.excluded_sites) parts.push(`not for: ${o.excluded_sites} infection`);
  if (o.condition) parts.push(o.condition);
  return parts.join("; ");
}

function renderRecommendation(rec, body, shownProduct) {
  if (!rec.options.length) {
    return h("section", { class: "card guidelines" },
      h("h2", { tabindex: "-1" }, `Guideline options: ${rec.mechanism}`),
      h("p", {}, "No guideline option for this mechanism at this infection site and severity. "
        + "Widen the filters under More options."));
  }
  const opts = [...rec.options].sort((x, y) => (x.date < y.date ? 1 : x.date > y.date ? -1 : x.rank - y.rank));
  const groups = [];
  for (const o of opts.filter((x) => x.kind === "guideline")) {
    const g = groups.find((x) => x.guideline === o.guideline);
    if (g) g.rows.push(o); else groups.push({ guideline: o.guideline, date: o.date, rows: [o] });
  }
  const table = h("table", { class: "guidelines-table stack" },
    h("thead", {}, h("tr", {}, ["Guideline", "Rank", "Option", "Grade", "When"].map((c) => h("th", { scope: "col" }, c)))),
    groups.map((g) => h("tbody", {}, g.rows.map((o, i) => h("tr", { class: o.in_pkdose ? "" : "not-modelled" },
      i === 0 ? h("th", { scope: "rowgroup", rowspan: String(g.rows.length) }, g.guideline, h("br"), h("span", { class: "muted small" }, g.date)) : null,
      h("td", { class: "rank", "data-label": "Rank", title: o.co_equal ? "co-equal: not ranked against each other" : "" },
        o.co_equal ? `${o.rank}=` : String(o.rank)),
      h("td", { class: "option" }, o.product, o.in_pkdose ? null : h("span", { class: "muted small" }, " (not modelled)")),
      h("td", { "data-label": "Grade" }, [o.tier, o.strength, o.certainty].filter(Boolean).join(", "),
        o.grade_read === "V2" || o.grade_read === "R"
          ? h("span", { class: "muted small", title: o.grade_read === "V2" ? "grade read in a secondary source only"
            : "grade recalled, not re-read" }, ` [${o.grade_read}]`) : null),
      h("td", { class: "small", "data-label": "When" }, conditionText(o)))))));
  const seeds = opts.filter((x) => x.kind === "ai-summary");
  const seedBlock = seeds.length ? h("div", { class: "ai-summaries" },
    h("h3", {}, "AI-generated summaries — not guidelines"),
    h("p", { class: "small muted" }, "Dr.Oracle pages marked “pending human review”; shown with their dates, without a grade."),
    h("ul", { class: "small" }, seeds.map((o) => h("li", {}, h("strong", {}, `${o.guideline}, updated ${o.date}: `),
      o.product, conditionText(o) ? ` — ${conditionText(o)}` : "", h("br"), h("span", { class: "muted" }, o.note))))) : null;
  const pitfalls = h("ul", { class: "warnings" }, rec.warnings.map((w) => h("li", {}, w.text, " ",
    h("span", { class: "muted small" }, `[${w.citations.map((c) => `${c.source}: ${c.locator}`).join("; ")}]`))));
  const summary = h("table", { class: "summary-table stack" },
    h("thead", {}, h("tr", {}, ["Product", "Why offered", "Regimen for this patient", "PTA at MIC"].map((c) => h("th", { scope: "col" }, c)))),
    h("tbody", {}, rec.advice.map((a) => h("tr", {},
      h("th", { scope: "row" }, a.display_name),
      h("td", { class: "small", "data-label": "Why offered" }, (rec.reasons[a.product] || []).map((l) => h("div", {}, l))),
      h("td", {}, h("div", { class: "small muted" }, a.basis_text),
        a.regimens.length ? a.regimens.map((r) => h("div", {}, h("strong", {}, `${r.component}: `), r.text)) : h("span", { class: "bad" }, "no regimen"),
        a.model_informed ? h("div", { class: "small alt-line" }, h("strong", {}, "Model-informed, not labelled: "),
          a.model_informed.regimens.map((r) => `${r.component}: ${r.text}`).join("; ")) : null),
      h("td", { class: a.pk_check ? `nowrap ${verdictClass(a.pk_check.verdict)}` : "", "data-label": "PTA at MIC" },
        a.pk_check && a.pk_check.verdict ? `${pct(a.pk_check.verdict.pta)} (${a.pk_check.verdict.verdict})` : "–")))));
  const details = rec.advice.filter((a) => a.product !== shownProduct).map((a) => {
    const card = renderAdvice({ ...a, disclaimer: null }, { ...body, drug: a.product }, false);
    const d = h("details", { class: "product" }, h("summary", {}, `Details: ${a.display_name}`), card);
    d.addEventListener("toggle", () => { if (d.open && card.dataset.plotPending) card._plot(); });
    return d;
  });
  return h("section", { class: "card guidelines" },
    h("h2", { tabindex: "-1" }, `Guideline options: ${rec.mechanism}`),
    rec.mechanism_note ? h("p", { class: "note" }, rec.mechanism_note) : null,
    h("p", { class: "muted small" }, "Newest guideline first; grey rows are agents pkdose does not model; "
      + "n= marks co-equal options the guideline does not rank; [V2] grade read in a secondary source only; "
      + "[R] grade recalled, not re-read."),
    h("div", { class: "scroll" }, table),
    seedBlock,
    h("h3", {}, "Doses for this patient"), h("div", { class: "scroll" }, summary),
    details,
    h("h3", {}, "Pitfalls"), pitfalls);
}

document.addEventListener("DOMContentLoaded", () => {
  for (const r of $$("input[name=renal_mode], input[name=rrt]")) r.addEventListener("change", showModes);
  $("#drug").addEventListener("change", showCovariates);
  if (window.pkdoseExtras) window.pkdoseExtras.initHdTiming();
  showModes();
  $("#form").addEventListener("submit", onSubmit);
  $("#tdm-submit").addEventListener("click", onTdm);
  loadCatalogue().catch(() => showError(null, "Could not load the product list from the calculator."));
});
