// Progressive enhancements only: every page works without this file.
(function () {
  "use strict";

  // Privacy notice: hidden for good once dismissed.
  var KEY = "ncasite.privacy-notice-dismissed";
  var bar = document.getElementById("privacy-bar");
  if (bar) {
    var dismissed = false;
    try { dismissed = window.localStorage.getItem(KEY) === "1"; } catch (e) { /* storage off */ }
    if (dismissed) {
      bar.hidden = true;
    } else {
      bar.classList.add("privacy-bar--ready");
      bar.querySelector(".privacy-bar__close").addEventListener("click", function () {
        bar.hidden = true;
        try { window.localStorage.setItem(KEY, "1"); } catch (e) { /* storage off */ }
      });
    }
  }

  // Sign-up forms: the page may come from a cache, so the signed time the form was taken up
  // is asked for when it gets focus. Without it the server asks for one more press instead.
  var forms = document.querySelectorAll("form.newsletter-form[data-stamp-url]");
  Array.prototype.forEach.call(forms, function (form) {
    var input = form.querySelector("input[name=rendered_at]");
    if (!input || input.value) return;
    form.addEventListener("focusin", function () {
      fetch(form.getAttribute("data-stamp-url"), { credentials: "omit", cache: "no-store" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) { if (data && data.stamp) input.value = data.stamp; })
        .catch(function () { /* offline: the server asks for one more press */ });
    }, { once: true });
  });
})();
