// Field page: loads the analytics sections (server-rendered HTML fragments of this site) after
// the page is shown, one after the other (each runs igraph on the server; in turn, every one
// gets the whole request deadline). Without JavaScript each section's link opens it as a page.
(function () {
  "use strict";
  var sections = Array.prototype.slice.call(document.querySelectorAll("[data-fragment]"));
  function next() {
    var section = sections.shift();
    if (!section) { return; }
    fetch(section.getAttribute("data-fragment"), { headers: { Accept: "text/html" } })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        section.innerHTML = html;
        section.setAttribute("data-loaded", "true");
      })
      .catch(function (e) {
        section.querySelector(".loading").textContent =
          "This section could not be loaded: " + e.message;
      })
      .then(function () {
        section.setAttribute("aria-busy", "false");
        next();
      });
  }
  next();
})();
