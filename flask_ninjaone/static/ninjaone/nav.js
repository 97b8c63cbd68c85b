/* flask-ninjaone: the "NinjaOne" menu of {{ ninjaone_nav() }} behaves like the host's other menus.
   It is a <details> element, so it opens and closes without this file (Enter/Space on its summary);
   this adds what <details> lacks: it closes on a click outside, on Escape (focus returns to the
   toggle) and when keyboard focus leaves it; ArrowDown/ArrowUp move between its links.
   nav.html may be rendered more than once on a page: the script runs once. */
(function () {
  "use strict";
  if (window.ninjaoneNavReady) { return; }
  window.ninjaoneNavReady = true;

  function menus() {
    return Array.prototype.slice.call(document.querySelectorAll("details.ninjaone-nav--menu"));
  }

  function close(menu, focusToggle) {
    if (!menu.open) { return; }
    menu.open = false;
    if (focusToggle) { menu.querySelector("summary").focus(); }
  }

  function links(menu) {
    return Array.prototype.slice.call(menu.querySelectorAll(".ninjaone-nav__link"));
  }

  document.addEventListener("click", function (event) {
    menus().forEach(function (menu) {
      if (!menu.contains(event.target)) { close(menu, false); }
    });
  });

  document.addEventListener("keydown", function (event) {
    var menu = event.target.closest ? event.target.closest("details.ninjaone-nav--menu") : null;
    if (event.key === "Escape") {
      menus().forEach(function (each) { close(each, each === menu); });
      return;
    }
    if (!menu || (event.key !== "ArrowDown" && event.key !== "ArrowUp")) { return; }
    var items = links(menu);
    if (!items.length) { return; }
    event.preventDefault();
    if (!menu.open) { menu.open = true; }
    var index = items.indexOf(document.activeElement);
    var next = event.key === "ArrowDown" ? index + 1 : (index < 0 ? items.length - 1 : index - 1);
    items[(next + items.length) % items.length].focus();
  });

  document.addEventListener("focusout", function (event) {
    var menu = event.target.closest ? event.target.closest("details.ninjaone-nav--menu") : null;
    if (menu && event.relatedTarget && !menu.contains(event.relatedTarget)) { close(menu, false); }
  });
})();
