/* How states voted: a matrix of states × resolutions, one coloured cell per recorded vote. */
(function () {
  "use strict";
  var V = window.rulakgViews;
  V.run({
    chart: "votes-chart",
    data: "/api/views/votes",
    describe: function (data, marks) {
      var counts = {};
      data.votes.forEach(function (v) { counts[v.option] = (counts[v.option] || 0) + 1; });
      return marks + " vote(s): " + data.options.map(function (o) { return (counts[o] || 0) + " " + o; }).join(", ") + ".";
    },
    draw: function (chart, data, el) {
      var states = [], resolutions = [];
      data.votes.forEach(function (v) {
        if (states.indexOf(v.stateLabel) < 0) { states.push(v.stateLabel); }
        if (resolutions.indexOf(v.symbol) < 0) { resolutions.push(v.symbol); }
      });
      states.sort().reverse();
      el.style.height = Math.max(260, 80 + states.length * 24) + "px";
      chart.resize();
      var options = data.options;
      chart.setOption({
        aria: { enabled: true },
        animation: false,
        tooltip: { formatter: function (p) { return p.data.state + " — " + p.data.symbol + ": " + p.data.option; } },
        grid: { left: 10, right: 20, top: 40, bottom: 60, containLabel: true },
        xAxis: { type: "category", data: resolutions, position: "top" },
        yAxis: { type: "category", data: states, axisLabel: { interval: 0 } },
        visualMap: {
          type: "piecewise", dimension: 2, orient: "horizontal", left: "center", bottom: 0,
          pieces: options.map(function (o, i) { return { value: i, label: o, color: V.COLORS[o] }; })
        },
        series: [{
          type: "heatmap", name: "Votes",
          label: { show: true, color: "#fff", formatter: function (p) { return p.data.option; } },
          itemStyle: { borderColor: "#fff", borderWidth: 2 },
          data: data.votes.map(function (v) {
            return { value: [resolutions.indexOf(v.symbol), states.indexOf(v.stateLabel), options.indexOf(v.option)],
              href: v.href, state: v.stateLabel, symbol: v.symbol, option: v.option };
          })
        }]
      }, true);
      V.table(document.getElementById("view-table"), "The votes as a table",
        [["stateLabel", "State"], ["symbol", "Resolution"], ["option", "Vote"], ["status", "Status"]], data.votes);
      return data.votes.length;
    }
  });
})();
