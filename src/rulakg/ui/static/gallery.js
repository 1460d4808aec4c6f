/* A saved query's page: run the form on /api/queries/<name>, show the rows, keep the download links in step. */
(function () {
  "use strict";
  var form = document.getElementById("query-form");
  if (!form) { return; }
  var status = document.getElementById("result-status");
  var result = document.getElementById("result");
  function params() {
    var out = new URLSearchParams();
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.disabled || el.value === "") { return; }
      out.append(el.name, el.value);
    });
    return out;
  }
  function updateLinks() {
    var p = params();
    p.delete("per_page");
    form.querySelectorAll("a.download").forEach(function (a) {
      var q = new URLSearchParams(p);
      q.set("format", a.dataset.format);
      a.href = form.dataset.api + "?" + q.toString();
    });
  }
  form.addEventListener("input", updateLinks);
  form.addEventListener("change", updateLinks);
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    updateLinks();
    var graph = form.dataset.graph === "true";
    var p = params();
    p.set("format", graph ? "ttl" : "json");
    status.textContent = "Running…";
    result.textContent = "";
    result.setAttribute("aria-busy", "true");
    var started = performance.now();
    fetch(form.dataset.api + "?" + p.toString()).then(function (r) {
      return (graph ? r.text() : r.text()).then(function (body) { return { ok: r.ok, status: r.status, body: body }; });
    }).then(function (res) {
      result.removeAttribute("aria-busy");
      var ms = Math.round(performance.now() - started);
      if (!res.ok) {
        status.textContent = "Error " + res.status + ": " + res.body;
        status.className = "error";
        return;
      }
      status.className = "";
      if (graph) {
        var pre = document.createElement("pre");
        pre.textContent = res.body;
        result.appendChild(pre);
        status.textContent = "Graph received (" + ms + " ms).";
        return;
      }
      var n = window.rulakgTable.render(result, JSON.parse(res.body), "Results");
      status.textContent = n + " row(s) in " + ms + " ms.";
      result.dataset.rows = String(n);
    }).catch(function (e) {
      result.removeAttribute("aria-busy");
      status.textContent = "The request failed: " + e;
    });
  });
  updateLinks();
})();
