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

// Offline: the log's entries are kept on the phone while there is no connection (or a
// sending fails), shown as waiting, and sent again when the connection returns. Each
// entry is sent to the address of the log it was written in (never "today", which is
// another log after midnight) and carries an idempotency key ("idem", with the log's id),
// which the server applies exactly once, so an entry sent twice (the answer lost on the
// way back) is not recorded twice. An entry counts as sent only when the server answers
// X-Duty-Result "saved" or "duplicate"; "invalid" is a refusal by the log's rules; any
// other answer (a log-in page after the session expired, an error) keeps it queued.
// Photos are not queued: they need a connection.
(function () {
  "use strict";
  var box = document.getElementById("log-queue");
  if (!box || !window.fetch || !window.localStorage) return;
  var STORE = "duty-log-queue";
  var stuck = false;

  function load() {
    try {
      return JSON.parse(localStorage.getItem(STORE)) || [];
    } catch (e) {
      return [];
    }
  }
  function save(queue) {
    localStorage.setItem(STORE, JSON.stringify(queue));
    show();
  }
  function newKey() {
    var key = window.crypto && crypto.randomUUID
      ? crypto.randomUUID()
      : Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
    return box.dataset.log + ":" + key;
  }
  function label(form) {
    var details = form.closest("details");
    var title = details ? details.querySelector("summary .me-auto") : null;
    var button = form.querySelector("button");
    return [title ? title.textContent.trim() : "", button ? button.textContent.trim() : ""]
      .filter(Boolean)
      .join(" · ");
  }
  function show() {
    var queue = load();
    box.textContent = "";
    if (!queue.length) return;
    var head = document.createElement("div");
    head.className = "fw-semibold";
    head.textContent = box.dataset.waiting.replace("{n}", queue.length);
    box.appendChild(head);
    var list = document.createElement("ul");
    list.className = "mb-0 ps-3";
    queue.forEach(function (entry) {
      var li = document.createElement("li");
      li.textContent = entry.label + " (" + new Date(entry.at).toLocaleTimeString() + ")";
      list.appendChild(li);
    });
    box.appendChild(list);
    if (stuck) {
      var note = document.createElement("div");
      note.className = "mt-1";
      note.id = "log-queue-stuck";
      note.textContent = box.dataset.stuck;
      box.appendChild(note);
    }
  }
  function send(entry) {
    // the page's own CSRF token: a log-in since the entry was kept has changed it
    var token = document.querySelector("input[name=csrfmiddlewaretoken]");
    var body = new URLSearchParams();
    entry.fields.forEach(function (pair) {
      if (pair[0] === "csrfmiddlewaretoken" && token) body.append(pair[0], token.value);
      else body.append(pair[0], pair[1]);
    });
    return fetch(entry.url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-Duty-Queue": "1" },
    });
  }
  function result(response) {
    return response.headers.get("X-Duty-Result") || "";
  }
  function enqueue(entry) {
    var queue = load();
    queue.push(entry);
    save(queue);
  }

  var replaying = false;
  function replay() {
    if (replaying || !navigator.onLine || !load().length) return;
    replaying = true;
    var sent = 0;
    var refused = 0;
    (function next() {
      var queue = load();
      if (!queue.length) return done();
      send(queue[0]).then(
        function (response) {
          var answer = result(response);
          if (answer === "saved" || answer === "duplicate") sent++;
          else if (answer === "invalid") refused++;
          else {
            stuck = true; // kept: tried again later
            show();
            return done();
          }
          stuck = false;
          queue = load();
          queue.shift();
          save(queue);
          next();
        },
        function () {
          done(); // still no connection: kept
        }
      );
    })();
    function done() {
      replaying = false;
      if (refused) window.alert(box.dataset.refused);
      if (sent || refused) location.reload();
    }
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!box.dataset.logUrl) return; // a page without a log: nothing of it to keep
    if (event.defaultPrevented || form.method.toLowerCase() !== "post") return;
    if (!form.querySelector("input[name=action]") || form.enctype === "multipart/form-data") return;
    event.preventDefault();
    var fields = [];
    new FormData(form).forEach(function (value, name) {
      if (typeof value === "string") fields.push([name, value]);
    });
    fields.push(["idem", newKey()]);
    fields.push(["log", box.dataset.log]);
    var details = form.closest("details");
    var entry = {
      url: box.dataset.logUrl,
      fields: fields,
      label: label(form),
      at: new Date().toISOString(),
      item: details ? details.id : "",
    };
    function keep() {
      enqueue(entry);
      form.reset();
    }
    if (!navigator.onLine) return keep();
    send(entry).then(
      function (response) {
        var answer = result(response);
        if (answer === "saved" || answer === "duplicate") {
          if (entry.item) history.replaceState(null, "", "#" + entry.item);
          location.reload();
          return;
        }
        if (answer !== "invalid") {
          stuck = true; // e.g. the session expired: kept on the phone, sent after log-in
          return keep();
        }
        return response.text().then(function (html) {
          document.open();
          document.write(html);
          document.close();
        });
      },
      keep // the sending failed: kept on the phone
    );
  });

  window.addEventListener("online", replay);
  show();
  replay();
})();
