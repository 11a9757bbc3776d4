// lucid-vgg unit browser: keyboard navigation and the layer:unit search box (no server needed).
(function () {
  "use strict";
  var root = document.body.getAttribute("data-root") || "";

  function go(id) {
    var link = document.getElementById(id);
    if (link && link.href) { window.location.href = link.href; }
  }

  document.addEventListener("keydown", function (event) {
    var tag = (event.target && event.target.tagName) || "";
    if (tag === "INPUT" || tag === "TEXTAREA" || event.altKey || event.ctrlKey || event.metaKey) {
      return;
    }
    var keys = { ArrowLeft: "nav-prev", ArrowRight: "nav-next", ArrowUp: "nav-up" };
    if (keys[event.key]) { event.preventDefault(); go(keys[event.key]); }
  });

  // "conv4_1:12", "conv4_1/conv4_1:12" or "conv4_1 12" -> that unit's page, if the site has it
  function find(index, text) {
    var m = /^\s*([^:\s]+)\s*[:\s]\s*(\d+)\s*$/.exec(text);
    if (!m) { return { error: "type layer:unit, e.g. " + index.example }; }
    var unit = parseInt(m[2], 10);
    for (var i = 0; i < index.layers.length; i++) {
      var layer = index.layers[i];
      if (layer.name === m[1] || layer.stem === m[1] || layer.name.split("/")[0] === m[1]) {
        if (layer.units.indexOf(unit) < 0) {
          return { error: layer.name + " has no unit " + unit + " in this site" };
        }
        return { href: root + "unit/" + layer.stem + "/" + ("000" + unit).slice(-4) + ".html" };
      }
    }
    return { error: "no layer " + m[1] + " in this site" };
  }

  // the index comes from site-data/index.js (a script, so search also works from file://)
  var form = document.getElementById("search");
  if (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var box = document.getElementById("search-box");
      var message = document.getElementById("search-message");
      var index = window.LUCID_SITE_INDEX;
      if (!index) { message.textContent = "search index site-data/index.js did not load"; return; }
      var found = find(index, box.value);
      if (found.href) { window.location.href = found.href; } else { message.textContent = found.error; }
    });
  }
})();
