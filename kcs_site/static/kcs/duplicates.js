// "Similar articles" while an article is written: as the author types its title, issue or
// environment (debounced, 400 ms; a newer keystroke aborts the request on its way), the server
// renders the suggestions (search.duplicate_views.similar) into a polite live region under the
// environment field. "Not a duplicate" hides a suggestion and remembers it in the form
// (`not_duplicate`, stored with the article when it is saved); on a saved draft it is also
// stored at once. Without JavaScript the form works as before and the check runs on save.
(function () {
  const region = document.getElementById("similar-articles");
  const form = document.getElementById("article-form");
  if (!region || !form || !region.dataset.similarUrl) return;
  const list = region.querySelector("[data-similar-list]");
  const status = region.querySelector("[data-similar-status]");
  // Interface text from the site's catalogue (jsi18n/, loaded first); English when it is missing.
  const gettext = window.gettext || function (s) { return s; };
  const ngettext = window.ngettext || function (one, many, n) { return n === 1 ? one : many; };
  const interpolate = window.interpolate || function (fmt, obj, named) {
    if (named) return fmt.replace(/%\((\w+)\)s/g, function (m, k) { return String(obj[k]); });
    let i = 0;
    return fmt.replace(/%s/g, function () { return String(obj[i++]); });
  };
  let shown = 0;
  const DEBOUNCE_MS = 400;
  // The title and product, and every section the template says is issue-like or describes the
  // environment (a template's own sections carry their role in `data-role`).
  const ROLES = ["issue", "environment"];
  const fields = Array.prototype.filter.call(form.elements, function (el) {
    return el.name === "title" || el.name === "product" || ROLES.indexOf(el.dataset.role) >= 0;
  });
  let timer = null;
  let controller = null;
  let last = null;

  const dismissed = document.createElement("input");
  dismissed.type = "hidden";
  dismissed.name = "not_duplicate";
  form.appendChild(dismissed);
  if (region.dataset.case) {
    const caseInput = document.createElement("input");
    caseInput.type = "hidden";
    caseInput.name = "case";
    caseInput.value = region.dataset.case;
    form.appendChild(caseInput);
  }

  // Under the environment field (or the last of the three there is), so it sits beside what is typed.
  const roled = form.querySelectorAll('[data-role="environment"], [data-role="issue"]');
  const anchor = roled.length ? roled[roled.length - 1] : form.elements.title;
  const box = anchor && anchor.closest(".field");
  if (box) box.insertAdjacentElement("afterend", region);

  function dismissedIds() {
    return dismissed.value ? dismissed.value.split(",") : [];
  }

  function params() {
    const p = new URLSearchParams();
    const text = { title: [], product: [], issue: [], environment: [] };
    fields.forEach(function (f) {
      if (f.value) text[ROLES.indexOf(f.dataset.role) >= 0 ? f.dataset.role : f.name].push(f.value);
    });
    Object.keys(text).forEach(function (name) { p.set(name, text[name].join("\n")); });
    if (region.dataset.exclude) p.set("exclude", region.dataset.exclude);
    if (region.dataset.case) p.set("case", region.dataset.case);
    if (dismissed.value) p.set("dismissed", dismissed.value);
    return p.toString();
  }

  function check() {
    const query = params();
    if (query === last) return;
    last = query;
    if (controller) controller.abort();
    controller = new AbortController();
    fetch(region.dataset.similarUrl + "?" + query, {
      signal: controller.signal,
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" },
    })
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (html) {
        // The fragment is the site's own template, rendered with Django's escaping.
        const parsed = new DOMParser().parseFromString(html, "text/html");
        list.replaceChildren.apply(list, Array.prototype.slice.call(parsed.body.childNodes));
        const count = list.querySelectorAll(".similar-item").length;
        // Said only when the number changes: the list itself is not read out on every keystroke.
        if (count !== shown) {
          status.textContent = count
            ? interpolate(ngettext("%(count)s similar article found.", "%(count)s similar articles found.", count), { count: count }, true)
            : "";
          shown = count;
        }
      })
      .catch(function (err) { if (err.name !== "AbortError") list.replaceChildren(); });
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(check, DEBOUNCE_MS);
  }

  fields.forEach(function (f) {
    f.addEventListener("input", later);
    f.addEventListener("change", later);
  });

  // The item goes; the status line says so, and focus moves to the next suggestion (or the
  // list's heading, or the title being typed) rather than being lost with the button.
  function hide(item, title) {
    const next = item.nextElementSibling || item.previousElementSibling;
    item.remove();
    shown = list.querySelectorAll(".similar-item").length;
    status.textContent = interpolate(gettext("Marked as not a duplicate: “%(title)s”"), { title: title }, true);
    const target = next ? next.querySelector(".similar-title a") : null;
    if (target) target.focus();
    else if (!shown) {
      list.replaceChildren();
      const titleField = form.elements.title;
      if (titleField) titleField.focus();
    } else {
      const heading = list.querySelector(".similar-heading");
      if (heading) heading.focus();
    }
  }

  function titleOf(item) {
    const link = item.querySelector(".similar-title a");
    return link.firstChild ? link.firstChild.textContent : link.textContent;
  }

  region.addEventListener("click", function (event) {
    const button = event.target.closest("button[data-not-duplicate]");
    if (!button) return;
    const item = button.closest("[data-similar-id]");
    const id = button.dataset.notDuplicate;
    const ids = dismissedIds();
    if (ids.indexOf(id) < 0) ids.push(id);
    dismissed.value = ids.join(",");
    last = null;
    hide(item, titleOf(item));
  });

  region.addEventListener("submit", function (event) {
    const small = event.target.closest("form[data-not-duplicate]");
    if (!small) return;
    event.preventDefault();
    const item = small.closest("[data-similar-id]");
    fetch(small.action, {
      method: "POST",
      body: new FormData(small),
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" },
    }).then(function (r) {
      if (!r.ok) { small.submit(); return; }
      const ids = dismissedIds();
      ids.push(item.dataset.similarId);
      dismissed.value = ids.join(",");
      last = null;
      hide(item, titleOf(item));
    });
  });

  if (fields.some(function (f) { return f.value && f.name !== "product"; })) check();
})();
