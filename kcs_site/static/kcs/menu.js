// The header's menus are <details> disclosures that work without this file. With it, Escape
// closes an open menu (focus back on its summary), a click outside closes it, and opening one
// menu closes the others.
(function () {
  "use strict";
  var menus = Array.prototype.slice.call(document.querySelectorAll("header.top details"));
  if (!menus.length) return;

  // A disclosure and what it opens: the account menu holds its list, the "Menu" and "More"
  // toggles open the list beside them.
  function group(menu) {
    return menu.classList.contains("account") ? menu : menu.parentNode;
  }

  function closeAll(except) {
    menus.forEach(function (menu) {
      if (menu.open && (!except || !group(menu).contains(except))) menu.open = false;
    });
  }

  menus.forEach(function (menu) {
    menu.addEventListener("toggle", function () {
      if (menu.open) closeAll(menu);
    });
  });

  document.addEventListener("click", function (event) {
    var inside = menus.some(function (menu) {
      return group(menu).contains(event.target);
    });
    if (!inside) closeAll(null);
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    menus.forEach(function (menu) {
      if (menu.open) {
        menu.open = false;
        menu.querySelector("summary").focus();
      }
    });
  });
})();
