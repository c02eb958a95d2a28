/* The dashboard's charts, drawn with the bundled Chart.js from the figures in the page. */
(function () {
  "use strict";
  var data = document.getElementById("report-summary");
  if (!data || typeof Chart === "undefined") { return; }
  var summary = JSON.parse(data.textContent);

  document.querySelectorAll("[data-share]").forEach(function (cell) {
    var share = cell.dataset.share;
    cell.textContent = share === "" ? "–" : (parseFloat(share) * 100).toFixed(1) + "%";
  });

  var colours = ["#2f6690", "#d1495b", "#66a182", "#edae49", "#8d6a9f", "#3a7ca5"];
  function options() {
    // A fresh object per chart: Chart.js fills in defaults (axes) on the object it is given.
    return { animation: false, responsive: true, maintainAspectRatio: false };
  }
  var charts = {};

  function draw(id, config) {
    var canvas = document.getElementById(id);
    if (canvas) { charts[id] = new Chart(canvas, Object.assign({ options: options() }, config)); }
  }

  var distribution = summary.turnaround_days.distribution;
  draw("chart-turnaround", {
    type: "bar",
    data: {
      labels: distribution.map(function (row) { return row.bucket; }),
      datasets: [{ label: "Referrals", data: distribution.map(function (row) { return row.count; }),
                   backgroundColor: colours[0] }]
    }
  });

  var stages = summary.turnaround_days.stages.slice(1);
  draw("chart-stages", {
    type: "bar",
    data: {
      labels: stages.map(function (row) { return row.label; }),
      datasets: [
        { label: "Median", data: stages.map(function (row) { return row.median; }), backgroundColor: colours[0] },
        { label: "90th percentile", data: stages.map(function (row) { return row.p90; }), backgroundColor: colours[1] }
      ]
    }
  });

  draw("chart-weekly", {
    type: "line",
    data: {
      labels: summary.weekly.map(function (row) { return row.week; }),
      datasets: [
        { label: "Submitted", data: summary.weekly.map(function (row) { return row.submitted; }),
          borderColor: colours[0], backgroundColor: colours[0] },
        { label: "Recommendations issued",
          data: summary.weekly.map(function (row) { return row.recommendations_issued; }),
          borderColor: colours[2], backgroundColor: colours[2] }
      ]
    }
  });

  var concordance = summary.concordance.counts;
  draw("chart-concordance", {
    type: "doughnut",
    data: {
      labels: ["Concurs", "Modifies", "Differs"],
      datasets: [{ data: [concordance.concurs, concordance.modifies, concordance.differs],
                   backgroundColor: [colours[2], colours[3], colours[1]] }]
    }
  });

  // Read by the browser test (and handy in the console): which charts were drawn.
  window.reportCharts = charts;
})();
