// django-prose-editor's Link, with a dialog that also finds posts and member pages.
// A chosen page is stored as <a href="/members/slug/" data-ref="member:12">; the server keeps
// the href current when that page's address changes.
import { crel, gettext, Link } from "django-prose-editor/editor"

let dialogCount = 0

const field = (labelText, input) => {
  const label = crel("label", { htmlFor: input.id, textContent: labelText })
  return crel("div", { className: "prose-editor-dialog-field" }, [label, input])
}

const fetchResults = async (searchUrl, query) => {
  const url = `${searchUrl}?${new URLSearchParams({ q: query })}`
  const response = await fetch(url, {
    credentials: "same-origin",
    headers: { Accept: "application/json" },
  })
  if (!response.ok) throw new Error(`${response.status}`)
  return (await response.json()).results
}

const resultButton = (result, choose) => {
  const button = crel("button", { type: "button", className: "chooser-result" }, [
    crel("span", { className: "chooser-result__title", textContent: result.title }),
    crel("span", { className: "chooser-result__note", textContent: result.note }),
  ])
  button.addEventListener("click", () => choose(result))
  return crel("li", {}, [button])
}

// Resolves to {attrs: {href, title, ref}, text}, or null when cancelled.
const chooserLinkDialog = (editor, attrs, options) =>
  new Promise((resolve) => {
    const prefix = `chooser-link-${++dialogCount}`
    let ref = attrs.ref || null
    let refHref = attrs.href || ""
    let pageTitle = ""
    const href = crel("input", { id: `${prefix}-href`, name: "href", type: "text", value: attrs.href || "" })
    const title = crel("input", { id: `${prefix}-title`, name: "title", type: "text", value: attrs.title || "" })
    const search = crel("input", { id: `${prefix}-search`, type: "search", autocomplete: "off" })
    const results = crel("ul", { className: "chooser-results", id: `${prefix}-results` })
    const status = crel("p", { className: "chooser-status", id: `${prefix}-status`, role: "status" })
    const chosen = crel("p", { className: "chooser-chosen", id: `${prefix}-chosen` })
    const heading = crel("h3", {
      id: `${prefix}-heading`,
      className: "prose-editor-dialog-title",
      textContent: gettext("Link"),
    })
    const submit = crel("button", { type: "submit", textContent: gettext("Update") })
    const cancel = crel("button", { type: "button", textContent: gettext("Cancel") })
    search.setAttribute("aria-describedby", status.id)
    href.setAttribute("aria-describedby", chosen.id)

    const showChosen = (text) => {
      chosen.textContent = text
      chosen.hidden = !text
    }
    const choose = (result) => {
      ref = result.ref
      refHref = href.value = result.url
      pageTitle = result.title
      showChosen(`${gettext("Links to")} ${result.note}: ${result.title}`)
      href.focus()
    }
    showChosen(ref ? `${gettext("Links to a page of this site")} (${ref})` : "")
    href.addEventListener("input", () => {
      if (href.value.trim() !== refHref) {
        ref = null
        showChosen("")
      }
    })

    let timer = null
    let latest = 0
    const runSearch = async () => {
      const query = search.value.trim()
      const request = ++latest
      if (!query) {
        results.replaceChildren()
        status.textContent = ""
        return
      }
      try {
        const found = await fetchResults(options.searchUrl, query)
        if (request !== latest) return
        results.replaceChildren(...found.map((result) => resultButton(result, choose)))
        status.textContent = found.length
          ? `${gettext("Results")}: ${found.length}`
          : gettext("Nothing found. Try another word.")
      } catch {
        status.textContent = gettext("The search is not available. Type the address instead.")
      }
    }
    search.addEventListener("input", () => {
      clearTimeout(timer)
      timer = setTimeout(runSearch, 200)
    })
    search.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault()
        clearTimeout(timer)
        runSearch()
      }
    })

    const form = crel("form", {}, [
      heading,
      field(gettext("Address (URL)"), href),
      chosen,
      field(gettext("Or find a post or member page"), search),
      status,
      results,
      field(gettext("Title (shown on hover, optional)"), title),
      crel("div", { className: "prose-editor-dialog-buttons" }, [submit, cancel]),
    ])
    const dialog = crel("dialog", { className: "prose-editor-dialog chooser-dialog" }, [form])
    dialog.setAttribute("aria-labelledby", heading.id)
    const wrapper = crel("div", {}, [dialog])
    editor.view.dom.parentElement.append(wrapper)

    let value = null
    cancel.addEventListener("click", () => dialog.close())
    form.addEventListener("submit", (event) => {
      event.preventDefault()
      const address = href.value.trim()
      const attrs = { href: address, title: title.value.trim() || null, ref: address === refHref ? ref : null }
      value = { attrs, text: (attrs.ref && pageTitle) || address }
      dialog.close()
    })
    dialog.addEventListener("close", () => {
      wrapper.remove()
      resolve(value)
    })
    dialog.showModal()
    ;(attrs.href ? href : search).focus()
  })

export const ChooserLink = Link.extend({
  addOptions() {
    return { ...this.parent?.(), searchUrl: null }
  },

  addAttributes() {
    return {
      ...this.parent?.(),
      ref: {
        default: null,
        parseHTML: (element) => element.getAttribute("data-ref"),
        renderHTML: (attributes) => (attributes.ref ? { "data-ref": attributes.ref } : {}),
      },
    }
  },

  addMenuItems({ menu, buttons }) {
    menu.defineItem({
      name: "link",
      groups: "link",
      command(editor) {
        editor.commands.addLink()
      },
      button: buttons.material("insert_link", gettext("Insert link")),
      active(editor) {
        return editor.isActive("link")
      },
    })
    menu.defineItem({
      name: "unlink",
      groups: "link",
      command(editor) {
        editor.chain().focus().extendMarkRange("link").unsetLink().run()
      },
      button: buttons.material("link_off", gettext("Remove link")),
      hidden(editor) {
        return !editor.isActive("link")
      },
    })
  },

  addCommands() {
    return {
      ...this.parent?.(),
      addLink:
        () =>
        ({ editor }) => {
          const { empty } = editor.state.selection
          const isLink = editor.isActive("link")
          const attrs = isLink ? editor.getAttributes(this.name) : {}
          chooserLinkDialog(editor, attrs, this.options).then((chosen) => {
            if (!chosen) return editor.commands.focus()
            const chain = editor.chain().focus()
            const link = chosen.attrs
            if (!link.href) return chain.extendMarkRange(this.name).unsetLink().run()
            if (isLink) return chain.extendMarkRange(this.name).setMark(this.name, link).run()
            if (!empty) return chain.setMark(this.name, link).run()
            // Nothing selected: the link's text is the chosen page's title, or the address.
            return chain
              .insertContent({ type: "text", text: chosen.text, marks: [{ type: this.name, attrs: link }] })
              .run()
          })
          return true
        },
    }
  },
})
