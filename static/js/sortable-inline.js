"use strict";
// Reorder the rows of an admin tabular inline by dragging a handle or with the Move up /
// Move down buttons, and write the order into the rows' position inputs. A live region
// says where the row went. Without JavaScript the position inputs stay editable numbers.
// Configured by a .sortable-inline element that the inline's template renders (its data-*
// attributes carry the formset prefix, the field names and the translated messages).
(function () {
  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, (match, key) => String(values[key]));
  }

  function sortable(config) {
    const text = config.dataset;
    const group = document.getElementById(`${text.prefix}-group`);
    if (!group) return;
    const tbody = group.querySelector("tbody");
    const status = config.querySelector("[role=status]");
    const rows = () => Array.from(tbody.querySelectorAll("tr.form-row:not(.empty-form)"));
    const input = (row) => row.querySelector(`[name$="-${text.positionField}"]`);
    const chooser = (row) => row.querySelector(`[name$="-${text.titleField}"]`);
    // Blank extra rows keep their value: a changed blank row would fail validation.
    const isFilled = (row) => row.classList.contains("has_original") || Boolean(chooser(row)?.value);
    const title = (row) => {
      const option = chooser(row)?.selectedOptions?.[0];
      return (option && option.value && option.textContent.trim()) || text.untitled;
    };

    function refresh() {
      let position = 0;
      for (const row of rows()) {
        if (isFilled(row) && input(row)) input(row).value = ++position;
        label(row);
        for (const button of row.querySelectorAll(".sortable-controls button")) {
          button.querySelector(".visually-hidden").textContent = format(
            button.dataset.direction === "up" ? text.moveUpLabel : text.moveDownLabel,
            { title: title(row) },
          );
        }
      }
    }

    function announce(template, row) {
      const list = isFilled(row) ? rows().filter(isFilled) : rows();
      const message = format(template, {
        title: title(row),
        position: list.indexOf(row) + 1,
        count: list.length,
      });
      // Emptied first, so that the same message twice is read twice.
      status.textContent = "";
      window.setTimeout(() => { status.textContent = message; }, 100);
    }

    // A row's form errors sit in a row of their own just above it, and move with it.
    const errorsOf = (row) => {
      const previous = row.previousElementSibling;
      return previous && previous.classList.contains("row-form-errors") ? previous : null;
    };
    function place(row, other, after) {
      const errors = errorsOf(row);
      if (after) other.after(row);
      else tbody.insertBefore(row, errorsOf(other) || other);
      if (errors) row.before(errors);
    }

    function move(row, step, button) {
      // Stories step over each other, not over blank rows waiting for a post.
      const list = isFilled(row) ? rows().filter(isFilled) : rows();
      const target = list[list.indexOf(row) + step];
      if (!target) {
        announce(step < 0 ? text.alreadyFirst : text.alreadyLast, row);
        return;
      }
      place(row, target, step > 0);
      button.focus();
      refresh();
      announce(text.moved, row);
    }

    function drag(event, row) {
      if (event.button !== 0) return;
      event.preventDefault();
      const startIndex = rows().indexOf(row);
      row.classList.add("sortable-dragging");
      const follow = (moveEvent) => {
        const over = rows().find((other) => {
          const box = other.getBoundingClientRect();
          return other !== row && moveEvent.clientY >= box.top && moveEvent.clientY <= box.bottom;
        });
        if (!over) return;
        const box = over.getBoundingClientRect();
        place(row, over, moveEvent.clientY >= box.top + box.height / 2);
      };
      // Listened for on the document: moving the row in the page would end a pointer
      // capture on the handle.
      const drop = () => {
        document.removeEventListener("pointermove", follow);
        document.removeEventListener("pointerup", drop);
        document.removeEventListener("pointercancel", drop);
        row.classList.remove("sortable-dragging");
        if (rows().indexOf(row) !== startIndex) {
          refresh();
          announce(text.moved, row);
        }
      };
      document.addEventListener("pointermove", follow);
      document.addEventListener("pointerup", drop);
      document.addEventListener("pointercancel", drop);
    }

    function button(row, direction, arrow) {
      const element = document.createElement("button");
      element.type = "button";
      element.dataset.direction = direction;
      element.title = direction === "up" ? text.moveUp : text.moveDown;
      const icon = document.createElement("span");
      icon.setAttribute("aria-hidden", "true");
      icon.textContent = arrow;
      const label = document.createElement("span");
      label.className = "visually-hidden";
      element.append(icon, label);
      element.addEventListener("click", () => move(row, direction === "up" ? -1 : 1, element));
      return element;
    }

    // Tabular inlines label their inputs only by the column heading; name each input
    // after its story, for screen readers (and axe).
    function label(row) {
      const name = title(row);
      const position = input(row);
      if (position) position.setAttribute("aria-label", format(text.positionLabel, { title: name }));
      const remove = row.querySelector('input[name$="-DELETE"]');
      if (remove) remove.setAttribute("aria-label", format(text.deleteLabel, { title: name }));
      for (const part of row.querySelectorAll(".select2-selection[role=combobox], .select2-selection__rendered")) {
        part.setAttribute("aria-label", text.chooserLabel);
      }
    }

    function enhance(row) {
      const position = input(row);
      if (!position || row.querySelector(".sortable-controls")) return;
      position.readOnly = true;
      position.classList.add("sortable-position");
      const controls = document.createElement("span");
      controls.className = "sortable-controls";
      const handle = document.createElement("span");
      handle.className = "sortable-handle";
      handle.setAttribute("aria-hidden", "true");
      handle.title = text.dragHint;
      handle.textContent = "⠿";
      handle.addEventListener("pointerdown", (event) => drag(event, row));
      controls.append(handle, button(row, "up", "↑"), button(row, "down", "↓"));
      position.after(controls);
    }

    const heading = group.querySelector("thead th.original");
    if (heading && !heading.textContent.trim()) {
      heading.innerHTML = '<span class="visually-hidden"></span>';
      heading.firstChild.textContent = text.rowHeading;
    }
    rows().forEach(enhance);
    refresh();
    // A sent issue's stories are read-only: nothing to move, so no instructions either.
    config.hidden = !tbody.querySelector(".sortable-controls");
    // The admin's autocomplete widgets are built when the page or a new row is ready.
    window.addEventListener("load", refresh);
    document.addEventListener("formset:added", (event) => {
      if (event.detail.formsetName !== text.prefix) return;
      enhance(event.target);
      config.hidden = false;
      refresh();
      window.setTimeout(refresh);
    });
    document.addEventListener("formset:removed", (event) => {
      if (event.detail.formsetName === text.prefix) refresh();
    });
    // The chooser is a Select2 widget, whose change events only jQuery hears.
    if (window.django && window.django.jQuery) window.django.jQuery(tbody).on("change", refresh);
    group.closest("form").addEventListener("submit", refresh);
  }

  function start() {
    document.querySelectorAll(".sortable-inline").forEach(sortable);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
