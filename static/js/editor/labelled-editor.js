// Give the editable area the accessible name and description of the form field it replaces:
// screen readers then announce "Body, edit text" and its help text, like any other field.
import { Extension } from "django-prose-editor/editor"

export const LabelledEditor = Extension.create({
  name: "labelledEditor",

  onCreate() {
    const textarea = this.editor.options.element.querySelector("textarea")
    if (!textarea?.id) return
    const dom = this.editor.view.dom
    const label = document.querySelector(`label[for="${textarea.id}"]`)
    if (label) {
      label.id ||= `${textarea.id}-label`
      dom.setAttribute("aria-labelledby", label.id)
    }
    const help = document.getElementById(`${textarea.id}_helptext`)
    if (help) dom.setAttribute("aria-describedby", help.id)
    dom.setAttribute("aria-multiline", "true")
  },
})
