// photocheck page: sends the photo to the service's own API (/v1/check with ?annotate=LANG,
// /v1/crop for digital photos, /v1/trim for scans) and shows what comes back. No framework, no
// build step, nothing from another server. The photo lives only in this page's memory (the
// File the browser gave us) and in the request; nothing is written to storage.
"use strict";

const TEXT = {
  ja: {
    title: "マイナンバーカード 顔写真チェック", key: "APIキー", choose: "写真を選ぶ",
    camera: "カメラで撮る", kind: "写真の種類",
    kind_online: "デジタル写真（スマホ・写真店のデータ）", kind_booth: "証明写真機",
    kind_mail: "郵送の写真（スキャン）", exception: "申告する例外", exc_none: "なし",
    exc_infant: "乳幼児", exc_head_covering: "宗教上・医療上のかぶり物",
    exc_medical_eyewear: "医療用の眼鏡", exc_eyes_cannot_open: "目を開けられない",
    exc_gaze_unfixed: "視線が定まらない", send: "チェックする",
    caption: "枠と線：顔（緑/赤）・頭頂（水色）・あご（紫）・35×45の切り取り枠（黄）。番号は一覧に対応します。",
    crop: "規格サイズ（縦45×横35mm）に切り取る", download: "切り取った写真を保存",
    trim: "規格サイズに切り取る（スキャンから）",
    col_no: "No.", col_status: "判定", col_rule: "項目", col_measured: "測定値", col_limit: "基準",
    others: "その他の項目", privacy: "写真はこの端末とサーバーのメモリ上でのみ処理され、保存されません。",
    accept: "適合", review: "要確認", reject: "不適合",
    fail: "不適合", warn: "注意", pass: "適合", waived: "免除", not_assessed: "判定不能",
    verdict: "判定", no_file: "写真を選んでください。", checking: "チェック中…",
    cropping: "切り取り中…", done: "完了", all_pass: "すべての項目に適合しています。",
    crop_done: "切り取った写真の判定: ", not_trimmable: "規格サイズに切り取れません: ",
    e401: "APIキーが必要です（または正しくありません）。", e413: "ファイルが大きすぎます。",
    e415: "この形式は送れません。", e422: "入力が正しくありません。",
    e503: "混み合っています。少し待ってからもう一度送ってください。",
    e504: "時間がかかりすぎました。", e_net: "サーバーに接続できません。",
  },
  en: {
    title: "My Number card photo check", key: "API key", choose: "Choose a photo",
    camera: "Take a picture", kind: "Kind of photo",
    kind_online: "Digital photo (phone, studio)", kind_booth: "Photo booth",
    kind_mail: "Mailed print (scan)", exception: "Declared exception", exc_none: "None",
    exc_infant: "Infant", exc_head_covering: "Religious or medical head covering",
    exc_medical_eyewear: "Medical eyewear", exc_eyes_cannot_open: "Eyes cannot open",
    exc_gaze_unfixed: "Gaze cannot be fixed", send: "Check",
    caption: "Face box (green/red), crown (cyan), chin (purple), the 35×45 crop (yellow). Numbers match the list.",
    crop: "Crop to the standard 45×35 mm", download: "Save the cropped photo",
    trim: "Trim the scan to the standard size",
    col_no: "No.", col_status: "Result", col_rule: "Rule", col_measured: "Measured",
    col_limit: "Limit", others: "Other rules",
    privacy: "The photo is processed only in memory, on this device and the server; it is never stored.",
    accept: "accept", review: "review", reject: "reject",
    fail: "fail", warn: "warning", pass: "pass", waived: "waived", not_assessed: "not assessed",
    verdict: "Verdict", no_file: "Choose a photo first.", checking: "Checking…",
    cropping: "Cropping…", done: "Done", all_pass: "Every rule passed.",
    crop_done: "Verdict of the cropped photo: ", not_trimmable: "Cannot be cut to the standard: ",
    e401: "An API key is required (or the key is wrong).", e413: "The file is too large.",
    e415: "This kind of file cannot be sent.", e422: "Bad input.",
    e503: "All workers are busy; send it again in a moment.", e504: "The check took too long.",
    e_net: "Cannot reach the server.",
  },
};
const LANGS = ["ja", "en"];
const ORDER = { fail: 0, warn: 1, waived: 2, not_assessed: 3, pass: 4 };

const state = { lang: "ja", file: null, report: null, images: {}, cropUrl: null, sent: null };
const $ = (id) => document.getElementById(id);
const t = (key) => TEXT[state.lang][key] ?? TEXT.en[key] ?? key;

function applyLanguage(lang) {
  state.lang = LANGS.includes(lang) ? lang : "ja";
  document.documentElement.lang = state.lang;
  document.title = t("title");
  for (const el of document.querySelectorAll("[data-t]")) el.textContent = t(el.dataset.t);
  for (const b of document.querySelectorAll(".lang button")) {
    b.setAttribute("aria-pressed", String(b.dataset.lang === state.lang));
  }
  if (state.report) {
    renderReport();
    if (state.images[state.lang]) showImage(); else check(true);
  }
}

function setStatus(text, kind = "") {
  const el = $("status");
  el.textContent = text;
  el.className = kind;
}

function headers() {
  const key = $("key").value.trim();
  if (key) sessionStorage.setItem("photocheck-key", key);
  return key ? { Authorization: `Bearer ${key}` } : {};
}

function form() {
  const body = new FormData();
  body.append("photo", state.file, state.file.name || "photo.jpg");
  body.append("profile", $("kind").value);
  if ($("exception").value) body.append("exception", $("exception").value);
  return body;
}

async function errorText(response) {
  let detail = "";
  try {
    const body = await response.json();
    detail = typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail ?? "");
  } catch (e) { /* not JSON */ }
  const known = t(`e${response.status}`);
  const lead = known.startsWith("e") ? "" : known + " ";
  return `${lead}(HTTP ${response.status}${detail ? ": " + detail : ""})`;
}

async function check(languageOnly = false) {
  if (!state.file) { setStatus(t("no_file"), "error"); return; }
  const lang = state.lang;
  setStatus(t("checking"), "busy");
  $("send").disabled = true;
  try {
    const response = await fetch(`v1/check?annotate=${lang}`, {
      method: "POST", headers: headers(), body: form(),
    });
    if (!response.ok) {
      setStatus(await errorText(response), "error");
      if (!languageOnly) $("result").hidden = true;
      return;
    }
    const report = await response.json();
    const image = report.annotation;
    delete report.annotation;
    if (!languageOnly) {
      state.images = {};
      resetCrop();
    }
    state.report = report;
    state.sent = $("kind").value;
    if (image && image.base64) state.images[image.lang] = `data:${image.media_type};base64,${image.base64}`;
    renderReport();
    showImage();
    $("result").hidden = false;
    setStatus(t("done"), "ok");
  } catch (e) {
    setStatus(`${t("e_net")} (${e.message})`, "error");
  } finally {
    $("send").disabled = false;
  }
}

function showImage() {
  const img = $("annotated");
  const src = state.images[state.lang] || Object.values(state.images)[0];
  if (src) img.src = src;
  img.alt = `${t("verdict")}: ${t(state.report.verdict)}`;
}

function fmt(value) {
  if (value === null || value === undefined) return "–";
  if (typeof value === "number") {
    return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(3)));
  }
  if (Array.isArray(value)) return value.map(fmt).join(" / ");
  if (typeof value === "object") {
    return Object.entries(value)
      .filter(([, v]) => !Array.isArray(v) || v.length <= 4)
      .map(([k, v]) => `${k} ${fmt(v)}`).join(", ");
  }
  return String(value);
}

function row(f, number) {
  const tr = document.createElement("tr");
  tr.className = f.status;
  const unit = f.unit && typeof f.measured === "number" ? ` ${f.unit}` : "";
  const cells = [
    number ?? "",
    t(f.status),
    null,
    fmt(f.measured) + unit,
    f.limit_text || "–",  // the limit as the message gives it (photocheck.messages.limit_text)
  ];
  cells.forEach((text, i) => {
    const td = document.createElement("td");
    td.dataset.col = ["col_no", "col_status", "col_rule", "col_measured", "col_limit"][i];
    td.dataset.label = t(td.dataset.col);
    if (i === 2) {
      const msg = document.createElement("span");
      msg.textContent = (f.message && (f.message[state.lang] || f.message.en)) || f.code;
      const code = document.createElement("code");
      code.textContent = f.code;
      td.append(msg, document.createElement("br"), code);
    } else {
      td.textContent = text;
    }
    tr.append(td);
  });
  return tr;
}

function renderReport() {
  const report = state.report;
  const verdict = $("verdict");
  verdict.textContent = `${t("verdict")}: ${t(report.verdict)}`;
  verdict.className = `verdict ${report.verdict}`;
  // the numbers of the picture: failing rules first, then warnings (photocheck.annotate)
  const flagged = report.findings.filter((f) => f.status === "fail")
    .concat(report.findings.filter((f) => f.status === "warn"));
  const body = $("rules").tBodies[0];
  body.replaceChildren(...flagged.map((f, i) => row(f, i + 1)));
  if (!flagged.length) {
    const tr = document.createElement("tr");
    const td = document.createElement("td");
    td.colSpan = 5;
    td.textContent = t("all_pass");
    tr.append(td);
    body.append(tr);
  }
  const others = report.findings.filter((f) => f.status !== "fail" && f.status !== "warn")
    .sort((a, b) => ORDER[a.status] - ORDER[b.status]);
  $("others").querySelector("tbody").replaceChildren(...others.map((f) => row(f)));
  const scan = state.sent === "mail";
  const trimmable = scan || Boolean(report.crop && report.crop.trimmable);
  $("crop-row").hidden = !trimmable;
  $("crop").textContent = t(scan ? "trim" : "crop");
}

function resetCrop() {
  if (state.cropUrl) URL.revokeObjectURL(state.cropUrl);
  state.cropUrl = null;
  $("crop-link").hidden = true;
  $("crop-preview").hidden = true;
  $("crop-note").textContent = "";
}

async function cropPhoto() {
  resetCrop();
  const scan = state.sent === "mail";
  setStatus(t("cropping"), "busy");
  try {
    const url = scan ? "v1/trim" : "v1/crop";
    const body = form();
    if (scan) body.delete("profile"); // /v1/trim always uses the mail profile
    const response = await fetch(url, { method: "POST", headers: headers(), body });
    const type = response.headers.get("content-type") || "";
    if (response.ok && type.startsWith("image/jpeg")) {
      const blob = await response.blob();
      state.cropUrl = URL.createObjectURL(blob);
      const link = $("crop-link");
      link.href = state.cropUrl;
      const stem = (state.file.name || "photo").replace(/\.[^.]*$/, "");
      link.download = `${stem}_45x35.jpg`;
      link.hidden = false;
      const preview = $("crop-preview");
      preview.src = state.cropUrl;
      preview.hidden = false;
      const verdict = response.headers.get("x-photocheck-verdict") || "";
      const failing = response.headers.get("x-photocheck-failing") || "";
      $("crop-note").textContent = `${t("crop_done")}${t(verdict)}${failing ? ` (${failing.split(",").join(", ")})` : ""}`;
      setStatus(t("done"), "ok");
    } else if (response.status === 422 && type.includes("json")) {
      const report = await response.json();
      const reason = report.findings.filter((f) => f.status === "fail")
        .map((f) => (f.message && f.message[state.lang]) || f.code).join(" ");
      $("crop-note").textContent = t("not_trimmable") + reason;
      setStatus("", "");
    } else {
      setStatus(await errorText(response), "error");
    }
  } catch (e) {
    setStatus(`${t("e_net")} (${e.message})`, "error");
  }
}

function pick(event) {
  const file = event.target.files && event.target.files[0];
  if (!file) return;
  state.file = file;
  $("file-name").textContent = `${file.name} (${Math.round(file.size / 1024)} KB)`;
  event.target.value = ""; // the same file can be picked again; the page keeps the File
}

async function init() {
  const asked = new URLSearchParams(location.search).get("lang");
  applyLanguage(asked || "ja");
  $("key").value = sessionStorage.getItem("photocheck-key") || "";
  for (const b of document.querySelectorAll(".lang button")) {
    b.addEventListener("click", () => applyLanguage(b.dataset.lang));
  }
  $("photo").addEventListener("change", pick);
  $("camera").addEventListener("change", pick);
  $("form").addEventListener("submit", (e) => { e.preventDefault(); check(); });
  $("crop").addEventListener("click", cropPhoto);
  try {
    const health = await (await fetch("healthz")).json();
    if (health.auth === "disabled") $("key-row").hidden = true;
  } catch (e) { /* the key field stays */ }
  document.body.dataset.ready = "1";
}

document.addEventListener("DOMContentLoaded", init);
