// The sparring conversation: draws the view `closergym.conversation.view` builds, and sends answers.
//
// An answer goes straight to the turn endpoint (closergym/web.py) when the page has one: one POST, and
// the graded answer and the prospect's reply are drawn from its answer without a Streamlit rerun. When
// there is no endpoint (or it turns the answer away as stale), the answer goes through Streamlit
// instead (`setTriggerValue("answer", ...)`), which reruns the conversation's fragment with the new view.
//
// Every text from the trainee, the prospect or an LLM is set with `textContent`: nothing is parsed as
// HTML or Markdown, so a typed <script> or **stars** show exactly as typed.

const h = (tag, className, text) => {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
};

const quoted = (phrases, joiner) => phrases.map((p) => `“${p}”`).join(joiner);

function scorecard(card, text) {
  const box = h("div", "cg-card");
  box.append(h("span", `cg-badge cg-${card.tier}`, card.badge));
  const list = h("ul", "cg-moves");
  for (const move of card.moves) {
    const item = h("li");
    item.append(h("strong", null, move.label), " ",
                h("span", "cg-dots", "●".repeat(move.points) + "○".repeat(2 - move.points)));
    item.setAttribute("aria-label", `${move.label}: ${move.points} of 2. ${move.note}`);
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
      for (const text of items) ul.append(h("li", null, text));
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
  node.append(h("div", "cg-avatar", msg.who === "rep" ? "🥊" : "🧑‍💼"));
  node.firstChild.setAttribute("aria-hidden", "true");
  const body = h("div", "cg-body");
  body.append(h("span", "cg-sr", msg.who === "rep" ? text.you : text.prospect));
  if (msg.label) body.append(h("div", "cg-label", msg.label));
  const said = h("p", "cg-text", msg.text);
  if (msg.pending) said.classList.add("cg-pending");
  body.append(said);
  if (msg.card) body.append(scorecard(msg.card, text));
  node.append(body);
  return node;
}

function report(rep, text) {
  const box = h("section", "cg-report");
  box.setAttribute("aria-label", text.report);
  box.append(h("h3", null, text.report));
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
    for (const step of rep.steps) ul.append(h("li", null, `${step.shown ? "✅" : "⬜"} ${step.label}`));
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

function setup(root) {
  const ui = { root };
  ui.log = h("div", "cg-log");
  ui.log.setAttribute("role", "log");
  ui.status = h("div", "cg-status");
  ui.status.setAttribute("role", "status");
  ui.report = h("div");
  ui.actions = h("div", "cg-actions");
  ui.form = h("form", "cg-answer");
  ui.box = h("textarea");
  ui.box.rows = 1;
  ui.box.dataset.testid = "cgAnswer";
  ui.send = h("button", "cg-send", "➤");
  ui.send.type = "submit";
  ui.problem = h("div", "cg-problem");
  ui.problem.setAttribute("role", "alert");
  const row = h("div", "cg-row");
  row.append(ui.box, ui.send);
  ui.form.append(row, ui.problem);
  root.append(ui.log, ui.status, ui.report, ui.actions, ui.form);

  const grow = () => {
    ui.box.style.height = "auto";
    ui.box.style.height = `${Math.min(ui.box.scrollHeight, 192)}px`;
  };
  ui.box.addEventListener("input", grow);
  ui.box.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      ui.form.requestSubmit();
    }
  });
  ui.form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!ui.busy) submit(ui, ui.box.value);
  });
  ui.grow = grow;
  return ui;
}

function busy(ui, on, note) {
  ui.busy = on;
  ui.box.readOnly = on;
  ui.send.disabled = on;
  ui.form.setAttribute("aria-busy", on ? "true" : "false");
  ui.status.textContent = on && note ? note : "";
}

function showNotices(ui, notices) {
  ui.status.replaceChildren(...(notices || []).map((n) => h("p", "cg-notice", `⚠️ ${n}`)));
}

// The graded answer at the top of the screen: on a phone it would land above it, under the next line.
function bringUp(ui) {
  const answers = ui.log.querySelectorAll(".cg-rep");
  const newest = answers[answers.length - 1];
  if (newest) newest.scrollIntoView({ block: "start" });
}

function draw(ui, view) {
  const text = ui.data.text;
  ui.view = view;
  drawMessages(ui.log, view.messages, text);
  const reportKey = JSON.stringify(view.report);
  if (ui.report.dataset.key !== reportKey) {
    ui.report.dataset.key = reportKey;
    ui.report.replaceChildren(...(view.report ? [report(view.report, text)] : []));
  }
  const wanted = view.active ? ["end"] : ["again", "other"];
  if (ui.actions.dataset.key !== wanted.join()) {
    ui.actions.dataset.key = wanted.join();
    ui.actions.replaceChildren(...wanted.map((name) => {
      const button = h("button", `cg-action cg-${name}`, text.actions[name]);
      button.type = "button";
      button.addEventListener("click", () => ui.trigger("action", name));
      return button;
    }));
  }
  ui.form.hidden = !view.active;
}

function failed(ui, message) {
  busy(ui, false);
  ui.problem.textContent = message;
  ui.box.focus({ preventScroll: true });
}

function answered(ui, view, notices, kept) {
  busy(ui, false);
  if (!kept) ui.box.value = "";
  ui.grow();
  ui.problem.textContent = "";
  draw(ui, view);
  showNotices(ui, notices);
  bringUp(ui);
  if (view.active) ui.box.focus({ preventScroll: true });
}

function handle(ui, event) {
  if (event.type === "error") return failed(ui, event.message);
  if (event.type === "graded") {
    ui.status.textContent = "";  // the judge has spoken; the prospect's reply streams in below
    ui.box.value = "";
    ui.grow();
    draw(ui, event.view);
    bringUp(ui);
    ui.pending = ui.log.querySelector(".cg-pending");
  } else if (event.type === "chunk" && ui.pending) {
    ui.pending.textContent += event.text;
  } else if (event.type === "done") {
    answered(ui, event.view, event.notices, event.kept);
  }
}

async function submit(ui, answer) {
  const data = ui.data;
  busy(ui, true, data.waiting);
  ui.problem.textContent = "";
  if (data.endpoint && !ui.noEndpoint) {
    let settled = false;
    try {
      const response = await fetch(data.endpoint, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ pass: data.pass, text: answer, round: ui.view.round }),
        cache: "no-store",
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
        if (settled) return;
      }
    } catch (error) {
      // the connection dropped: if the answer was taken, the rerun below shows it as saved
    }
    if (settled) return;
  }
  // Through Streamlit: the conversation's fragment reruns, takes the answer and sends the new view.
  ui.sent = `${Date.now()}-${Math.random()}`;
  ui.trigger("answer", { text: answer, round: ui.view.round, nonce: ui.sent });
}

export default function ({ data, parentElement, setTriggerValue }) {
  let ui = parentElement.__closergym;
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
  if (!ui.busy) draw(ui, data.view);
}
