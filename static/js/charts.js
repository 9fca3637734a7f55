/* The statistics page's charts (ECharts, from #stats-data: cases/stats.py) and its
   sortable tables (table[data-sortable]: a click on a heading sorts by that column). */
(function () {
  "use strict";

  var charts = [];

  function narrow(element) { return element.clientWidth < 480; }

  function init(id) {
    var element = document.getElementById(id);
    if (!element || !window.echarts) { return null; }
    var chart = window.echarts.init(element, null, { renderer: "svg" });
    charts.push(chart);
    return chart;
  }

  function empty(chart, text) {
    chart.setOption({
      title: { text: text, left: "center", top: "middle", textStyle: { color: "#6c757d", fontSize: 14, fontWeight: "normal" } }
    });
  }

  // State colours: open states warm, finished states cool, rejected grey.
  var STATE_COLOURS = {
    registered: "#e53935", claimed: "#fb8c00", escalated: "#8e24aa", assigned: "#5e35b1",
    accepted: "#3949ab", solved: "#43a047", confirmed: "#2e7d32", closed: "#1b5e20", rejected: "#9e9e9e"
  };

  function weeks(data, texts) {
    var chart = init("chart-weeks");
    if (!chart) { return; }
    if (!data.series.length) { empty(chart, texts.empty); return; }
    var small = narrow(chart.getDom());
    chart.setOption({
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, confine: true },
      legend: { type: "scroll", bottom: 0, itemWidth: 14, textStyle: { fontSize: small ? 10 : 12 } },
      grid: { left: 8, right: 8, top: 16, bottom: 40, containLabel: true },
      xAxis: { type: "category", data: data.labels, axisLabel: { fontSize: small ? 10 : 12, hideOverlap: true } },
      yAxis: { type: "value", minInterval: 1 },
      series: data.series.map(function (s) {
        return {
          type: "bar", stack: "state", name: s.name, data: s.data,
          itemStyle: { color: STATE_COLOURS[s.key] }, emphasis: { focus: "series" }
        };
      })
    });
  }

  function levels(rows, texts) {
    var chart = init("chart-levels");
    if (!chart) { return; }
    if (!rows.some(function (r) { return r.solved || r.ended; })) { empty(chart, texts.empty); return; }
    var small = narrow(chart.getDom());
    chart.setOption({
      tooltip: { trigger: "axis", confine: true },
      legend: { bottom: 0, itemWidth: 14, textStyle: { fontSize: small ? 10 : 12 } },
      grid: { left: 8, right: 8, top: 28, bottom: small ? 64 : 40, containLabel: true },
      xAxis: { type: "category", data: rows.map(function (r) { return r.label; }) },
      yAxis: [
        { type: "value", name: texts.days, min: 0 },
        { type: "value", name: "%", min: 0, max: 100, splitLine: { show: false } }
      ],
      series: [
        { type: "bar", name: texts.median, data: rows.map(function (r) { return r.median_days; }), itemStyle: { color: "#0b5394" }, label: { show: true, position: "top" } },
        { type: "bar", name: texts.average, data: rows.map(function (r) { return r.average_days; }), itemStyle: { color: "#90caf9" }, label: { show: true, position: "top" } },
        { type: "line", name: texts.within, yAxisIndex: 1, data: rows.map(function (r) { return r.within_deadline; }), itemStyle: { color: "#b71c1c" }, symbolSize: 9, label: { show: true, formatter: "{c}%" } }
      ]
    });
  }

  function satisfaction(data, texts) {
    var chart = init("chart-satisfaction");
    if (!chart) { return; }
    if (!data.total) { empty(chart, texts.empty); return; }
    var small = narrow(chart.getDom());
    chart.setOption({
      tooltip: { trigger: "item", formatter: "{b}：{c}（{d}%）", confine: true },
      legend: { bottom: 0 },
      color: ["#2e7d32", "#9ccc65", "#e53935"],
      series: [{
        type: "pie", radius: small ? ["30%", "60%"] : ["35%", "65%"], center: ["50%", "45%"],
        // On a phone the names are in the legend below, the shares on the slices.
        label: small ? { position: "inside", formatter: "{d}%", color: "#fff", fontSize: 11 } : { formatter: "{b}\n{d}%" },
        data: data.rows.map(function (r) { return { name: r.name, value: r.value }; })
      }]
    });
  }

  function sortable(table) {
    var headings = table.querySelectorAll("thead th[data-sort]");
    headings.forEach(function (th, column) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-link p-0 text-reset fw-semibold text-decoration-none";
      while (th.firstChild) { button.appendChild(th.firstChild); }
      th.appendChild(button);
      th.setAttribute("aria-sort", "none");
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        headings.forEach(function (other) { other.setAttribute("aria-sort", "none"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var numeric = th.getAttribute("data-sort") === "number";
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows).filter(function (r) { return r.cells.length > column + 1; });
        rows.sort(function (a, b) {
          var x = a.cells[column].getAttribute("data-value") || a.cells[column].textContent;
          var y = b.cells[column].getAttribute("data-value") || b.cells[column].textContent;
          var order = numeric ? parseFloat(x) - parseFloat(y) : x.localeCompare(y, "zh-Hans-CN");
          return ascending ? order : -order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  }

  function start() {
    document.querySelectorAll("table[data-sortable]").forEach(sortable);
    var source = document.getElementById("stats-data");
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    weeks(data.weeks, data.texts);
    levels(data.levels, data.texts);
    satisfaction(data.satisfaction, data.texts);
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
    // A printed page shows the figures of each chart as a table too.
    window.addEventListener("beforeprint", function () {
      document.querySelectorAll("details.chart-data").forEach(function (d) { d.open = true; });
      charts.forEach(function (c) { c.resize(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
