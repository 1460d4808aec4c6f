/* The timeline of visits and agreements: one row per Latin American or Caribbean state, one mark per item. */
(function () {
  "use strict";
  var V = window.rulakgViews;
  V.run({
    chart: "timeline-chart",
    data: "/api/views/timeline",
    describe: function (data, marks) { return marks + " visit(s) and agreement(s) shown."; },
    draw: function (chart, data, el) {
      var states = [];
      data.items.forEach(function (it) { if (states.indexOf(it.stateLabel) < 0) { states.push(it.stateLabel); } });
      states.sort().reverse();
      el.style.height = Math.max(260, 60 + states.length * 26) + "px";
      chart.resize();
      function series(kind, name, symbol) {
        return {
          name: name, type: "scatter", symbol: symbol, symbolSize: 12, itemStyle: { color: V.COLORS[kind], opacity: 0.85 },
          data: data.items.filter(function (it) { return it.kind === kind; }).map(function (it) {
            return { value: [it.start, it.stateLabel], name: it.label, href: it.href, end: it.end };
          })
        };
      }
      chart.setOption({
        aria: { enabled: true },
        animation: false,
        tooltip: { trigger: "item", formatter: function (p) { return p.data.name + "<br>" + p.data.value[0] + (p.data.end !== p.data.value[0] ? " – " + p.data.end : ""); } },
        legend: { top: 0 },
        grid: { left: 10, right: 30, top: 36, bottom: 30, containLabel: true },
        xAxis: { type: "time" },
        yAxis: { type: "category", data: states, axisLabel: { interval: 0 } },
        dataZoom: [{ type: "inside", xAxisIndex: 0 }],
        series: [series("visit", "Visits", "circle"), series("agreement", "Agreements", "diamond")]
      }, true);
      V.table(document.getElementById("view-table"), "The items as a table",
        [["label", "Item"], ["kind", "Kind"], ["stateLabel", "State"], ["start", "From"], ["end", "To"]], data.items);
      return data.items.length;
    }
  });
})();
