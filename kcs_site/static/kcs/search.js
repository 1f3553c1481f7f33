// Suggestions as you type in the header search box: an editable combobox with a list popup
// (WAI-ARIA 1.2). Focus stays in the box; aria-activedescendant names the option the arrow keys
// point at. Two groups: "Articles" the reader may open and popular "Searches" that found
// something. Debounced (200 ms); a newer keystroke aborts the request still on its way.
// Text is always set as text, never as HTML.
(function () {
  const input = document.getElementById("site-search");
  const list = document.getElementById("site-search-suggestions");
  const status = document.getElementById("site-search-status");
  if (!input || !list) return;
  const DEBOUNCE_MS = 200;
  let timer = null;
  let controller = null;
  let active = -1;
  let lastQuery = null;
  // Interface text from the site's catalogue (jsi18n/, loaded first); English when it is missing.
  const gettext = window.gettext || function (s) { return s; };
  const ngettext = window.ngettext || function (one, many, n) { return n === 1 ? one : many; };
  const interpolate = window.interpolate || function (fmt, obj, named) {
    if (named) return fmt.replace(/%\((\w+)\)s/g, function (m, k) { return String(obj[k]); });
    let i = 0;
    return fmt.replace(/%s/g, function () { return String(obj[i++]); });
  };

  function options() {
    return Array.prototype.slice.call(list.querySelectorAll("[role=option]"));
  }

  function announce(text) {
    if (status) status.textContent = text;
  }

  function isOpen() {
    return !list.hidden;
  }

  function setActive(n) {
    const all = options();
    active = n;
    all.forEach(function (o, i) { o.setAttribute("aria-selected", i === n ? "true" : "false"); });
    if (n >= 0 && all[n]) {
      input.setAttribute("aria-activedescendant", all[n].id);
      all[n].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function open() {
    if (!options().length) return;
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    setActive(-1);
  }

  function clear() {
    close();
    list.replaceChildren();
    lastQuery = null;
  }

  function group(key, label, items, textOf, first) {
    const box = document.createElement("div");
    box.setAttribute("role", "group");
    box.className = "suggestions-group";
    const heading = document.createElement("div");
    heading.id = "site-search-group-" + key;
    heading.className = "suggestions-label";
    heading.setAttribute("role", "presentation");
    heading.textContent = label;
    box.setAttribute("aria-labelledby", heading.id);
    box.appendChild(heading);
    items.forEach(function (item, i) {
      const option = document.createElement("div");
      option.id = "site-search-option-" + (first + i);
      option.className = "suggestion suggestion-" + key;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      option.dataset.url = item.url;
      option.textContent = textOf(item); // text, never HTML
      box.appendChild(option);
    });
    return box;
  }

  function render(data) {
    const titles = (data.results || []).filter(function (r) { return r && r.url && r.title; });
    const searches = (data.queries || []).filter(function (q) { return q && q.url && q.text; });
    list.replaceChildren();
    active = -1;
    input.removeAttribute("aria-activedescendant");
    if (titles.length) list.appendChild(group("articles", gettext("Articles"), titles, function (r) { return r.title; }, 0));
    if (searches.length) {
      list.appendChild(group("searches", gettext("Searches"), searches, function (q) { return q.text; }, titles.length));
    }
    const n = titles.length + searches.length;
    if (n) {
      open();
      announce(interpolate(ngettext("%(count)s suggestion", "%(count)s suggestions", n), { count: n }, true));
    } else {
      close();
      announce("");
    }
  }

  function go(option) {
    if (!option || !option.dataset.url) return;
    close();
    window.location.assign(option.dataset.url);
  }

  function fetchSuggestions(q) {
    if (controller) controller.abort();
    controller = new AbortController();
    const mine = controller;
    fetch(input.dataset.suggestUrl + "?q=" + encodeURIComponent(q), {
      signal: mine.signal,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (r) { return r.ok ? r.json() : { results: [], queries: [] }; })
      .then(function (data) {
        if (mine !== controller || input.value.trim() !== q) return; // a newer request is on its way
        lastQuery = q;
        render(data);
      })
      .catch(function () {});
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    setActive(-1);
    const q = input.value.trim();
    if (q.length < 2) {
      if (controller) controller.abort();
      clear();
      announce("");
      return;
    }
    timer = setTimeout(function () { fetchSuggestions(q); }, DEBOUNCE_MS);
  });

  input.addEventListener("keydown", function (e) {
    const n = options().length;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      if (!n) return;
      e.preventDefault();
      if (e.altKey) {
        // Alt+Down opens the list without choosing; Alt+Up closes it.
        if (e.key === "ArrowDown") open(); else close();
        return;
      }
      if (!isOpen()) {
        open();
        setActive(e.key === "ArrowDown" ? 0 : n - 1);
        return;
      }
      if (e.key === "ArrowDown") setActive(active + 1 >= n ? 0 : active + 1);
      else setActive(active <= 0 ? n - 1 : active - 1);
    } else if (e.key === "Enter") {
      if (isOpen() && active >= 0) {
        e.preventDefault();
        go(options()[active]);
      }
    } else if (e.key === "Escape") {
      if (isOpen()) {
        e.preventDefault();
        close();
      } else if (input.value) {
        e.preventDefault();
        input.value = "";
        clear();
      }
    } else if (e.key === "Home" || e.key === "End" || e.key === "ArrowLeft" || e.key === "ArrowRight") {
      // The caret moves in the box (the browser's own behaviour); the list loses its pointer.
      setActive(-1);
    }
  });

  input.addEventListener("focus", function () {
    if (lastQuery !== null && lastQuery === input.value.trim()) open();
  });

  input.addEventListener("blur", function () { close(); });

  // Mouse: pressing an option keeps focus in the box (so blur does not close the list first).
  list.addEventListener("mousedown", function (e) { e.preventDefault(); });
  list.addEventListener("click", function (e) {
    const option = e.target.closest("[role=option]");
    if (option) go(option);
  });
})();
