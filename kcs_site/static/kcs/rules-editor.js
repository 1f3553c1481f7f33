// The decision-authority editor in place: add a card from the page's <template>, remove a card
// (with undo) and move cards up or down without a round trip. Without this script the same
// buttons submit the form and the server shows the editor again rearranged (nothing saved), so
// everything here is an enhancement. The order saved is each card's hidden ORDER input, numbered
// again after every change; removing ticks the card's DELETE box, which the server honours.
(function () {
  const editor = document.getElementById("rules-editor");
  if (!editor) return;
  const prefix = editor.dataset.prefix;
  const max = parseInt(editor.dataset.max, 10) || 30;
  const list = editor.querySelector(".rule-cards");
  const template = document.getElementById("rule-card-template");
  const total = editor.querySelector("input[name='" + prefix + "-TOTAL_FORMS']");
  const live = editor.querySelector("[data-rules-live]");
  const addButton = editor.querySelector("button[name='rules-add']");
  if (!list || !template || !total || !addButton) return;

  // The words come from the page (data-say-*, in the page's language), with their {placeholders}
  // filled in here; the English below is only for a page that does not carry them.
  function words(name, fallback, values) {
    let text = editor.dataset["say" + name] || fallback;
    Object.keys(values || {}).forEach(function (key) { text = text.split("{" + key + "}").join(String(values[key])); });
    return text;
  }

  function say(text) {
    // Cleared first so the same words twice in a row are announced twice.
    live.textContent = "";
    window.setTimeout(function () { live.textContent = text; }, 50);
  }

  function cards() {
    return Array.prototype.slice.call(list.querySelectorAll(".rule-card"));
  }

  function shown() {
    return cards().filter(function (card) { return !card.hidden; });
  }

  function field(card, name) {
    return card.querySelector("[name='" + card.dataset.prefix + "-" + name + "']");
  }

  function firstInput(card) {
    return card.querySelector("textarea, input:not([type=hidden]), select");
  }

  function describe(card) {
    const action = field(card, "action");
    const text = action && action.value.trim();
    return text
      ? words("Quoted", "“{text}”", { text: text.length > 60 ? text.slice(0, 57) + "…" : text })
      : words("EmptyRule", "An empty rule");
  }

  // Cards keep their input names; their place is the ORDER value, 1, 2, 3… in the page's order.
  function renumber() {
    cards().forEach(function (card, i) {
      const order = field(card, "ORDER");
      if (order) order.value = String(i + 1);
    });
    const visible = shown();
    visible.forEach(function (card, i) {
      card.querySelectorAll(".rule-number").forEach(function (span) { span.textContent = String(i + 1); });
      card.querySelector(".rule-move[data-direction=up]").disabled = i === 0;
      card.querySelector(".rule-move[data-direction=down]").disabled = i === visible.length - 1;
    });
    const full = parseInt(total.value, 10) >= max;
    addButton.disabled = full;
    addButton.nextElementSibling.textContent = full
      ? words("Full", "An article has at most " + max + " rules (removed cards count until you save).")
      : words("AddHelp", "Adds an empty card; nothing is saved until you save the article.");
  }

  function enhance(card) {
    const box = field(card, "DELETE");
    card.querySelector(".rule-delete").hidden = true; // the box stays in the form, ticked by Remove
    card.querySelector(".rule-remove").hidden = false;
    if (box && box.checked) hide(card, false);
  }

  function hide(card, announce) {
    const box = field(card, "DELETE");
    const number = shown().indexOf(card) + 1;
    box.checked = true;
    card.hidden = true;
    const undo = document.createElement("div");
    undo.className = "rule-undo";
    const notice = document.createElement("span");
    notice.textContent = words("WillGo", "{rule} will be removed when you save.", { rule: describe(card) }) + " ";
    const button = document.createElement("button");
    button.type = "button";
    button.className = "secondary";
    button.textContent = words("Undo", "Undo");
    button.addEventListener("click", function () {
      box.checked = false;
      card.hidden = false;
      undo.remove();
      card.querySelectorAll("textarea").forEach(fit);
      renumber();
      firstInput(card).focus();
      say(words("Restored", "Rule restored: it is rule {n}.", { n: shown().indexOf(card) + 1 }));
    });
    undo.appendChild(notice);
    undo.appendChild(button);
    card.after(undo);
    renumber();
    if (announce) {
      button.focus();
      say(words("Removed", "Rule {n} removed; it goes when you save. Undo is next.", { n: number }));
    }
  }

  function move(card, direction, button) {
    const visible = shown();
    const at = visible.indexOf(card);
    const to = direction === "up" ? at - 1 : at + 1;
    if (to < 0 || to >= visible.length) return;
    const other = visible[to];
    // A removed card's undo notice follows its card, so move past it too.
    if (direction === "up") {
      list.insertBefore(card, other);
    } else {
      const after = other.nextElementSibling && other.nextElementSibling.classList.contains("rule-undo")
        ? other.nextElementSibling : other;
      after.after(card);
    }
    renumber();
    // The button keeps focus; at the top or bottom it is disabled, so its twin takes it.
    (button.disabled ? card.querySelector(".rule-move:not(:disabled)") || firstInput(card) : button).focus();
    const moved = { from: at + 1, to: to + 1, total: visible.length };
    say(direction === "up"
      ? words("MovedUp", "Rule {from} moved up: it is now rule {to} of {total}.", moved)
      : words("MovedDown", "Rule {from} moved down: it is now rule {to} of {total}.", moved));
  }

  function add() {
    const index = parseInt(total.value, 10) || 0;
    if (index >= max) return;
    const holder = document.createElement("div");
    // The template is this page's own markup (server-rendered, no user text): only its index changes.
    holder.innerHTML = template.innerHTML.replace(/__prefix__/g, String(index));
    const card = holder.querySelector(".rule-card");
    list.appendChild(card);
    total.value = String(index + 1);
    enhance(card);
    renumber();
    firstInput(card).focus();
    say(words("Added", "Rule {n} added: type what the agent may do.", { n: shown().length }));
  }

  // Long rule text is shown whole: a text box grows with what it holds. CSS field-sizing does
  // this where supported; elsewhere the height follows the content here (CSSOM, allowed by the CSP).
  const grows = window.CSS && CSS.supports && CSS.supports("field-sizing", "content");
  function fit(box) {
    if (grows || box.tagName !== "TEXTAREA") return;
    box.style.height = "auto";
    box.style.height = box.scrollHeight + 2 + "px";
  }
  list.addEventListener("input", function (event) { fit(event.target); });

  list.addEventListener("click", function (event) {
    const button = event.target.closest("button");
    const card = button && button.closest(".rule-card");
    if (!card) return;
    if (button.classList.contains("rule-move")) {
      event.preventDefault(); // in place, not the server round trip the button does without script
      move(card, button.dataset.direction, button);
    } else if (button.classList.contains("rule-remove")) {
      hide(card, true);
    }
  });
  addButton.addEventListener("click", function (event) {
    event.preventDefault();
    add();
  });

  cards().forEach(enhance);
  list.querySelectorAll("textarea").forEach(fit);
  renumber();
})();
