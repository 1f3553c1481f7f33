// On a phone a table wider than the screen scrolls inside itself (site.css). A keyboard can only
// scroll what it can focus: such a table gets a place in the tab order and a name, here because
// only the browser knows which tables overflow at the current width.
(function () {
  "use strict";
  // Interface text from the site's catalogue (jsi18n/, loaded first); English when it is missing.
  var gettext = window.gettext || function (s) { return s; };
  function update() {
    document.querySelectorAll("main table").forEach(function (table) {
      var scrolls = table.scrollWidth > table.clientWidth + 1;
      if (scrolls && !table.hasAttribute("tabindex")) {
        table.setAttribute("tabindex", "0");
        table.setAttribute("data-scroll-focus", table.hasAttribute("aria-label") ? "" : "labelled");
        if (!table.hasAttribute("aria-label")) {
          var section = table.closest("section");
          var heading = section && section.querySelector("h2, h3");
          var label = gettext("table, scrolls sideways");
          table.setAttribute("aria-label", (heading ? heading.textContent.trim() + ": " : "") + label);
        }
      } else if (!scrolls && table.hasAttribute("data-scroll-focus")) {
        if (table.getAttribute("data-scroll-focus") === "labelled") table.removeAttribute("aria-label");
        table.removeAttribute("tabindex");
        table.removeAttribute("data-scroll-focus");
      }
    });
  }
  update();
  window.addEventListener("resize", update);
})();
