/* Shared by the views: read the form into the URL (shareable), fetch the data, draw with ECharts (SVG renderer,
   so the marks are elements of the page), and list the data in a table for screen readers and keyboard users. */
window.rulakgViews = (function () {
  "use strict";
  var COLORS = { yes: "#1a7f37", no: "#b42318", abstain: "#9a6700", absent: "#667085", "not-member": "#c8ccd2",
    visit: "#0b5cad", agreement: "#b42318", official: "#8250df", state: "#0b5cad" };
  function formParams(form) {
    var p = new URLSearchParams();
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.name && el.value !== "") { p.set(el.name, el.value); }
    });
    return p;
  }
  function fillForm(form) {
    var p = new URLSearchParams(window.location.search);
    p.forEach(function (v, k) { if (form.elements[k]) { form.elements[k].value = v; } });
  }
  function table(container, caption, columns, rows) {
    container.textContent = "";
    var details = document.createElement("details");
    var summary = document.createElement("summary");
    summary.textContent = caption + " (" + rows.length + ")";
    details.appendChild(summary);
    var t = document.createElement("table");
    t.className = "results";
    var head = document.createElement("tr");
    columns.forEach(function (c) { var th = document.createElement("th"); th.scope = "col"; th.textContent = c[1]; head.appendChild(th); });
    var thead = document.createElement("thead"); thead.appendChild(head); t.appendChild(thead);
    var tbody = document.createElement("tbody");
    rows.forEach(function (r) {
      var tr = document.createElement("tr");
      columns.forEach(function (c, i) {
        var td = document.createElement("td");
        if (i === 0 && r.href) { var a = document.createElement("a"); a.href = r.href; a.textContent = r[c[0]]; td.appendChild(a); }
        else { td.textContent = r[c[0]] == null ? "" : r[c[0]]; }
        tr.appendChild(td);
      });
      tbody.appendChild(tr);
    });
    t.appendChild(tbody);
    var wrap = document.createElement("div"); wrap.className = "table-wrap"; wrap.appendChild(t);
    details.appendChild(wrap);
    container.appendChild(details);
  }
  function run(opts) {
    var form = document.getElementById("view-form");
    var status = document.getElementById("view-status");
    var el = document.getElementById(opts.chart);
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    window.addEventListener("resize", function () { chart.resize(); });
    chart.on("click", function (ev) {
      var href = ev.data && (ev.data.href || (ev.data.value && ev.data.value.href));
      if (href) { window.location.href = href; }
    });
    function load(push) {
      var p = formParams(form);
      if (push) { history.replaceState(null, "", window.location.pathname + (p.toString() ? "?" + p : "")); }
      status.textContent = "Loading…";
      el.setAttribute("aria-busy", "true");
      fetch(opts.data + "?" + p.toString()).then(function (r) { return r.json(); }).then(function (data) {
        var marks = opts.draw(chart, data, el);
        el.dataset.marks = String(marks);
        el.removeAttribute("aria-busy");
        status.textContent = opts.describe(data, marks);
      }).catch(function (e) { status.textContent = "Could not load the data: " + e; });
    }
    fillForm(form);
    form.addEventListener("submit", function (ev) { ev.preventDefault(); load(true); });
    load(false);
    return chart;
  }
  return { run: run, table: table, COLORS: COLORS };
})();
