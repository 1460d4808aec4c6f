/* Officials ↔ states ↔ agreements as a force-directed graph. */
(function () {
  "use strict";
  var V = window.rulakgViews;
  var KINDS = ["official", "state", "agreement"];
  V.run({
    chart: "network-chart",
    data: "/api/views/network",
    describe: function (data) { return data.nodes.length + " node(s) and " + data.links.length + " link(s)."; },
    draw: function (chart, data, el) {
      el.style.height = "640px";
      chart.resize();
      chart.setOption({
        aria: { enabled: true },
        tooltip: { formatter: function (p) { return p.dataType === "edge" ? p.data.relation : p.data.name + " (" + KINDS[p.data.category] + ")"; } },
        legend: { data: ["Officials", "States", "Agreements"], top: 0 },
        series: [{
          type: "graph", layout: "force", roam: true, draggable: true, animation: false,
          force: { repulsion: 120, edgeLength: 60, gravity: 0.08 },
          categories: [{ name: "Officials", itemStyle: { color: V.COLORS.official } }, { name: "States", itemStyle: { color: V.COLORS.state } },
            { name: "Agreements", itemStyle: { color: V.COLORS.agreement } }],
          label: { show: true, position: "right", fontSize: 11, formatter: function (p) { return p.data.kind === "agreement" ? "" : p.data.name; } },
          lineStyle: { color: "#8c959f", opacity: 0.6 },
          data: data.nodes.map(function (n) {
            return { id: n.id, name: n.label, href: n.href, kind: n.kind, category: KINDS.indexOf(n.kind),
              symbolSize: Math.min(36, 8 + n.degree * 2), symbol: n.kind === "agreement" ? "diamond" : "circle" };
          }),
          links: data.links.map(function (l) { return { source: l.source, target: l.target, relation: l.relation }; })
        }]
      }, true);
      V.table(document.getElementById("view-table"), "The links as a table",
        [["sourceLabel", "From"], ["relation", "Relation"], ["targetLabel", "To"]],
        data.links.map(function (l) {
          var byId = {};
          data.nodes.forEach(function (n) { byId[n.id] = n; });
          return { sourceLabel: byId[l.source].label, href: byId[l.source].href, relation: l.relation, targetLabel: byId[l.target].label };
        }));
      return data.nodes.length;
    }
  });
})();
