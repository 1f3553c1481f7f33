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
  // Interface text from the site's catalogue (jsi18n/, loaded first); English when it is missing.
  const gettext = window.gettext || function (s) { return s; };
  const ngettext = window.ngettext || function (one, many, n) { return n === 1 ? one : many; };
  const interpolate = window.interpolate || function (fmt, obj, named) {
    if (named) return fmt.replace(/%\((\w+)\)s/g, function (m, k) { return String(obj[k]); });
    let i = 0;
    return fmt.replace(/%s/g, function () { return String(obj[i++]); });
  };

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
    return text ? "“" + (text.length > 60 ? text.slice(0, 57) + "…" : text) + "”" : gettext("An empty rule");
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
      ? interpolate(gettext("An article has at most %(max)s rules (removed cards count until you save)."), { max: max }, true)
      : gettext("Adds an empty card; nothing is saved until you save the article.");
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
    const words = document.createElement("span");
    words.textContent = interpolate(gettext("%(rule)s will be removed when you save."), { rule: describe(card) }, true) + " ";
    const button = document.createElement("button");
    button.type = "button";
    button.className = "secondary";
    button.textContent = gettext("Undo");
    button.addEventListener("click", function () {
      box.checked = false;
      card.hidden = false;
      undo.remove();
      card.querySelectorAll("textarea").forEach(fit);
      renumber();
      firstInput(card).focus();
      say(interpolate(gettext("Rule restored: it is rule %(number)s."), { number: shown().indexOf(card) + 1 }, true));
    });
    undo.appendChild(words);
    undo.appendChild(button);
    card.after(undo);
    renumber();
    if (announce) {
      button.focus();
      say(interpolate(gettext("Rule %(number)s removed; it goes when you save. Undo is next."), { number: number }, true));
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
    const moved = direction === "up"
      ? gettext("Rule %(from)s moved up: it is now rule %(to)s of %(count)s.")
      : gettext("Rule %(from)s moved down: it is now rule %(to)s of %(count)s.");
    say(interpolate(moved, { from: at + 1, to: to + 1, count: visible.length }, true));
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
    say(interpolate(gettext("Rule %(number)s added: type what the agent may do."), { number: shown().length }, true));
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
