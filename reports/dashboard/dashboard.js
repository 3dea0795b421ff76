// Draws every chart of the page from the specifications embedded in #chart-specs (vega-embed),
// then marks <html data-charts="ready"> (or "failed"), which the browser test waits for.
"use strict";
(function () {
  const specs = JSON.parse(document.getElementById("chart-specs").textContent);
  const options = {
    renderer: "svg",
    ast: true, // Vega's expression interpreter: the page's CSP allows no eval
    actions: { export: true, source: false, compiled: false, editor: false }, // the editor is online
  };
  const charts = Array.from(document.querySelectorAll("[data-chart]"));
  const drawn = charts.map((element) =>
    vegaEmbed(element, specs[element.dataset.chart], options).then(
      () => { element.dataset.rendered = "true"; },
      (error) => {
        element.dataset.rendered = "failed";
        element.textContent = "chart failed: " + error; // text, never markup
        throw error;
      }));
  Promise.all(drawn).then(
    () => { document.documentElement.dataset.charts = "ready"; },
    () => { document.documentElement.dataset.charts = "failed"; });
})();
