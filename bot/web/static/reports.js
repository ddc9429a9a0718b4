// The reports page: draw each chart from its JSON (the same rows as the table beside it).
// Chart.js is vendored (static/chart.umd.min.js, see SOURCE.md); no inline script (CSP).
(function () {
  "use strict";
  const COLOURS = ["#0b3d6e", "#c0392b", "#e0a100", "#7f8c8d", "#1a6b2a", "#6c3483"];

  function draw(canvas, data) {
    const labels = data.rows.map(function (r) { return String(r[0]); });
    const datasets = data.columns.slice(1).map(function (name, i) {
      return {
        label: name,
        data: data.rows.map(function (r) { return r[i + 1]; }),
        backgroundColor: COLOURS[i % COLOURS.length],
        borderColor: COLOURS[i % COLOURS.length],
        spanGaps: true,
      };
    });
    const stacked = data.kind === "stacked";
    const percent = function (v) { return Math.round(v * 100) + "%"; };
    new window.Chart(canvas, {
      type: data.kind === "line" ? "line" : "bar",
      data: { labels: labels, datasets: datasets },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales: {
          x: { stacked: stacked },
          y: data.share
            ? { min: 0, max: 1, ticks: { callback: percent } }
            : { stacked: stacked, beginAtZero: true, ticks: { precision: 0 } },
        },
      },
    });
    canvas.dataset.drawn = String(data.rows.length);
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.Chart) { return; }  // the tables still say everything
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      fetch(canvas.dataset.chart, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
        .then(function (data) { draw(canvas, data); })
        .catch(function (why) { canvas.dataset.drawn = "failed: " + why; });
    });
  });
})();
