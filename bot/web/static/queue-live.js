// The queue, live: follows /queue/events (server-sent events) and, on each ticket move,
// fetches that one row as the server renders it now (/queue/row/{docket}, same access
// checks and filters as the page) and puts it in place. A file, not inline: the CSP allows
// scripts from the desk only. htmx 2's SSE extension is not vendored; EventSource is enough.
(function () {
  "use strict";
  var body = document.getElementById("queue-rows");
  if (!body || !window.EventSource) {
    return;
  }
  var status = document.getElementById("live-status");
  var empty = document.getElementById("queue-empty");
  var filter = body.dataset.filter || "";
  var insertNew = body.dataset.insert === "1"; // only page 1 takes new tickets
  var LOW_SHARE = 0.25; // bot.web.urgency.LOW_SHARE

  function say(text) {
    if (status) {
      status.textContent = text;
    }
  }

  function place(row) {
    var due = Number(row.dataset.due);
    var rows = body.rows;
    for (var i = 0; i < rows.length; i += 1) {
      if (Number(rows[i].dataset.due) > due) {
        body.insertBefore(row, rows[i]);
        return;
      }
    }
    body.appendChild(row);
  }

  function refresh(docket) {
    var url = "/queue/row/" + encodeURIComponent(docket) + (filter ? "?" + filter : "");
    return fetch(url, { credentials: "same-origin", headers: { Accept: "text/html", "X-Seva-Background": "1" } })
      .then(function (response) {
        if (leaving) {
          return;
        }
        var old = document.getElementById("ticket-" + docket);
        if (response.status !== 200) {
          // 204: no longer on this queue (done, or outside the filters); 403/404: not ours.
          if (old && [204, 403, 404].indexOf(response.status) >= 0) {
            old.remove();
          }
          return;
        }
        return response.text().then(function (html) {
          // The server escaped every value; a <template> runs nothing while parsing.
          var holder = document.createElement("template");
          holder.innerHTML = html.trim();
          var row = holder.content.querySelector("tr");
          var now = document.getElementById("ticket-" + docket);
          if (!row) {
            return;
          }
          if (now) {
            now.replaceWith(row);
          } else if (insertNew) {
            place(row);
            if (empty) {
              empty.hidden = true;
            }
          }
        });
      })
      .catch(function () {
        say("live (a row failed to refresh; reload to be sure)");
      });
  }

  // Between moves, a row still turns "due soon" and "breached" on time: the SLA scheduler
  // announces its warnings and escalations too, but only when its tick comes.
  function recolour() {
    var now = Date.now() / 1000;
    var rows = body.rows;
    for (var i = 0; i < rows.length; i += 1) {
      var row = rows[i];
      var due = Number(row.dataset.due);
      var from = Number(row.dataset.from);
      var css = "sla-ok";
      var label = "on time";
      if (due - now <= 0) {
        css = "sla-breached";
        label = "breached";
      } else if (due - now < LOW_SHARE * (due - from)) {
        css = "sla-low";
        label = "due soon";
      }
      if (!row.classList.contains(css)) {
        row.classList.remove("sla-ok", "sla-low", "sla-breached");
        row.classList.add(css);
        var word = row.querySelector(".sla-label");
        if (word) {
          word.textContent = label;
        }
      }
    }
  }

  // Once this page submits a form (a claim), it is leaving: a row replaced now would remove
  // the form mid-submission, and the browser may then drop the navigation that shows the
  // claim's outcome. The next page starts its own stream.
  var leaving = false;
  document.addEventListener("submit", function () {
    leaving = true;
    source.close();
  });

  var source = new EventSource("/queue/events");
  source.addEventListener("ready", function () {
    say("live");
  });
  source.addEventListener("move", function (event) {
    if (leaving) {
      return;
    }
    var move = JSON.parse(event.data);
    refresh(move.docket);
  });
  source.addEventListener("error", function () {
    say(source.readyState === EventSource.CLOSED ? "not live: reload the page" : "reconnecting");
  });
  window.setInterval(recolour, 30000);
})();
