/* A SPARQL JSON result as an accessible HTML table; IRIs of the graph link to their entity pages. */
window.rulakgTable = (function () {
  "use strict";
  var idBase = "https://w3id.org/rulakg/id/";
  function cell(term) {
    var td = document.createElement("td");
    if (!term) { return td; }
    if (term.type === "uri") {
      var a = document.createElement("a");
      var local = term.value.indexOf(idBase) === 0 ? "/id/" + term.value.slice(idBase.length) : null;
      a.href = local || term.value;
      a.textContent = local ? "rid:" + term.value.slice(idBase.length) : term.value;
      a.title = term.value;
      if (!local) { a.rel = "noopener noreferrer"; }
      td.appendChild(a);
    } else {
      td.textContent = term.value;
      if (term["xml:lang"]) { td.lang = term["xml:lang"]; }
    }
    return td;
  }
  function render(container, data, caption) {
    container.textContent = "";
    if (typeof data.boolean === "boolean") {
      var p = document.createElement("p");
      p.textContent = "Answer: " + data.boolean;
      container.appendChild(p);
      return 1;
    }
    var vars = data.head.vars.filter(function (v) { return v.charAt(0) !== "_"; });
    var table = document.createElement("table");
    table.className = "results";
    if (caption) {
      var c = document.createElement("caption");
      c.textContent = caption;
      table.appendChild(c);
    }
    var thead = document.createElement("thead"), tr = document.createElement("tr");
    vars.forEach(function (v) {
      var th = document.createElement("th");
      th.scope = "col";
      th.textContent = v;
      tr.appendChild(th);
    });
    thead.appendChild(tr);
    table.appendChild(thead);
    var tbody = document.createElement("tbody");
    data.results.bindings.forEach(function (b) {
      var row = document.createElement("tr");
      vars.forEach(function (v) { row.appendChild(cell(b[v])); });
      tbody.appendChild(row);
    });
    table.appendChild(tbody);
    var wrap = document.createElement("div");
    wrap.className = "table-wrap";
    wrap.tabIndex = 0;
    wrap.setAttribute("role", "region");
    wrap.setAttribute("aria-label", caption || "Results");
    wrap.appendChild(table);
    container.appendChild(wrap);
    return data.results.bindings.length;
  }
  function setBase(base) { idBase = base; }
  return { render: render, setBase: setBase };
})();
