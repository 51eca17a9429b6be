// The rich-text editor and the autocomplete search boxes are built by their widgets' scripts
// without an accessible name; give each the label of its form row, as they appear.
(function () {
  "use strict";
  var UNNAMED = "[contenteditable=true]:not([aria-label]), .select2-search__field:not([aria-label])";

  function rowLabel(element) {
    var row = element.closest(".form-row");
    var label = row && row.querySelector("label");
    return label ? label.textContent.replace(/:\s*$/, "").trim() : "";
  }

  function nameFields() {
    document.querySelectorAll(UNNAMED).forEach(function (element) {
      var text = rowLabel(element);
      if (text) element.setAttribute("aria-label", text);
    });
  }

  new MutationObserver(nameFields).observe(document.body, { childList: true, subtree: true });
  nameFields();
})();
