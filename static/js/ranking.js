/* The village ranking pages (scoring/ranking_views.py): the ranking table sorted by a
   click on any heading (table[data-ranking]; each cell's data-value, not rated = -1),
   and a village's trend over the last 12 periods (ECharts, from #trend-data). */
(function () {
  "use strict";

  function sortable(table) {
    var headings = Array.prototype.slice.call(table.tHead.rows[0].cells);
    headings.forEach(function (th, column) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-link p-0 text-reset fw-semibold text-decoration-none";
      while (th.firstChild) { button.appendChild(th.firstChild); }
      th.appendChild(button);
      th.setAttribute("aria-sort", "none");
      button.addEventListener("click", function () {
        var numeric = th.getAttribute("data-sort") === "number";
        // the first click sorts the best first: highest values, but rank 1 and names from the top
        var first = numeric && column > 1 ? "descending" : "ascending";
        var now = th.getAttribute("aria-sort");
        var order = now === "none" ? first : (now === "ascending" ? "descending" : "ascending");
        headings.forEach(function (other) { other.setAttribute("aria-sort", "none"); });
        th.setAttribute("aria-sort", order);
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = a.cells[column].getAttribute("data-value") || a.cells[column].textContent;
          var y = b.cells[column].getAttribute("data-value") || b.cells[column].textContent;
          var d = numeric ? parseFloat(x) - parseFloat(y) : x.localeCompare(y, "zh-Hans-CN");
          return order === "ascending" ? d : -d;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  }

  function trend() {
    var source = document.getElementById("trend-data");
    var element = document.getElementById("trend-chart");
    if (!source || !element || !window.echarts) { return; }
    var data = JSON.parse(source.textContent);
    var chart = window.echarts.init(element, null, { renderer: "svg" });
    var any = data.scores.some(function (v) { return v !== null; });
    if (!any) {
      chart.setOption({ title: { text: data.texts.empty, left: "center", top: "middle", textStyle: { color: "#6c757d", fontSize: 14, fontWeight: "normal" } } });
      return;
    }
    var small = element.clientWidth < 480;
    var worst = Math.max.apply(null, data.ranks.filter(function (r) { return r !== null; }).concat([1]));
    chart.setOption({
      tooltip: { trigger: "axis", confine: true },
      legend: { bottom: 0 },
      grid: { left: 8, right: 8, top: 28, bottom: 36, containLabel: true },
      xAxis: { type: "category", data: data.labels, axisLabel: { fontSize: small ? 10 : 12, hideOverlap: true } },
      yAxis: [
        { type: "value", name: data.texts.score, min: 0, max: 100 },
        { type: "value", name: data.texts.rank, inverse: true, min: 1, max: worst, minInterval: 1, splitLine: { show: false } }
      ],
      series: [
        { type: "line", name: data.texts.score, data: data.scores, connectNulls: false, itemStyle: { color: "#0b5394" }, symbolSize: 7 },
        { type: "line", name: data.texts.rank, yAxisIndex: 1, data: data.ranks, step: "middle", itemStyle: { color: "#e69138" }, symbolSize: 7 }
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function start() {
    document.querySelectorAll("table[data-ranking]").forEach(sortable);
    trend();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
