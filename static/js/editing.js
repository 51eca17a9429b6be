// The change form's safety net: a warning before leaving unsaved changes, an autosave of the
// form's content as a private draft, and who else has the form open. Without it, saving works.
(function () {
  "use strict";

  var box = document.getElementById("editing");
  if (!box) return;
  var form = box.closest("form");
  if (!form) return;

  var interval = Math.max(1, parseFloat(box.getAttribute("data-interval")) || 20) * 1000;
  var status = document.getElementById("editing-status");
  var presence = document.getElementById("editing-presence");
  var changed = false; // since the page was opened
  var unsent = false; // since the last autosave
  var submitting = false;

  function markChanged() { changed = true; unsent = true; }
  // The rich-text editor writes into its textarea and sends an input event on every change.
  form.addEventListener("input", markChanged);
  form.addEventListener("change", markChanged);
  form.addEventListener("submit", function () { submitting = true; });
  window.addEventListener("beforeunload", function (event) {
    if (changed && !submitting) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  function formContent() {
    var fields = {};
    new FormData(form).forEach(function (value, name) {
      if (typeof value !== "string" || name === "csrfmiddlewaretoken") return;
      (fields[name] = fields[name] || []).push(value);
    });
    return fields;
  }

  function send(body, keepalive) {
    var token = form.querySelector("input[name=csrfmiddlewaretoken]");
    var json = JSON.stringify(body);
    return fetch(box.getAttribute("data-autosave-url"), {
      method: "POST",
      credentials: "same-origin",
      // Browsers refuse a keepalive request over 64 KiB: a long post's last words then go
      // as an ordinary request, which the closing tab may cut short (the 20 s ones remain).
      keepalive: !!keepalive && json.length < 60000,
      headers: { "Content-Type": "application/json", "X-CSRFToken": token ? token.value : "" },
      body: json
    });
  }

  function show(answer) {
    if (answer.saved_text && status) status.textContent = answer.saved_text;
    if (presence && typeof answer.presence_text === "string") {
      presence.textContent = answer.presence_text;
    }
  }

  function autosave(keepalive) {
    if (submitting) return;
    var body = { object_id: box.getAttribute("data-object-id") };
    if (unsent) {
      body.fields = formContent();
      unsent = false;
    } else if (!body.object_id) {
      return; // nothing to keep, and nobody to meet on an add form
    } else {
      body.presence_only = true;
    }
    var wasContent = !!body.fields;
    send(body, keepalive)
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(show)
      .catch(function () {
        if (wasContent) unsent = true;
        if (status && wasContent) status.textContent = box.getAttribute("data-error-text");
      });
  }

  window.setInterval(function () { autosave(false); }, interval);
  // Closing the tab: one last autosave the browser finishes after the page is gone.
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden" && unsent) autosave(true);
  });
})();
