// The co-author network page: loads /network.json (positions precomputed by the server) into
// cytoscape.js (vendored, api/static/vendor/cytoscape), with zoom, hover and click-through.
(function () {
  "use strict";
  var box = document.getElementById("network");
  var status = document.getElementById("net-status");
  var tip = document.getElementById("net-tip");
  if (typeof cytoscape === "undefined") {
    status.textContent =
      "The network library is missing from api/static/vendor/cytoscape: run `make assets`.";
    return;
  }
  function text(el, value) { el.textContent = value; return el; }

  fetch(box.getAttribute("data-src"), { headers: { Accept: "application/json" } })
    .then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) { throw new Error(body.error || r.statusText); }
        return body;
      });
    })
    .then(draw)
    .catch(function (e) { status.textContent = "The network could not be loaded: " + e.message; });

  function draw(data) {
    var cy = cytoscape({
      container: box,
      elements: data.elements,
      layout: { name: "preset", fit: true, padding: 30 },
      minZoom: 0.1,
      maxZoom: 6,
      wheelSensitivity: 0.3,
      textureOnViewport: data.nodeCount > 300,
      hideEdgesOnViewport: data.edgeCount > 2000,
      style: [
        { selector: "node", style: {
            "width": "data(size)", "height": "data(size)",
            "background-color": "data(colour)", "border-width": 1, "border-color": "#ffffff",
            "label": "data(label)", "font-size": 11, "color": "#1f2328",
            "text-valign": "top", "text-margin-y": -3,
            "text-outline-color": "#ffffff", "text-outline-width": 2,
            "min-zoomed-font-size": 6 } },
        { selector: "node[hop = 0]", style: {
            "border-width": 3, "border-color": "#111111", "font-weight": "bold", "z-index": 10 } },
        { selector: "edge", style: {
            "width": "data(width)", "line-color": "#8a94a6", "opacity": 0.45,
            "curve-style": "haystack" } },
        { selector: ".faded", style: { "opacity": 0.12 } },
        { selector: "node.focus", style: { "label": "data(name)", "z-index": 20 } },
        { selector: "edge.focus", style: { "line-color": "#0b5cad", "opacity": 0.9 } },
        { selector: "node.named", style: { "label": "data(name)" } },
      ],
    });
    window.sgNetwork = cy; // for the browser tests
    var noun = data.hops > 1 ? "within 2 hops" : "co-authors";
    status.textContent =
      "Showing " + data.nodeCount + " of " + data.found + " authors " + noun +
      " (at most " + data.limit + "), " + data.edgeCount + " co-author links. " +
      "Links come from each author's " + data.perAuthor + " most frequent co-authors.";
    status.setAttribute("data-nodes", data.nodeCount);
    status.setAttribute("data-edges", data.edgeCount);

    var legend = document.getElementById("net-legend");
    data.communities.forEach(function (c) {
      var li = document.createElement("li");
      var sw = document.createElement("span");
      sw.className = "swatch";
      sw.style.background = c.colour;
      li.appendChild(sw);
      li.appendChild(document.createTextNode("community " + c.community + " (" + c.authors + ")"));
      legend.appendChild(li);
    });

    var list = document.getElementById("net-list");
    data.elements.nodes
      .slice()
      .sort(function (a, b) { return a.data.hop - b.data.hop || b.data.papers - a.data.papers; })
      .forEach(function (n) {
        var li = document.createElement("li");
        var a = text(document.createElement("a"), n.data.name);
        a.href = n.data.href;
        li.appendChild(a);
        li.appendChild(document.createTextNode(
          " — " + n.data.papers + " papers, hop " + n.data.hop +
          (n.data.community === null ? "" : ", community " + n.data.community)));
        list.appendChild(li);
      });

    cy.on("mouseover", "node", function (e) {
      var n = e.target;
      var hood = n.closedNeighborhood();
      cy.elements().addClass("faded");
      hood.removeClass("faded");
      n.addClass("focus");
      n.connectedEdges().addClass("focus");
      var d = n.data();
      tip.textContent = d.name + " · " + d.papers + " papers · " +
        (d.community === null ? "no community" : "community " + d.community) +
        " · " + n.degree() + " links shown";
      tip.style.display = "block";
    });
    cy.on("mousemove", "node", function (e) {
      var p = e.renderedPosition;
      tip.style.left = p.x + 14 + "px";
      tip.style.top = p.y + 10 + "px";
    });
    cy.on("mouseout", "node", function () {
      cy.elements().removeClass("faded focus");
      tip.style.display = "none";
    });
    cy.on("tap", "node", function (e) { window.location.href = e.target.data("href"); });
    document.getElementById("zoom-in").addEventListener("click", function () {
      cy.zoom({ level: cy.zoom() * 1.3, renderedPosition: { x: box.clientWidth / 2, y: box.clientHeight / 2 } });
    });
    document.getElementById("zoom-out").addEventListener("click", function () {
      cy.zoom({ level: cy.zoom() / 1.3, renderedPosition: { x: box.clientWidth / 2, y: box.clientHeight / 2 } });
    });
    document.getElementById("zoom-fit").addEventListener("click", function () { cy.fit(undefined, 30); });
    document.getElementById("net-labels").addEventListener("change", function (e) {
      if (e.target.checked) { cy.nodes().addClass("named"); } else { cy.nodes().removeClass("named"); }
    });
    box.setAttribute("data-ready", "true");
  }
})();
