/* The quarterly bulletin's charts (ECharts, from #bulletin-data: scoring/bulletin_views.py):
   the quarter's score per village, the cases reported per week, the satisfaction split.
   SVG, so that they print as sharply as the text. */
(function () {
  "use strict";

  var charts = [];

  function init(id) {
    var element = document.getElementById(id);
    if (!element || !window.echarts) { return null; }
    var chart = window.echarts.init(element, null, { renderer: "svg" });
    charts.push(chart);
    return chart;
  }

  function empty(chart, text) {
    chart.getDom().style.height = "80px";  // a line of text, not a blank chart's height
    chart.resize();
    chart.setOption({ title: { text: text, left: "center", top: "middle", textStyle: { color: "#6c757d", fontSize: 14, fontWeight: "normal" } } });
  }

  function ranking(data, texts) {
    var chart = init("chart-ranking");
    if (!chart) { return; }
    if (!data.names.length) { empty(chart, texts.empty); return; }
    chart.getDom().style.height = Math.max(160, 28 * data.names.length + 40) + "px";
    chart.resize();
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, confine: true },
      grid: { left: 8, right: 40, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", min: 0, max: 100 },
      yAxis: { type: "category", inverse: true, data: data.names },
      series: [{ type: "bar", name: texts.score, data: data.scores, itemStyle: { color: "#0b5394" }, label: { show: true, position: "right", formatter: function (p) { return p.value.toFixed(2); } } }]
    });
  }

  function weeks(data, texts) {
    var chart = init("chart-weeks");
    if (!chart) { return; }
    if (!data.totals.some(function (n) { return n; })) { empty(chart, texts.empty); return; }
    chart.setOption({
      animation: false,
      title: { text: texts.reported, left: "center", textStyle: { fontSize: 13, fontWeight: "normal" } },
      tooltip: { trigger: "axis", confine: true },
      grid: { left: 8, right: 8, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: data.labels, axisLabel: { hideOverlap: true } },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "bar", name: texts.reported, data: data.totals, itemStyle: { color: "#0b5394" } }]
    });
  }

  function satisfaction(rows, texts) {
    var chart = init("chart-satisfaction");
    if (!chart) { return; }
    if (!rows.length) { empty(chart, texts.empty); return; }
    chart.setOption({
      animation: false,
      tooltip: { trigger: "item", formatter: "{b}：{c}（{d}%）", confine: true },
      legend: { bottom: 0 },
      color: ["#2e7d32", "#9ccc65", "#e53935"],
      series: [{ type: "pie", radius: ["30%", "65%"], center: ["50%", "45%"], label: { position: "inside", formatter: "{d}%", color: "#fff", fontSize: 11 }, data: rows }]
    });
  }

  function start() {
    var source = document.getElementById("bulletin-data");
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    ranking(data.ranking, data.texts);
    weeks(data.weeks, data.texts);
    satisfaction(data.satisfaction, data.texts);
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
    window.addEventListener("beforeprint", function () { charts.forEach(function (c) { c.resize(); }); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
