// The header's menu folds away on small screens and stays open on wide ones.
// Without script the <details> stays open: every link is still there.
(function () {
  "use strict";
  var menu = document.querySelector(".site-menu");
  if (!menu || !window.matchMedia) { return; }
  var small = window.matchMedia("(max-width: 40rem)");
  function sync() { menu.open = !small.matches; }
  sync();
  if (small.addEventListener) { small.addEventListener("change", sync); }
}());
