// The sparring conversation, drawn from `components.transcript.conversation_data`. Every text anyone typed or a
// model wrote goes in as text (textContent), never as HTML or Markdown. The words around it (labels, headings)
// come with the data: nothing to translate lives here.
//
// A message is drawn again only when its data changed: an answer redraws the new answer, the previous one (it
// loses its advice) and the reply, and leaves the rest of the page as it was.

const node = (tag, className, text) => {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== undefined && text !== null) element.textContent = text;
  return element;
};

// A Material icon (Streamlit bundles the font), hidden from screen readers: the words beside it say the same.
const icon = (name) => {
  const element = node("span", "cg-icon", name);
  element.setAttribute("aria-hidden", "true");
  return element;
};

const paragraph = (className, ...parts) => {
  const element = node("p", className);
  element.append(...parts);
  return element;
};

const quotes = (phrases, joiner) => phrases.map((phrase) => `“${phrase}”`).join(joiner);

function card(shown) {
  const badge = node("span", `cg-badge cg-${shown.tier}`);
  badge.append(icon(shown.icon), ` ${shown.badge}`);
  const parts = [paragraph("", badge)];
  const list = node("ul");
  for (const move of shown.moves) {
    const item = node("li");
    item.append(node("strong", "", move.label), ` ${move.dots} ${move.note}`);
    if (move.phrases.length) item.append(node("br"), node("span", "cg-gray", quotes(move.phrases, " · ")));
    list.append(item);
  }
  for (const flag of shown.flags) {
    const item = node("li");
    item.append(icon("flag"), " ", node("strong", "", flag.name), flag.why ? ` (${flag.why}` : "",
      flag.phrases.length ? `: ${quotes(flag.phrases, ", ")}` : "", flag.cap ? ` · ${flag.cap}` : "");
    list.append(item);
  }
  if (list.childElementCount) parts.push(list);
  for (const note of shown.notes) parts.push(node("p", "cg-gray", note));
  return parts;
}

function advice(shown, words) {
  const parts = [node("hr")];
  if (shown.keep.length) parts.push(paragraph("", node("strong", "", words.keep), ` ${shown.keep.join(" · ")}`));
  for (const [key, title] of [["start", words.start], ["stop", words.stop]]) {
    if (!shown[key].length) continue;
    parts.push(paragraph("", node("strong", "", title)));
    const list = node("ul");
    for (const item of shown[key]) list.append(node("li", "", item));
    parts.push(list);
  }
  if (shown.better) {
    const quote = node("blockquote");
    quote.append(icon("lightbulb"), " ", shown.better.text);
    parts.push(paragraph("", node("strong", "", shown.better.title)), quote, node("p", "cg-gray", shown.better.why));
  } else if (shown.note) {
    parts.push(node("p", "cg-gray", shown.note));
  }
  return parts;
}

function message(shown, words) {
  const rep = shown.who === "rep";
  const box = node("div", `cg-message cg-${shown.who}`);
  box.setAttribute("data-testid", "conversationMessage");
  box.setAttribute("data-who", shown.who);
  box.setAttribute("role", "group");
  box.setAttribute("aria-label", rep ? words.rep : words.prospect);
  const avatar = node("div", "cg-avatar");
  avatar.append(icon(words.avatars[shown.who]));
  const body = node("div", "cg-body");
  body.setAttribute("data-testid", "conversationMessageContent");
  if (shown.label) body.append(node("p", "cg-label", shown.label));
  if (shown.text) body.append(node("p", "cg-text", shown.text));
  if (shown.over) {
    const link = node("a", "", words.over[1]);
    link.href = "#session-report";
    body.append(paragraph("cg-gray", icon("arrow_downward"), ` ${words.over[0]}`, link, words.over[2]));
  }
  if (shown.card) body.append(...card(shown.card));
  if (shown.advice) body.append(...advice(shown.advice, words));
  box.append(avatar, body);
  return box;
}

export default function ({ data, parentElement }) {
  if (!data) return;
  const drawn = parentElement.closergymDrawn || (parentElement.closergymDrawn = { keys: [], nodes: [] });
  data.messages.forEach((shown, index) => {
    const key = JSON.stringify(shown);
    if (drawn.keys[index] === key) return;
    const fresh = message(shown, data.words);
    if (drawn.nodes[index]) drawn.nodes[index].replaceWith(fresh);
    else parentElement.append(fresh);
    drawn.keys[index] = key;
    drawn.nodes[index] = fresh;
  });
  while (drawn.nodes.length > data.messages.length) {
    drawn.nodes.pop().remove();
    drawn.keys.pop();
  }
}
