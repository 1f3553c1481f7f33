// The merge page's "Use B's", "A's, then B's" and "Back to A's" buttons in place: each puts that
// text in the merged field without a round trip. Without this script the same buttons submit the
// form and the server shows the page again with the text taken (nothing merged), so everything
// here is an enhancement. Both articles' raw texts are in the page's <template data-merge-text>.
(function () {
  const form = document.querySelector("form.merge-form");
  if (!form) return;
  const live = form.querySelector("[data-merge-live]");
  // Interface text from the site's catalogue (jsi18n/, loaded first); English when it is missing.
  const gettext = window.gettext || function (s) { return s; };
  const ngettext = window.ngettext || function (one, many, n) { return n === 1 ? one : many; };
  const interpolate = window.interpolate || function (fmt, obj, named) {
    if (named) return fmt.replace(/%\((\w+)\)s/g, function (m, k) { return String(obj[k]); });
    let i = 0;
    return fmt.replace(/%s/g, function () { return String(obj[i++]); });
  };

  function text(name, side) {
    const template = form.querySelector("template[data-merge-text='" + name + ":" + side + "']");
    return template ? template.content.textContent : null;
  }

  function say(words) {
    if (!live) return;
    live.textContent = "";
    window.setTimeout(function () { live.textContent = words; }, 50);
  }

  form.addEventListener("click", function (event) {
    const button = event.target.closest("button[name='use']");
    if (!button) return;
    const parts = button.value.split(":");
    const name = parts[0], what = parts[1];
    const field = form.elements[name];
    const a = text(name, "a"), b = text(name, "b");
    if (!field || a === null || b === null) return; // the server does it
    event.preventDefault();
    if (what === "a") field.value = a;
    else if (what === "b") field.value = b;
    else field.value = (a.replace(/\s+$/, "") + "\n\n" + b.replace(/^\s+/, "")).trim();
    field.focus();
    say(interpolate(gettext("%(choice)s: the merged text now holds it."), { choice: button.textContent.trim() }, true));
  });
})();
