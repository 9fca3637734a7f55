// The report form: the grid choices follow the chosen village, and "use my location"
// asks the server which of the user's villages and grids holds the phone's position.
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  if (!form) return;
  var village = form.querySelector("select[name=village]");
  var grid = form.querySelector("select[name=grid]");
  var allGrids = grid ? Array.prototype.slice.call(grid.options) : [];

  function followVillage() {
    if (!village || !grid) return;
    var chosen = village.value;
    var current = grid.value;
    grid.innerHTML = "";
    allGrids.forEach(function (option) {
      var of = option.getAttribute("data-village");
      if (!of || !chosen || of === chosen) grid.appendChild(option);
    });
    grid.value = Array.prototype.some.call(grid.options, function (o) { return o.value === current; }) ? current : "";
  }
  if (village && grid) {
    village.addEventListener("change", followVillage);
    followVillage();
  }

  var button = document.getElementById("locate");
  var status = document.getElementById("locate-status");
  if (!button || !status) return;
  function say(text) { status.textContent = text; }
  button.addEventListener("click", function () {
    if (!navigator.geolocation) { say(button.dataset.msgError); return; }
    say(button.dataset.msgBusy);
    navigator.geolocation.getCurrentPosition(function (position) {
      var lat = position.coords.latitude, lng = position.coords.longitude;
      form.querySelector("input[name=latitude]").value = lat;
      form.querySelector("input[name=longitude]").value = lng;
      var url = button.dataset.url + "?lat=" + encodeURIComponent(lat) + "&lng=" + encodeURIComponent(lng);
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : {}; })
        .then(function (found) {
          if (!found.village) { say(button.dataset.msgNone); return; }
          village.value = String(found.village.id);
          followVillage();
          var names = [found.village.name];
          if (found.grid) { grid.value = String(found.grid.id); names.push(found.grid.name); }
          say(button.dataset.msgFound + " " + names.join(" · "));
        })
        .catch(function () { say(button.dataset.msgError); });
    }, function () { say(button.dataset.msgError); }, { enableHighAccuracy: true, timeout: 15000 });
  });
})();
