// The header's language switcher is a plain form with a submit button (kcs_site.locale.set_language).
// With this file, choosing a language submits it at once and the button steps aside.
(function () {
  "use strict";
  var form = document.querySelector("form.language-switch");
  if (!form) return;
  var select = form.querySelector("select");
  var button = form.querySelector("button");
  if (!select || !button) return;
  button.hidden = true;
  select.addEventListener("change", function () {
    form.submit();
  });
})();
