// PaNET technique browser: the one script of the pages served at / by `panet serve`.
// Plain JavaScript over the REST routes (/search, /annotate, /annotate/records) and the
// server-rendered tree fragments (/browse/ID/children); nothing is loaded from elsewhere.

const root = document.body.dataset.root || "";

/** An element with attributes and children (strings become text, never HTML). */
function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

/** The JSON body of a response; a problem+json body becomes an Error with its detail. */
async function json(response) {
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.detail || body.title || `HTTP ${response.status}`);
  return body;
}

const termLink = (id, label, kind) => el("a", { href: `${root}/browse/${id}`, class: kind }, label);

// -- search box: a combobox with a listbox of suggestions (WAI-ARIA combobox pattern) -----------
function setUpSearch() {
  const input = document.getElementById("q");
  const list = document.getElementById("suggestions");
  const status = document.getElementById("search-status");
  if (!input) return;
  let options = [];
  let active = -1;
  let timer = 0;
  let asked = 0;

  const close = () => {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  };

  const choose = (index) => {
    options.forEach((option, i) => option.setAttribute("aria-selected", String(i === index)));
    active = index;
    if (index < 0) return input.removeAttribute("aria-activedescendant");
    input.setAttribute("aria-activedescendant", options[index].id);
    options[index].scrollIntoView({ block: "nearest" });
  };

  const open = (index) => {
    window.location.href = `${root}/browse/${options[index].dataset.id}`;
  };

  const render = (q, hits) => {
    // techniques first, then specifiers, each in the search's rank order
    const groups = [
      ["Techniques", hits.filter((hit) => hit.kind === "technique")],
      ["Specifiers", hits.filter((hit) => hit.kind !== "technique")],
    ];
    list.replaceChildren();
    list.dataset.query = q; // what the suggestions are for
    options = [];
    for (const [title, members] of groups) {
      if (!members.length) continue;
      list.append(el("li", { role: "presentation", class: "group" }, title));
      for (const hit of members) {
        const option = el(
          "li",
          { role: "option", id: `suggestion-${options.length}`, "aria-selected": "false", "data-id": hit.id },
          el("span", { class: hit.kind }, hit.label),
          el("span", { class: "id" }, hit.id),
        );
        if (hit.field !== "label") option.append(el("span", { class: "via" }, `${hit.field}: ${hit.matched}`));
        const index = options.length;
        option.addEventListener("mousedown", (event) => event.preventDefault()); // keep focus in the box
        option.addEventListener("click", () => open(index));
        options.push(option);
        list.append(option);
      }
    }
    const [techniques, specifiers] = groups.map(([, members]) => members.length);
    status.textContent = options.length
      ? `${techniques} techniques and ${specifiers} specifiers suggested`
      : "No term matches";
    list.hidden = !options.length;
    input.setAttribute("aria-expanded", String(options.length > 0));
    active = -1;
  };

  const suggest = async () => {
    const q = input.value.trim();
    const mine = ++asked;
    if (!q) return close();
    try {
      const { hits } = await json(await fetch(`${root}/search?${new URLSearchParams({ q, limit: 12 })}`));
      if (mine === asked) render(q, hits);
    } catch (error) {
      status.textContent = `Search failed: ${error.message}`;
    }
  };

  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(suggest, 100);
  });
  input.addEventListener("keydown", (event) => {
    const shown = !list.hidden && options.length > 0;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!shown) return void suggest();
      const last = options.length - 1;
      if (event.key === "ArrowDown") choose(active >= last ? 0 : active + 1);
      else choose(active <= 0 ? last : active - 1);
    } else if (event.key === "Enter" && shown && active >= 0) {
      event.preventDefault();
      open(active);
    } else if (event.key === "Escape" && shown) {
      event.preventDefault(); // a second Escape clears the box, as search boxes do
      close();
    }
  });
  input.addEventListener("blur", close);
}

// -- tree: disclosure buttons; children not rendered yet come from the server as HTML -----------
function setUpTree() {
  document.addEventListener("click", async (event) => {
    const button = event.target.closest("button.toggle");
    if (!button) return;
    const item = button.parentElement;
    const expanded = button.getAttribute("aria-expanded") === "true";
    let children = item.querySelector(":scope > ul");
    if (!expanded && !children) {
      const response = await fetch(`${root}/browse/${item.dataset.id}/children`);
      if (!response.ok) return;
      item.insertAdjacentHTML("beforeend", await response.text());
      children = item.querySelector(":scope > ul");
    }
    children.hidden = expanded;
    button.setAttribute("aria-expanded", String(!expanded));
  });
}

/** On a term page, scroll the tree (a scroll box beside the term on wide screens) to the term. */
function showCurrent() {
  const current = document.querySelector(".layout > .tree a[aria-current]");
  const box = current?.closest(".tree");
  if (box && box.scrollHeight > box.clientHeight) box.scrollTop = current.offsetTop - box.clientHeight / 3;
}

// -- copy buttons: data-copy names the element whose text is copied ----------------------------
function setUpCopy() {
  for (const button of document.querySelectorAll("button.copy")) {
    const label = button.textContent;
    button.addEventListener("click", async () => {
      const text = document.getElementById(button.dataset.copy).textContent;
      try {
        await navigator.clipboard.writeText(text);
        button.textContent = "Copied";
      } catch {
        // no clipboard access (plain http on another host): select the text for Ctrl+C
        getSelection().selectAllChildren(document.getElementById(button.dataset.copy));
        button.textContent = "Selected: press Ctrl+C";
      }
      setTimeout(() => (button.textContent = label), 2000);
    });
  }
}

// -- annotate box ---------------------------------------------------------------------------------
/** The text with each found span marked and linked to its term. Offsets count code points. */
function highlighted(text, annotations) {
  const chars = Array.from(text);
  const paragraph = el("p", { id: "annotated" });
  let at = 0;
  for (const found of [...annotations].sort((a, b) => a.start - b.start || b.end - a.end)) {
    if (found.start < at) continue; // overlapping matches (an option) are listed in the table only
    paragraph.append(chars.slice(at, found.start).join(""));
    const link = el(
      "a",
      { href: `${root}/browse/${found.id}`, title: `${found.label} (${found.id}), ${found.match_type} match` },
      chars.slice(found.start, found.end).join(""),
    );
    paragraph.append(el("mark", { "data-id": found.id }, link, el("span", { class: "type" }, found.match_type)));
    at = found.end;
  }
  paragraph.append(chars.slice(at).join(""));
  return paragraph;
}

function annotationTable(annotations) {
  const table = el(
    "table",
    { id: "annotations" },
    el("caption", {}, `${annotations.length} term${annotations.length === 1 ? "" : "s"} found`),
    el("thead", {}, el("tr", {}, ...["text", "term", "ID", "match type", "score"].map((h) => el("th", { scope: "col" }, h)))),
  );
  const body = el("tbody");
  for (const a of annotations) {
    body.append(
      el(
        "tr",
        {},
        el("td", {}, a.text),
        el("td", {}, termLink(a.id, a.label, a.kind)),
        el("td", {}, a.id),
        el("td", {}, a.match_type),
        el("td", {}, a.score.toFixed(2)),
      ),
    );
  }
  table.append(body);
  return el("div", { class: "scroll" }, table);
}

function setUpAnnotate() {
  const form = document.getElementById("annotate-form");
  if (!form) return;
  const result = document.getElementById("annotate-result");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = form.elements.text.value;
    const request = {
      text,
      kinds: form.elements.specifiers.checked ? ["technique", "specifier"] : ["technique"],
      fuzzy: form.elements.fuzzy.checked,
    };
    try {
      const response = await fetch(`${root}/annotate`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(request),
      });
      const { annotations } = await json(response);
      result.replaceChildren(highlighted(text, annotations), annotationTable(annotations));
    } catch (error) {
      result.replaceChildren(el("p", { class: "error" }, `Could not annotate: ${error.message}`));
    }
  });
}

// -- record files: dropped or chosen, annotated by the service, offered for download -------------
async function annotateFile(file, result) {
  const text = await file.text();
  const lines = !text.trimStart().startsWith("[");
  result.replaceChildren(el("p", {}, `Annotating ${file.name}…`));
  try {
    const response = await fetch(`${root}/annotate/records`, {
      method: "POST",
      headers: { "content-type": lines ? "application/x-ndjson" : "application/json" },
      body: text,
    });
    const { summary, records, rejects, report } = await json(response);
    const output = lines
      ? records.map((record) => JSON.stringify(record)).join("\n") + "\n"
      : JSON.stringify(records, null, 2) + "\n";
    const name = file.name.replace(/(\.jsonl|\.ndjson|\.json)?$/i, lines ? ".annotated.jsonl" : ".annotated.json");
    const url = URL.createObjectURL(new Blob([output], { type: lines ? "application/x-ndjson" : "application/json" }));
    const preview = el("ul", { id: "records-preview" });
    for (const record of records.slice(0, 20)) {
      const techniques = record.techniques || record.panet_techniques || [];
      const title = record.title || record.datasetName || record.pid || "(untitled)";
      preview.append(el("li", {}, `${title}: `, techniques.map((t) => t.name).join(", ") || "no technique"));
    }
    result.replaceChildren(
      el(
        "p",
        { id: "records-summary" },
        `${file.name}: ${summary.read} read, ${summary.annotated} annotated, ${summary.unchanged} unchanged, ` +
          `${summary.rejected} rejected; ${summary.added} techniques added, ${summary.corrected} corrected` +
          (report.length ? `; ${report.length} technique entries reported.` : "."),
      ),
      el("p", {}, el("a", { href: url, download: name, id: "records-download" }, `Download ${name}`)),
      preview,
    );
    if (rejects.length) {
      const list = el("ul", { class: "error" });
      for (const reject of rejects) list.append(el("li", {}, `record ${reject.record}: ${reject.reason}`));
      result.append(el("h3", {}, "Rejected records"), list);
    }
    if (report.length) {
      // entries whose pid and name denote different techniques, or that contradict their record
      const list = el("ul", { id: "records-report" });
      for (const entry of report) {
        const who = entry.id ? `record ${entry.record} (${entry.id})` : `record ${entry.record}`;
        const kept = entry.kept ? ` Kept: ${entry.kept.label}.` : "";
        list.append(el("li", {}, `${who}, entry ${JSON.stringify(entry.entry.name ?? entry.entry.pid)}: ${entry.reason}${kept}`));
      }
      result.append(el("h3", {}, "Technique entries reported"), list);
    }
  } catch (error) {
    result.replaceChildren(el("p", { class: "error" }, `Could not annotate ${file.name}: ${error.message}`));
  }
}

function setUpRecords() {
  const zone = document.getElementById("dropzone");
  if (!zone) return;
  const input = document.getElementById("records-file");
  const result = document.getElementById("records-result");
  input.addEventListener("change", () => input.files.length && annotateFile(input.files[0], result));
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("over");
    if (event.dataTransfer.files.length) annotateFile(event.dataTransfer.files[0], result);
  });
}

setUpSearch();
setUpTree();
showCurrent();
setUpCopy();
setUpAnnotate();
setUpRecords();
