// The publish page: follow the job's stages over server-sent events (no inline script: CSP).
(function () {
  "use strict";
  function figure(v) { return v === null || v === undefined ? "\u2013" : Number(v).toFixed(3); }
  function cell(row, text) { var td = document.createElement("td"); td.textContent = text; row.appendChild(td); }

  function gate(detail) {
    var body = document.querySelector("#gate tbody");
    body.textContent = "";
    detail.rows.forEach(function (r) {
      var tr = document.createElement("tr");
      cell(tr, r.figure); cell(tr, figure(r.old)); cell(tr, figure(r["new"])); cell(tr, String(r.floor));
      body.appendChild(tr);
    });
    var problems = document.getElementById("problems");
    problems.textContent = "";
    (detail.problems || []).forEach(function (p) {
      var li = document.createElement("li"); li.textContent = p; problems.appendChild(li);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var list = document.getElementById("stages");
    if (!list || list.dataset.done) { return; }
    var source = new EventSource("/kb/publish/" + list.dataset.job + "/events?after=" + list.dataset.last);
    source.addEventListener("stage", function (e) {
      var event = JSON.parse(e.data);
      if (event.stage === "end") { source.close(); window.location.reload(); return; }
      var item = document.getElementById("stage-" + event.stage);
      if (item) {
        item.className = "stage stage-" + event.status;
        item.querySelector(".status").textContent = event.status;
      }
      if (event.stage === "gate") { gate(event.detail); }
    });
  });
})();
