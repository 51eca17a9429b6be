"use strict";
// Widgets built by scripts (the rich-text editor, the autocomplete boxes) come without an
// accessible name: give each the label of its form row, also when they appear later.
(function () {
  const WIDGETS = ".ProseMirror[contenteditable], .select2-selection, .select2-selection__rendered, .select2-search__field";

  function labelOf(widget) {
    const label = widget.closest(".form-row, .fieldBox")?.querySelector("label");
    if (label && !label.id) label.id = `${label.htmlFor || "field"}-label`;
    return label;
  }

  function nameWidgets() {
    for (const widget of document.querySelectorAll(WIDGETS)) {
      const label = labelOf(widget);
      if (!label) continue;
      // Keep what the widget names itself by (the chosen value) after the field's label.
      const names = (widget.getAttribute("aria-labelledby") || "").split(" ").filter(Boolean);
      if (names.includes(label.id)) continue;
      widget.setAttribute("aria-labelledby", [label.id, ...names].join(" "));
    }
  }

  new MutationObserver(nameWidgets).observe(document.documentElement, {
    childList: true,
    subtree: true,
  });
  document.addEventListener("DOMContentLoaded", nameWidgets);
})();
