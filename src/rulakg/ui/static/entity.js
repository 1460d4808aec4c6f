/* An entity page's small timeline: the entity's own time span and those of the facts linked to it. */
(function () {
  "use strict";
  var el = document.getElementById("entity-timeline");
  var src = document.getElementById("entity-timeline-data");
  if (!el || !src || !window.echarts) { return; }
  var points = JSON.parse(src.textContent);
  el.style.height = Math.min(520, Math.max(140, 50 + points.length * 22)) + "px";
  var chart = window.echarts.init(el, null, { renderer: "svg" });
  var labels = points.map(function (p) { return p.label.length > 48 ? p.label.slice(0, 46) + "…" : p.label; });
  chart.setOption({
    aria: { enabled: true },
    animation: false,
    tooltip: { formatter: function (p) { return p.data.name + "<br>" + p.data.start + (p.data.end !== p.data.start ? " – " + p.data.end : ""); } },
    grid: { left: 10, right: 20, top: 10, bottom: 30, containLabel: true },
    xAxis: { type: "time" },
    yAxis: { type: "category", data: labels, inverse: true, axisLabel: { interval: 0, fontSize: 11 } },
    series: [{
      type: "custom",
      renderItem: function (params, api) {
        var a = api.coord([api.value(0), api.value(2)]), b = api.coord([api.value(1), api.value(2)]);
        var w = Math.max(6, b[0] - a[0]);
        return { type: "rect", shape: { x: a[0] - 3, y: a[1] - 5, width: w, height: 10, r: 3 }, style: api.style() };
      },
      encode: { x: [0, 1], y: 2 },
      data: points.map(function (p, i) {
        return { value: [p.start, p.end, i], name: p.label, start: p.start, end: p.end, href: p.href,
          itemStyle: { color: p.self ? "#b42318" : "#0b5cad" } };
      })
    }]
  });
  el.dataset.marks = String(points.length);
  chart.on("click", function (ev) { if (ev.data && ev.data.href) { window.location.href = ev.data.href; } });
  window.addEventListener("resize", function () { chart.resize(); });
})();
