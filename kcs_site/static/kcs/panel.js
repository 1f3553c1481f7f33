// The agent panel: "New article from this case" opens the new article's editor in a new tab
// (the form's target). The panel then reloads itself, so it shows the case's new `created` link.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-reload-panel")) return;
    window.setTimeout(function () { window.location.reload(); }, 1500);
  });
})();
