// The duty log on a phone: the phone's location goes with a check-in where the cadre
// allows it (the hidden latitude/longitude fields of forms marked "geo").
(function () {
  "use strict";
  var forms = document.querySelectorAll("form.geo");
  if (!forms.length || !navigator.geolocation) return;
  navigator.geolocation.getCurrentPosition(function (pos) {
    forms.forEach(function (form) {
      var lat = form.querySelector("input[name=latitude]");
      var lng = form.querySelector("input[name=longitude]");
      if (lat && lng) {
        lat.value = pos.coords.latitude.toFixed(6);
        lng.value = pos.coords.longitude.toFixed(6);
      }
    });
  }, function () {}, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
})();

// After saving an item the page comes back at "#item-N": that item's section opens.
(function () {
  "use strict";
  function openTarget() {
    var target = location.hash && document.getElementById(location.hash.slice(1));
    if (target && target.tagName === "DETAILS") {
      target.open = true;
      target.scrollIntoView({ block: "start" });
    }
  }
  openTarget();
  window.addEventListener("hashchange", openTarget);
})();
