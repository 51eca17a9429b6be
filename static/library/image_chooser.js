// Post and member forms: when the editor chooses another library image (from the search box
// or the + pop-up), show its thumbnail, alt text and credit. Without it the preview shows the
// saved image.
(function () {
  "use strict";

  function setUp(preview) {
    var select = document.getElementById(preview.getAttribute("data-chooser-for"));
    if (!select) return;
    var image = preview.querySelector("img");
    var text = preview.querySelector(".image-chooser-preview__text");
    var empty = text.getAttribute("data-empty") || "";

    function update() {
      if (!select.value) {
        image.hidden = true;
        image.removeAttribute("src");
        text.textContent = empty;
        return;
      }
      var url = preview.getAttribute("data-search-url") + "?id=" + encodeURIComponent(select.value);
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (data) {
          var found = data.results[0];
          if (!found) return;
          image.hidden = !found.thumbnail;
          if (found.thumbnail) image.src = found.thumbnail;
          text.textContent = found.description;
        });
    }

    // The admin's search box (Select2) and its pop-up announce a choice with a jQuery event.
    if (window.django && window.django.jQuery) {
      window.django.jQuery(select).on("change", update);
    } else {
      select.addEventListener("change", update);
    }
  }

  function start() {
    var previews = document.querySelectorAll(".image-chooser-preview[data-chooser-for]");
    Array.prototype.forEach.call(previews, setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
