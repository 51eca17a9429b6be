// Progressive enhancements only: every page works without this file.
(function () {
  "use strict";
  var KEY = "ncasite.privacy-notice-dismissed";
  var bar = document.getElementById("privacy-bar");
  if (!bar) return;
  var dismissed = false;
  try { dismissed = window.localStorage.getItem(KEY) === "1"; } catch (e) { /* storage off */ }
  if (dismissed) { bar.hidden = true; return; }
  var close = bar.querySelector(".privacy-bar__close");
  bar.classList.add("privacy-bar--ready");
  close.addEventListener("click", function () {
    bar.hidden = true;
    try { window.localStorage.setItem(KEY, "1"); } catch (e) { /* storage off */ }
  });
})();
