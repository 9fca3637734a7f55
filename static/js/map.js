/* The map of villages or grids, with no tile server: the areas' own GeoJSON boundaries
   (from the page, #map-data) are the only layer, coloured by one figure (open cases, …).
   Clicking an area opens its page. Data: grids/views.py map_data(). */
(function () {
  "use strict";

  function centreLatitude(geojson) {
    var min = 90, max = -90;
    geojson.features.forEach(function (feature) {
      var g = feature.geometry || {};
      var polygons = g.type === "MultiPolygon" ? g.coordinates : [g.coordinates || []];
      polygons.forEach(function (polygon) {
        (polygon[0] || []).forEach(function (pos) {
          if (pos[1] < min) { min = pos[1]; }
          if (pos[1] > max) { max = pos[1]; }
        });
      });
    });
    return min <= max ? (min + max) / 2 : 0;
  }

  function draw(element, data) {
    var name = "areas-" + data.kind;
    window.echarts.registerMap(name, data.geojson);
    var chart = window.echarts.init(element, null, { renderer: "svg" });
    var layer = data.layer || {};
    // Good is green, bad is red: for open cases more is worse, for coverage more is better.
    var colours = ["#e8f5e9", "#ffe082", "#e53935"];
    if (layer.higherIsBetter) { colours = colours.slice().reverse(); }
    var narrow = element.clientWidth < 480;
    chart.setOption({
      tooltip: {
        trigger: "item",
        formatter: function (p) {
          var item = p.data || {};
          // The tooltip is HTML: an area's name is text someone typed, so it is escaped.
          var encode = window.echarts.format.encodeHTML;
          return encode(String(item.label || p.name)) + "<br>" + encode(String(layer.label || "")) + "：" +
            (item.value === undefined ? "—" : encode(String(item.value))) + encode(String(layer.unit || ""));
        }
      },
      visualMap: {
        type: "continuous",
        min: 0,
        max: data.max,
        text: [data.texts.high, data.texts.low],
        calculable: false,
        orient: narrow ? "horizontal" : "vertical",
        left: narrow ? "center" : "left",
        bottom: 0,
        itemHeight: narrow ? 100 : 120,
        inRange: { color: colours }
      },
      series: [{
        type: "map",
        map: name,
        nameProperty: "code",
        roam: true,
        // Degrees of longitude are shorter than degrees of latitude away from the equator.
        aspectScale: Math.cos(centreLatitude(data.geojson) * Math.PI / 180),
        top: 10,
        bottom: narrow ? 60 : 10,
        selectedMode: false,
        label: {
          show: true,
          fontSize: narrow ? 10 : 12,
          formatter: function (p) {
            var item = p.data || {};
            return (item.label || p.name) + "\n" + (item.value === undefined ? "" : item.value);
          }
        },
        itemStyle: { borderColor: "#555", borderWidth: 1, areaColor: "#f5f5f5" },
        emphasis: { label: { show: true, fontWeight: "bold" }, itemStyle: { areaColor: "#90caf9" } },
        data: data.areas
      }]
    });
    chart.on("click", function (p) {
      if (p.data && p.data.url) { window.location.href = p.data.url; }
    });
    if (window.ResizeObserver) {
      new window.ResizeObserver(function () { chart.resize(); }).observe(element);
    } else {
      window.addEventListener("resize", function () { chart.resize(); });
    }
  }

  function start() {
    var element = document.getElementById("area-map");
    var source = document.getElementById("map-data");
    if (!element || !source || !window.echarts) { return; }
    draw(element, JSON.parse(source.textContent));
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
