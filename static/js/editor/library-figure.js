// A figure in the body: an image from the library with alt text, caption and credit.
// The editor stores which library image it is (data-image) and the words; when the body is
// saved the server writes the image's current renditions into src, srcset, width and height.
import { crel, gettext, Node } from "django-prose-editor/editor"

const SIZES = "(min-width: 44rem) 40rem, 100vw"
let dialogCount = 0

const field = (labelText, input, help) => {
  const label = crel("label", { htmlFor: input.id, textContent: labelText })
  if (help) label.append(crel("span", { className: "prose-editor-help", textContent: help }))
  return crel("div", { className: "prose-editor-dialog-field" }, [label, input])
}

const searchImages = async (searchUrl, query) => {
  const response = await fetch(`${searchUrl}?${new URLSearchParams({ q: query })}`, {
    credentials: "same-origin",
    headers: { Accept: "application/json" },
  })
  if (!response.ok) throw new Error(`${response.status}`)
  return (await response.json()).results
}

const captionText = (figcaption) =>
  figcaption
    ? [...figcaption.childNodes]
        .filter((node) => !node.classList?.contains("credit"))
        .map((node) => node.textContent)
        .join("")
        .trim()
    : ""

class FigureDialog {
  constructor(editor, attrs, options, resolve) {
    this.options = options
    this.resolve = resolve
    this.chosen = attrs.image ? { id: attrs.image, alt: attrs.alt, credit: attrs.credit } : null
    this.chosenAttrs = attrs.image ? attrs : null
    this.value = null
    const prefix = `library-figure-${++dialogCount}`
    const input = (name, extra = {}) =>
      crel("input", { id: `${prefix}-${name}`, name, type: "text", value: attrs[name] || "", ...extra })
    this.search = input("search", { type: "search", autocomplete: "off", value: "" })
    this.alt = input("alt", { required: "required" })
    this.caption = input("caption")
    this.credit = input("credit")
    this.status = crel("p", { className: "chooser-status", id: `${prefix}-status`, role: "status" })
    this.results = crel("ul", { className: "chooser-images" })
    this.search.setAttribute("aria-describedby", this.status.id)
    const heading = crel("h3", {
      id: `${prefix}-heading`,
      className: "prose-editor-dialog-title",
      textContent: attrs.image ? gettext("Edit the figure") : gettext("Insert a figure"),
    })
    const upload = crel("a", {
      href: options.addUrl,
      target: "_blank",
      rel: "noopener",
      textContent: gettext("Upload a new image to the library (opens a new tab)"),
    })
    this.submit = crel("button", {
      type: "submit",
      textContent: attrs.image ? gettext("Update") : gettext("Insert"),
    })
    const cancel = crel("button", { type: "button", textContent: gettext("Cancel") })
    this.form = crel("form", {}, [
      heading,
      field(gettext("Find an image in the library"), this.search),
      this.status,
      this.results,
      crel("p", {}, [upload]),
      field(gettext("Alt text"), this.alt, gettext("Required: what the image shows, for people who cannot see it.")),
      field(gettext("Caption"), this.caption, gettext("Optional")),
      field(gettext("Credit"), this.credit, gettext("Photographer or source")),
      crel("div", { className: "prose-editor-dialog-buttons" }, [this.submit, cancel]),
    ])
    this.dialog = crel("dialog", { className: "prose-editor-dialog chooser-dialog" }, [this.form])
    this.dialog.setAttribute("aria-labelledby", heading.id)
    this.wrapper = crel("div", {}, [this.dialog])
    editor.view.dom.parentElement.append(this.wrapper)

    cancel.addEventListener("click", () => this.dialog.close())
    this.form.addEventListener("submit", (event) => this.onSubmit(event))
    this.dialog.addEventListener("close", () => {
      this.wrapper.remove()
      this.resolve(this.value)
    })
    this.listenToSearch()
  }

  open() {
    this.dialog.showModal()
    this.search.focus()
    this.runSearch()
  }

  listenToSearch() {
    let timer = null
    this.search.addEventListener("input", () => {
      clearTimeout(timer)
      timer = setTimeout(() => this.runSearch(), 200)
    })
    this.search.addEventListener("keydown", (event) => {
      if (event.key !== "Enter") return
      event.preventDefault()
      clearTimeout(timer)
      this.runSearch()
    })
  }

  async runSearch() {
    const request = (this.latest = (this.latest || 0) + 1)
    try {
      const found = await searchImages(this.options.searchUrl, this.search.value.trim())
      if (request !== this.latest) return
      this.results.replaceChildren(...found.map((image) => this.imageButton(image)))
      this.status.textContent = found.length
        ? `${gettext("Images found")}: ${found.length}`
        : gettext("No image found. Upload it to the library, then search again.")
    } catch {
      this.status.textContent = gettext("The image library is not available.")
    }
  }

  imageButton(image) {
    const button = crel("button", { type: "button", className: "chooser-image" }, [
      crel("img", { src: image.thumbnail, alt: "", width: 160, height: 96 }),
      crel("span", { textContent: image.title }),
    ])
    button.setAttribute("aria-pressed", String(this.chosen?.id === image.id))
    button.addEventListener("click", () => this.choose(image, button))
    return crel("li", {}, [button])
  }

  choose(image, button) {
    // Words the editor has not changed follow the library image; their own words stay.
    if (!this.alt.value || this.alt.value === this.chosen?.alt) this.alt.value = image.alt
    if (!this.credit.value || this.credit.value === this.chosen?.credit) this.credit.value = image.credit
    this.chosen = image
    this.chosenAttrs = null
    for (const other of this.results.querySelectorAll(".chooser-image")) {
      other.setAttribute("aria-pressed", String(other === button))
    }
    this.status.textContent = `${gettext("Chosen")}: ${image.title}`
    this.alt.focus()
  }

  onSubmit(event) {
    event.preventDefault()
    if (!this.chosen) {
      this.status.textContent = gettext("Choose an image first.")
      this.search.focus()
      return
    }
    if (!this.form.reportValidity()) return
    const kept = this.chosenAttrs || {
      src: this.chosen.thumbnail,
      srcset: null,
      width: this.chosen.width,
      height: this.chosen.height,
    }
    this.value = {
      ...kept,
      image: this.chosen.id,
      alt: this.alt.value.trim(),
      caption: this.caption.value.trim(),
      credit: this.credit.value.trim(),
    }
    this.dialog.close()
  }
}

export const LibraryFigure = Node.create({
  name: "libraryFigure",
  group: "block",
  atom: true,
  draggable: true,
  selectable: true,

  addOptions() {
    return { searchUrl: null, addUrl: null }
  },

  addAttributes() {
    const plain = (name) => ({ default: null, parseHTML: () => null, renderHTML: () => ({}) })
    return Object.fromEntries(
      ["image", "src", "srcset", "width", "height", "alt", "caption", "credit"].map((name) => [name, plain(name)]),
    )
  },

  parseHTML() {
    return [
      {
        tag: "figure[data-image]",
        getAttrs: (figure) => {
          const img = figure.querySelector("img")
          if (!img) return false
          const figcaption = figure.querySelector("figcaption")
          return {
            image: Number(figure.getAttribute("data-image")),
            src: img.getAttribute("src"),
            srcset: img.getAttribute("srcset"),
            width: img.getAttribute("width"),
            height: img.getAttribute("height"),
            alt: img.getAttribute("alt") || "",
            caption: captionText(figcaption),
            credit: figcaption?.querySelector(".credit")?.textContent.trim() || "",
          }
        },
      },
    ]
  },

  // The one shape core.body_html.Figure.to_html writes, attribute for attribute.
  renderHTML({ node }) {
    const { image, src, srcset, width, height, alt, caption, credit } = node.attrs
    const img = { src, ...(srcset ? { srcset } : {}), sizes: SIZES, width, height, alt, loading: "lazy" }
    const parts = ["figure", { "data-image": String(image) }, ["img", img]]
    if (caption || credit) {
      const figcaption = ["figcaption", {}]
      if (caption) figcaption.push(credit ? `${caption} ` : caption)
      if (credit) figcaption.push(["span", { class: "credit" }, credit])
      parts.push(figcaption)
    }
    return parts
  },

  addCommands() {
    return {
      editLibraryFigure:
        () =>
        ({ editor }) => {
          const selected = editor.state.selection.node
          const attrs = selected?.type.name === this.name ? selected.attrs : {}
          new Promise((resolve) => new FigureDialog(editor, attrs, this.options, resolve).open()).then(
            (value) => {
              if (!value) return editor.commands.focus()
              if (attrs.image) return editor.chain().focus().updateAttributes(this.name, value).run()
              return editor.chain().focus().insertContent({ type: this.name, attrs: value }).run()
            },
          )
          return true
        },
    }
  },

  addMenuItems({ menu, buttons }) {
    menu.defineItem({
      name: "libraryFigure",
      groups: "nodes",
      command(editor) {
        editor.commands.editLibraryFigure()
      },
      button: buttons.material("image", gettext("Insert or edit a figure")),
      active(editor) {
        return editor.isActive("libraryFigure")
      },
    })
  },
})
