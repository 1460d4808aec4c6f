/* The query editor: YASGUI on this service's /sparql, the project's prefixes preset, saved queries as example tabs. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("editor-config").textContent);
  var el = document.getElementById("yasgui");
  if (!window.Yasgui || !el) { return; }
  var endpoint = new URL(config.endpoint, window.location.href).href;
  var prefixBlock = Object.keys(config.prefixes).map(function (p) {
    return "PREFIX " + p + ": <" + config.prefixes[p] + ">";
  }).join("\n");
  var starter = prefixBlock + "\n\nSELECT ?state ?label WHERE {\n  ?state a rula:SovereignState ;\n    rdfs:label ?label .\n" +
    "  FILTER(LANGMATCHES(LANG(?label), \"en\"))\n}\nORDER BY ?label\nLIMIT 50\n";
  var Yasqe = window.Yasgui.Yasqe;
  // Nothing from other hosts: prefix completion from this service, no LOV look-ups.
  Yasqe.defaults.autocompleters = ["prefixes", "variables"];
  Yasqe.defaults.prefixCcApi = "/api/prefixes";
  Yasqe.defaults.value = starter;
  var yasgui = new window.Yasgui(el, {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: false,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    persistenceId: "rulakg-yasgui",
    yasqe: { value: starter, prefixCcApi: "/api/prefixes", autocompleters: ["prefixes", "variables"] },
    yasr: { prefixes: config.prefixes }
  });
  window.rulakgYasgui = yasgui;

  // Saved queries as example tabs
  var select = document.getElementById("example-select");
  var described = document.getElementById("example-description");
  var byName = {};
  fetch(config.examples, { headers: { Accept: "application/json" } }).then(function (r) { return r.json(); }).then(function (data) {
    var groups = {};
    data.queries.forEach(function (q) {
      byName[q.name] = q;
      var section = q.section || "other";
      (groups[section] = groups[section] || []).push(q);
    });
    Object.keys(groups).sort().forEach(function (section) {
      var og = document.createElement("optgroup");
      og.label = section;
      groups[section].forEach(function (q) {
        var o = document.createElement("option");
        o.value = q.name;
        o.textContent = q.name + " — " + q.summary;
        og.appendChild(o);
      });
      select.appendChild(og);
    });
    select.dataset.loaded = String(data.queries.length);
  });
  select.addEventListener("change", function () {
    var q = byName[select.value];
    if (!q) { described.textContent = ""; return; }
    described.textContent = q.description || q.summary;
    var tab = yasgui.addTab(true, { name: q.name, yasqe: { value: q.sparql } });
    var yasqe = tab.getYasqe && tab.getYasqe();
    if (yasqe && yasqe.getValue() !== q.sparql) { yasqe.setValue(q.sparql); }
  });
})();
