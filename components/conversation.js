// The sparring conversation: draws the view `closergym.conversation.view` builds, and sends answers.
//
// An answer goes straight to the turn endpoint (closergym/web.py) when the page has one: one POST, and
// the graded answer and the prospect's reply are drawn from its answer without a Streamlit rerun. When
// there is no endpoint (or it turns the answer away as stale), the answer goes through Streamlit
// instead (`setTriggerValue("answer", ...)`), which reruns the conversation's fragment with the new view.
// When the server goes away with an answer (a restart), the page says so at once, keeps the answer in the box
// (and in the tab's sessionStorage) and draws itself afresh once the server is back (`reconnect`, `restore`).
//
// Every text from the trainee, the prospect or an LLM is set with `textContent`: nothing is parsed as
// HTML or Markdown, so a typed <script> or **stars** show exactly as typed. Every word around them comes
// from the page (`data.text`).

const h = (tag, className, text) => {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
};
const hidden = (text) => h("span", "cg-sr", text);  // read by screen readers, not shown
const quoted = (phrases, joiner) => phrases.map((p) => `“${p}”`).join(joiner);
const SENDING_NOTE_AFTER_MS = 300;
// A paste can hold half of an emoji (a lone surrogate), which no JSON parser on the server accepts.
const wellFormed = (text) => (text.toWellFormed ? text.toWellFormed() : text);  // a reply quicker than this needs no "sending" state
const COUNT_FROM = 1600;  // the character count shows from here on
const PENDING = "closergym.pending";  // an answer on its way, kept in this tab until its fate is known

// The answer in flight, kept in the tab's sessionStorage: a page drawn afresh (after a reload, or a server
// restart that lost the Streamlit session) puts it back in the box instead of losing it.
function remember(pending) {
  try { sessionStorage.setItem(PENDING, JSON.stringify(pending)); } catch (error) { /* storage off: memory only */ }
}
function forget() {
  try { sessionStorage.removeItem(PENDING); } catch (error) { /* nothing kept */ }
}
function remembered() {
  try { return JSON.parse(sessionStorage.getItem(PENDING) || "null"); } catch (error) { return null; }
}
const answers = (view) => view.messages.filter((m) => m.who === "rep" && !m.sending).length;
const RECONNECT_EVERY_MS = 1000;  // how often a page that lost the server asks whether it is back
const RECONNECT_FOR_MS = 10 * 60 * 1000;
const RELOADED = "closergym.reloaded";  // when this tab last reloaded to find the server again
const RELOAD_GRACE_MS = 60 * 1000;  // the endpoint failing again so soon after: it is the path, not the server
function reloadedLately() {
  try { return Date.now() - Number(sessionStorage.getItem(RELOADED) || 0) < RELOAD_GRACE_MS; } catch (error) { return false; }
}

function scorecard(card, text) {
  const box = h("div", "cg-card");
  box.append(h("span", `cg-badge cg-${card.tier}`, card.badge));
  const list = h("ul", "cg-moves");
  for (const move of card.moves) {
    const item = h("li");
    const dots = h("span", "cg-dots", "●".repeat(move.points) + "○".repeat(2 - move.points));
    dots.setAttribute("aria-hidden", "true");
    item.append(h("strong", null, move.label), " ", dots, hidden(`${move.points} / 2.`));
    if (move.note) item.append(" ", move.note);
    if (move.phrases.length) item.append(h("div", "cg-quote", quoted(move.phrases, " · ")));
    list.append(item);
  }
  for (const flag of card.flags) {
    const item = h("li", "cg-flag");
    item.append("🚩 ", h("strong", null, flag.label),
                flag.phrases.length ? `: ${quoted(flag.phrases, ", ")}` : "", ` · ${flag.cap}`);
    list.append(item);
  }
  box.append(list);
  for (const note of card.notes) box.append(h("p", "cg-note", note));
  const fb = card.feedback;
  if (fb) {
    box.append(h("hr"));
    for (const [title, items] of [[text.keep, fb.keep], [text.start, fb.start], [text.stop, fb.stop]]) {
      if (!items.length) continue;
      box.append(h("strong", "cg-title", title));
      const ul = h("ul");
      for (const line of items) ul.append(h("li", null, line));
      box.append(ul);
    }
    if (fb.better) {
      box.append(h("strong", "cg-title", fb.better.title));
      box.append(h("blockquote", "cg-better", `💡 ${fb.better.text}`));
      box.append(h("p", "cg-note", fb.better.why));
    } else if (fb.note) {
      box.append(h("p", "cg-note", fb.note));
    }
  }
  return box;
}

function message(msg, text) {
  const node = h("div", `cg-msg cg-${msg.who}`);
  node.dataset.testid = "cgMessage";
  node.dataset.who = msg.who;
  const avatar = h("div", "cg-avatar", msg.who === "rep" ? "🥊" : "🧑‍💼");
  avatar.setAttribute("aria-hidden", "true");
  const body = h("div", "cg-body");
  body.append(hidden(msg.who === "rep" ? text.you : text.prospect));
  if (msg.label) body.append(h("div", "cg-label", msg.label));
  const said = h("p", "cg-text", msg.text);
  if (msg.pending) said.classList.add("cg-pending");
  body.append(said);
  if (msg.card) body.append(scorecard(msg.card, text));
  if (msg.sending) body.append(h("p", "cg-note cg-sending", text.grading));
  node.append(avatar, body);
  return node;
}

function report(rep, text) {
  const box = h("section", "cg-report");
  box.setAttribute("aria-label", text.report);
  const title = h("h3", null, text.report);
  title.tabIndex = -1;
  box.append(title);
  const outcome = h("p");
  outcome.append(h("strong", null, `${text.outcome}: ${rep.outcome}`), ` ${rep.meaning}`);
  box.append(outcome);
  const rounds = h("p");
  rounds.append(h("strong", null, `${text.rounds}:`));
  for (const r of rep.rounds) rounds.append(" ", h("span", "cg-round", `${r.number}.`), h("span", `cg-badge cg-${r.tier}`, r.badge));
  box.append(rounds);
  if (rep.best) {
    box.append(h("strong", "cg-title", `${text.best} (${rep.best.tier})`));
    box.append(h("blockquote", "cg-better", `⭐ ${rep.best.line}`));
  }
  if (rep.work_on) {
    const p = h("p");
    p.append(h("strong", null, `${text.work_on}:`), ` ${rep.work_on}`);
    box.append(p);
  }
  if (rep.advice) box.append(h("p", null, rep.advice));
  if (rep.steps) {
    box.append(h("strong", "cg-title", text.steps));
    const ul = h("ul", "cg-steps");
    for (const step of rep.steps) {
      const mark = h("span", null, step.shown ? "✅" : "⬜");
      mark.setAttribute("aria-hidden", "true");
      ul.append(h("li"));
      ul.lastChild.append(mark, " ", hidden(step.shown ? text.step_done : text.step_missing), step.label);
    }
    box.append(ul);
  }
  return box;
}

// Draw only what changed: each message keeps the JSON it was drawn from.
function drawMessages(log, messages, text) {
  messages.forEach((msg, index) => {
    const key = JSON.stringify(msg);
    const old = log.children[index];
    if (old && old.dataset.key === key) return;
    const node = message(msg, text);
    node.dataset.key = key;
    if (old) old.replaceWith(node); else log.append(node);
  });
  while (log.children.length > messages.length) log.lastChild.remove();
}

function button(ui, name, className) {
  const node = h("button", `cg-action ${className || ""} cg-${name}`, ui.data.text.actions[name]);
  node.type = "button";
  node.dataset.action = name;
  node.addEventListener("click", () => act(ui, name, node));
  return node;
}

// "End this session" asks once more (it sits above the answer box: a slip of the finger is easy).
function act(ui, name, node) {
  if (name === "end" && !(node.dataset.armed && Date.now() - node.dataset.armed > 500)) {
    if (node.dataset.armed) return;  // the second click of a double-click is not a second thought
    node.dataset.armed = Date.now();
    node.textContent = ui.data.text.actions.end_confirm;
    setTimeout(() => {
      delete node.dataset.armed;
      node.textContent = ui.data.text.actions.end;
    }, 4000);
    return;
  }
  if (ui.busy) return;
  ui.trigger("action", name);
}

function setup(root) {
  const ui = { root };
  ui.log = h("section", "cg-log");
  ui.report = h("div");
  ui.actions = h("div", "cg-actions");
  ui.dock = h("div", "cg-dock");  // sticks to the bottom of the screen: what to answer, and the box
  ui.current = h("button", "cg-current");
  ui.current.type = "button";
  ui.current.setAttribute("aria-hidden", "true");  // the same line is in the conversation, for screen readers
  ui.current.tabIndex = -1;
  ui.current.addEventListener("click", () => ui.prospectNode && ui.prospectNode.scrollIntoView({ block: "center" }));
  ui.status = h("div", "cg-status");
  ui.status.setAttribute("role", "status");
  ui.problem = h("div", "cg-problem");
  ui.problem.setAttribute("role", "alert");
  ui.form = h("form", "cg-answer");
  ui.box = h("textarea");
  ui.box.rows = 1;
  ui.box.dataset.testid = "cgAnswer";
  ui.box.setAttribute("enterkeyhint", "send");
  ui.send = h("button", "cg-send", "➤");
  ui.send.type = "submit";
  ui.count = h("div", "cg-count");
  ui.count.id = "cg-count";
  ui.box.setAttribute("aria-describedby", "cg-count");  // read with the box, not announced at every key
  const row = h("div", "cg-row");
  row.append(ui.box, ui.send);
  ui.form.append(row, ui.count);
  ui.end = h("div", "cg-end-bar");
  ui.dock.append(ui.current, ui.status, ui.problem, ui.form, ui.end);
  ui.announce = h("div", "cg-sr");
  ui.announce.setAttribute("aria-live", "polite");
  root.append(ui.log, ui.report, ui.actions, ui.dock, ui.announce);

  ui.box.addEventListener("input", () => {
    ui.box.style.height = "auto";
    ui.box.style.height = `${ui.box.scrollHeight}px`;  // the stylesheet caps it
    ui.problem.textContent = "";
    refreshBox(ui);
  });
  ui.box.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      ui.form.requestSubmit();
    }
  });
  ui.form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!ui.busy && ui.box.value.trim()) submit(ui, ui.box.value);
  });
  // Keep the line-to-answer's watch in step with the dock's height (the dock covers the screen's bottom).
  new ResizeObserver(() => watchLatest(ui)).observe(ui.dock);
  return ui;
}

// The line to answer shows in the dock only while it is not on the screen above the dock. The dock's own
// copy of the line does not count in its height: it would hide itself by covering the line.
function watchLatest(ui) {
  const covered = Math.round(ui.dock.offsetHeight - (ui.current.classList.contains("cg-seen") ? 0 : ui.current.offsetHeight));
  const key = `${covered}:${ui.prospectNode && ui.prospectNode.dataset.key}`;
  if (ui.watch && ui.watchKey === key) return;
  if (ui.watch) ui.watch.disconnect();
  ui.watchKey = key;
  ui.watch = new IntersectionObserver((entries) => {
    for (const entry of entries) ui.current.classList.toggle("cg-seen", entry.isIntersecting);
  }, { threshold: 0.9, rootMargin: `0px 0px -${Math.max(0, covered)}px 0px` });
  if (ui.prospectNode) ui.watch.observe(ui.prospectNode);
}

function refreshBox(ui) {
  const limit = ui.data.limit;
  const length = ui.box.value.length;
  ui.count.textContent = length >= COUNT_FROM ? ui.data.text.count.replace("{n}", length.toLocaleString("en"))
    .replace("{limit}", limit.toLocaleString("en")) : "";
  ui.count.classList.toggle("cg-over", length > limit);
  ui.send.disabled = ui.busy || !ui.box.value.trim();
}

function busy(ui, on) {
  ui.busy = on;
  ui.box.readOnly = on;
  ui.form.setAttribute("aria-busy", on ? "true" : "false");
  clearTimeout(ui.sendingTimer);
  ui.log.querySelectorAll(".cg-sent").forEach((node) => node.remove());
  if (on) {
    const answer = ui.box.value;
    ui.status.textContent = ui.data.waiting || "";
    // A slow reply (a slow network, an LLM judge) shows the answer as sent, being graded.
    ui.sendingTimer = setTimeout(() => {
      const node = message({ who: "rep", text: answer, sending: true }, ui.data.text);
      node.classList.add("cg-sent");
      ui.log.append(node);
      node.scrollIntoView({ block: "nearest" });
    }, SENDING_NOTE_AFTER_MS);
  }
  ui.actions.querySelectorAll("button").forEach((node) => { node.disabled = on; });
  refreshBox(ui);
}

function say(ui, lines) {
  ui.status.replaceChildren(...(lines || []).map((line) => h("p", "cg-notice", `⚠️ ${line}`)));
}

// The graded answer at the top of the screen: on a phone it would land above it, under the next line.
function bringUp(ui) {
  const answers = ui.log.querySelectorAll(".cg-rep:not(.cg-sent)");
  const newest = answers[answers.length - 1];
  if (newest) newest.scrollIntoView({ block: "start" });
}

function draw(ui, view) {
  const text = ui.data.text;
  const fresh = ui.view && ui.view.session !== view.session;  // "Drill it again" drew a new session
  ui.view = view;
  drawMessages(ui.log, view.messages, text);
  const reportKey = JSON.stringify(view.report);
  if (ui.report.dataset.key !== reportKey) {
    ui.report.dataset.key = reportKey;
    ui.report.replaceChildren(...(view.report ? [report(view.report, text)] : []));
  }
  const mode = view.active ? "active" : "over";
  if (ui.actions.dataset.key !== mode) {
    ui.actions.dataset.key = mode;
    ui.actions.replaceChildren(...(view.active ? [button(ui, "end", "cg-quiet")] : []));
    ui.end.replaceChildren(...(view.active ? [] : [
      h("p", "cg-outcome", view.report ? `${text.over} ${view.report.outcome}` : ""),
      button(ui, "again"), button(ui, "other")]));
  }
  ui.form.hidden = !view.active;
  ui.end.hidden = view.active;
  // What the prospect said last: the line an answer goes to.
  const prospects = ui.log.querySelectorAll(".cg-prospect");
  ui.prospectNode = prospects[prospects.length - 1];
  watchLatest(ui);
  const last = view.messages.filter((m) => m.who === "prospect").pop();
  ui.current.hidden = !view.active || !last;
  ui.current.replaceChildren(h("span", "cg-label", last && last.label ? last.label : text.prospect),
                             h("span", "cg-current-text", last ? `“${last.text}”` : ""));
  if (fresh && view.active) ui.box.focus({ preventScroll: true });
}

function failed(ui, message) {
  clearTimeout(ui.watchdog);
  ui.inFlight = null;
  forget();
  busy(ui, false);
  ui.status.textContent = "";
  ui.problem.textContent = message;
  ui.box.focus({ preventScroll: true });
}

function answered(ui, view, notices, kept) {
  const wasActive = ui.view.active;
  clearTimeout(ui.watchdog);
  ui.inFlight = null;
  forget();
  busy(ui, false);
  if (!kept) {
    ui.box.value = "";
    ui.box.style.height = "auto";
  }
  ui.problem.textContent = "";
  draw(ui, view);
  say(ui, notices);
  refreshBox(ui);
  if (kept) return ui.box.focus({ preventScroll: true });
  bringUp(ui);
  const graded = view.messages.filter((m) => m.card).pop();
  const reply = view.messages[view.messages.length - 1];
  const summary = [graded ? `${graded.card.badge}.` : "", reply && reply.who === "prospect" ? `${ui.data.text.prospect} ${reply.text}` : ""];
  if (view.active) {
    ui.box.focus({ preventScroll: true });
  } else if (wasActive && view.report) {
    summary.push(`${ui.data.text.over} ${view.report.outcome}.`);
    const again = ui.end.querySelector("button");
    if (again) again.focus({ preventScroll: true });
  }
  ui.announce.textContent = summary.join(" ");
}

function handle(ui, event) {
  if (event.type === "error") return failed(ui, event.message);
  if (event.type === "graded") {
    ui.graded = true;  // the answer is saved: it must not be sent again, whatever happens to this reply
    ui.status.textContent = "";  // the judge has spoken; the prospect's reply streams in below
    clearTimeout(ui.sendingTimer);
    ui.box.value = "";
    ui.box.style.height = "auto";
    ui.log.querySelectorAll(".cg-sent").forEach((node) => node.remove());
    draw(ui, event.view);
    bringUp(ui);
    ui.pending = [ui.log.querySelector(".cg-pending"), ui.current.querySelector(".cg-current-text")];
    ui.pending[1].textContent = "…";
  } else if (event.type === "chunk" && ui.pending) {
    ui.pending[0].textContent += event.text;
    ui.pending[1].textContent = `“${ui.pending[0].textContent}”`;
  } else if (event.type === "done") {
    ui.pending = null;
    answered(ui, event.view, event.notices, event.kept);
  }
}

async function submit(ui, answer) {
  const data = ui.data;
  const round = ui.view.round;  // the round this answer goes to (a "graded" event moves the view on)
  ui.graded = false;
  ui.inFlight = { text: answer, session: ui.view.session, answers: answers(ui.view) };
  remember(ui.inFlight);
  busy(ui, true);
  ui.problem.textContent = "";
  if (data.endpoint && !ui.noEndpoint) {
    let settled = false;
    let unreachable = false;
    const stop = new AbortController();  // a server that never finishes: give up, and go through Streamlit
    const timer = setTimeout(() => stop.abort(), data.timeout * 1000);
    try {
      const response = await fetch(data.endpoint, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ pass: data.pass, text: wellFormed(answer), round }),
        cache: "no-store",
        signal: stop.signal,
      });
      if (response.status === 404 || response.status === 405) ui.noEndpoint = true;
      if (response.ok || response.status === 400 || response.status === 413) {
        const reader = response.body.getReader();
        const decoder = new TextDecoder();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          buffer += decoder.decode(value || new Uint8Array(), { stream: !done });
          let end;
          while ((end = buffer.indexOf("\n")) >= 0 || (done && buffer.trim())) {
            const line = end >= 0 ? buffer.slice(0, end) : buffer;
            buffer = end >= 0 ? buffer.slice(end + 1) : "";
            if (!line.trim()) continue;
            const event = JSON.parse(line);
            handle(ui, event);
            settled = settled || event.type === "done" || event.type === "error";
          }
          if (done) break;
        }
      }
    } catch (error) {
      // Timed out (our abort): the page's own path below shows the answer as saved if it was taken. The server
      // could not be reached, or the connection dropped: the server went away (a restart?).
      unreachable = error.name !== "AbortError";
    } finally {
      clearTimeout(timer);
    }
    if (settled) return;
    // Unreachable again right after a reload: something between the page and the endpoint (a proxy) drops it,
    // while Streamlit itself answers; go through Streamlit, as when the endpoint is missing.
    if (unreachable && !ui.graded && !reloadedLately()) return reconnect(ui);
  }
  // Through Streamlit: the conversation's fragment reruns, takes the answer (or, when the endpoint saved it
  // before its reply was cut off, only redraws) and sends the new view.
  ui.sent = `${Date.now()}-${Math.random()}`;
  ui.sentTo = data.instance;  // the Streamlit session that is to take it
  clearTimeout(ui.watchdog);  // a session that never answers (the server is gone): say so, keep the text
  ui.watchdog = setTimeout(() => reconnect(ui), data.timeout * 1000);
  ui.trigger("answer", { text: wellFormed(answer), round, nonce: ui.sent, saved: ui.graded });
}

// The answer went to a Streamlit session that is gone (the server restarted, or never answered): it was
// taken if the conversation as saved holds more answers than when it was sent; else it stays in the box.
function lost(ui, view) {
  clearTimeout(ui.watchdog);
  const sent = ui.inFlight;
  ui.sent = null;
  ui.inFlight = null;
  forget();
  if (view && sent && view.session === sent.session && answers(view) > sent.answers) {
    return answered(ui, view, [ui.data.text.taken], false);
  }
  if (view) draw(ui, view);
  failed(ui, ui.data.text.not_taken);
}

// The server went away with the answer (a restart, a dropped connection), or never answered: say so at once,
// keep the answer in the box (and in this tab), and once the server answers again draw the page afresh. A
// restarted server's new Streamlit session knows nothing of this page (the conversation's fragment is gone,
// and with it the way an answer travels through Streamlit); the fresh page puts the answer back in its box, or
// says it was saved (a round takes one answer: sending it again never saves it twice).
async function reconnect(ui) {
  clearTimeout(ui.watchdog);
  const sent = ui.inFlight;
  ui.sent = null;
  ui.inFlight = null;
  busy(ui, false);
  ui.status.textContent = "";
  ui.problem.textContent = ui.graded ? ui.data.text.saved_reconnecting : ui.data.text.reconnecting;
  if (ui.reconnecting) return;
  ui.reconnecting = true;
  for (const until = Date.now() + RECONNECT_FOR_MS; Date.now() < until;) {
    await new Promise((resolve) => setTimeout(resolve, RECONNECT_EVERY_MS));
    try {
      const health = await fetch(ui.data.health, { cache: "no-store" });
      if (!health.ok) continue;
    } catch (error) {
      continue;  // still away
    }
    if (sent) remember({ ...sent, text: ui.box.value });  // what the box holds now, edits included
    try { sessionStorage.setItem(RELOADED, String(Date.now())); } catch (error) { /* one reload too many, at worst */ }
    window.location.reload();
    return;
  }
  ui.reconnecting = false;
}

// A page drawn afresh while an answer was on its way (a reload, a remount): put the answer back, or say it
// was saved.
function restore(ui, view) {
  const sent = remembered();
  forget();
  if (!sent || sent.session !== view.session) return;
  if (answers(view) > sent.answers) return say(ui, [ui.data.text.taken]);
  ui.box.value = sent.text;
  ui.problem.textContent = ui.data.text.not_taken;
  refreshBox(ui);
}

export default function ({ data, parentElement, setTriggerValue }) {
  let ui = parentElement.__closergym;
  const fresh = !ui;
  if (!ui) {
    const root = h("div", "cg");
    parentElement.append(root);
    ui = parentElement.__closergym = setup(root);
  }
  ui.data = data;
  ui.trigger = setTriggerValue;
  ui.box.placeholder = data.text.placeholder;
  ui.box.setAttribute("aria-label", data.text.placeholder);
  ui.send.setAttribute("aria-label", data.text.send);
  ui.log.setAttribute("aria-label", data.text.log);
  const reply = data.reply;  // what the page did with an answer sent through Streamlit
  if (ui.busy && ui.sent && reply && reply.nonce === ui.sent) {
    ui.sent = null;
    if (reply.error) {
      draw(ui, data.view);
      failed(ui, reply.error);
    } else {
      answered(ui, data.view, reply.notices, reply.kept);
    }
    return;
  }
  if (ui.busy && ui.sent && data.instance !== ui.sentTo) return lost(ui, data.view);  // a new session: never taken there
  if (!ui.busy) {
    draw(ui, data.view);
    refreshBox(ui);
    if (fresh) restore(ui, data.view);
  }
}
