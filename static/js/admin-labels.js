"use strict";
// Give each rich-text editor in the admin the accessible name of its field's label: the
// editor is an element of its own beside the hidden textarea that the label points at.
(function () {
  function labelEditors() {
    for (const editor of document.querySelectorAll(".ProseMirror[contenteditable]")) {
      if (editor.hasAttribute("aria-label") || editor.hasAttribute("aria-labelledby")) continue;
      const label = editor.closest(".form-row")?.querySelector("label");
      if (!label) continue;
      if (!label.id) label.id = `${label.htmlFor || "field"}-label`;
      editor.setAttribute("aria-labelledby", label.id);
    }
  }
  window.addEventListener("load", labelEditors);
  document.addEventListener("formset:added", () => window.setTimeout(labelEditors));
})();
