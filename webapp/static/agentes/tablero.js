/* Tablero del servicio (coordinador, admin). Gráficas con Chart.js (vendorizado en /static/vendor);
 * cada gráfica tiene al lado su tabla de datos (alternativa accesible) y un botón para bajarla en CSV. */
(function () {
  "use strict";

  var C = window.Comun;
  var $ = C.$, el = C.el;
  var charts = {};
  var COLORS = ["#004884", "#b35c00", "#2e7d32", "#6a1b9a", "#c62828", "#00695c", "#4e342e", "#37474f"];
  var STATUS = { nuevo: "Nuevo", asignado: "Asignado", en_curso: "En curso", esperando_respuesta: "Esperando respuesta",
    resuelto: "Resuelto", cerrado: "Cerrado" };

  /* Cada sección: título, columnas (clave, encabezado) y, si tiene, la gráfica. */
  var SECTIONS = [
    { id: "por_dia", title: "Conversaciones y mensajes por día y canal",
      columns: [["dia", "Día"], ["canal", "Canal"], ["conversaciones", "Conversaciones"], ["mensajes", "Mensajes"],
        ["entendidos", "Entendidos"], ["porcentaje_entendidos", "% entendidos"]], chart: chartPerDay },
    { id: "intenciones", title: "Intenciones más frecuentes", columns: [["clave", "Intención"], ["cantidad", "Mensajes"]],
      chart: function (rows) { return bars(rows, "clave", "cantidad", "Mensajes", true); } },
    { id: "temas_sin_resolver", title: "Temas sin resolver (mensajes no entendidos, agrupados)",
      columns: [["tema", "Tema"], ["mensajes", "Mensajes"], ["intencion_predicha", "Intención predicha"]] },
    { id: "consultas_territorio", title: "Consultas de indicadores por territorio",
      columns: [["clave", "Territorio"], ["cantidad", "Consultas"]],
      chart: function (rows) { return bars(rows, "clave", "cantidad", "Consultas", true); } },
    { id: "casos_area_estado", title: "Casos por área y estado",
      columns: [["area", "Área"], ["nuevo", "Nuevo"], ["asignado", "Asignado"], ["en_curso", "En curso"],
        ["esperando_respuesta", "Esperando respuesta"], ["resuelto", "Resuelto"], ["cerrado", "Cerrado"], ["total", "Total"]],
      chart: chartCases },
    { id: "casos_plazo", title: "Casos abiertos frente a su tiempo de respuesta",
      columns: [["area", "Área"], ["abiertos", "Abiertos"], ["en_plazo", "En plazo"], ["vencen_en_24h", "Vencen en 24 h"],
        ["vencidos", "Vencidos"], ["plazo_dias_habiles", "Plazo (días hábiles)"], ["dias_del_mas_antiguo", "Días del más antiguo"]] },
    { id: "satisfaccion", title: "Satisfacción de los solicitantes", columns: [["calificacion", "Calificación"], ["respuestas", "Respuestas"]],
      chart: function (rows) { return bars(rows, "calificacion", "respuestas", "Respuestas", false); } },
    { id: "entregas", title: "Entrega de respuestas en el chat",
      columns: [["estado", "Estado del aviso"], ["avisos", "Avisos"], ["con_error", "Con error"], ["fallido", "Fallido"]] }
  ];

  function say(text) { $("status").textContent = text || ""; }
  function fail(text) { $("error").textContent = text || ""; }

  function params() {
    var p = new URLSearchParams();
    p.append("desde", $("f-desde").value);
    p.append("hasta", $("f-hasta").value);
    ["canal", "area", "etc"].forEach(function (k) { if ($("f-" + k).value) { p.append(k, $("f-" + k).value); } });
    return p.toString();
  }

  function build() {
    var holder = $("sections");
    SECTIONS.forEach(function (s) {
      var csv = el("button", { type: "button", className: "button-secondary" }, "Descargar CSV");
      csv.setAttribute("aria-label", "Descargar CSV: " + s.title);
      csv.addEventListener("click", function () {
        C.download("/tablero/csv/" + s.id + "?" + params(), "tablero-" + s.id + ".csv")
          .then(function () { say("Descarga lista: " + s.title + "."); })
          .catch(function (error) { fail(error.message); });
      });
      var section = el("section", { className: "panel-section", "aria-labelledby": "t-" + s.id },
        el("div", { className: "section-head" }, el("h2", { id: "t-" + s.id }, s.title), csv));
      if (s.chart) {
        section.appendChild(el("div", { className: "chart-box" },
          el("canvas", { id: "c-" + s.id, role: "img", "aria-label": s.title + ": los datos están en la tabla siguiente" })));
      }
      var head = el("tr", {});
      s.columns.forEach(function (c) { head.appendChild(el("th", { scope: "col" }, c[1])); });
      section.appendChild(el("div", { className: "table-wrap" },
        el("table", { className: "queue" }, el("caption", { className: "visually-hidden" }, s.title),
          el("thead", {}, head), el("tbody", { id: "b-" + s.id }))));
      holder.appendChild(section);
    });
  }

  function cell(key, value) {
    if (value === null || value === undefined || value === "") { return "—"; }
    if (key === "fallido") { return value ? "Sí" : "No"; }
    if (key === "estado" && STATUS[value]) { return STATUS[value]; }
    return typeof value === "number" ? C.fmtNumber(value) : String(value);
  }

  function render(data) {
    var t = data.totales;
    $("k-conversaciones").textContent = C.fmtNumber(t.conversaciones);
    $("k-mensajes").textContent = C.fmtNumber(t.mensajes);
    $("k-entendidos").textContent = t.porcentaje_entendidos === null ? "—" : C.fmtNumber(t.porcentaje_entendidos) + " %";
    var answers = 0, sum = 0;
    data.satisfaccion.forEach(function (r) { answers += r.respuestas; sum += r.respuestas * r.calificacion; });
    $("k-csat").textContent = answers ? C.fmtNumber(Math.round(10 * sum / answers) / 10) + " (" + answers + ")" : "—";
    SECTIONS.forEach(function (s) {
      var rows = data[s.id] || [];
      var body = $("b-" + s.id);
      C.clear(body);
      if (!rows.length) {
        body.appendChild(el("tr", {}, el("td", { colspan: String(s.columns.length) }, "Sin datos en el periodo.")));
      }
      rows.forEach(function (r) {
        var tr = el("tr", {});
        s.columns.forEach(function (c, i) { tr.appendChild(el(i === 0 ? "th" : "td", i === 0 ? { scope: "row" } : {}, cell(c[0], r[c[0]]))); });
        body.appendChild(tr);
      });
      if (s.chart && window.Chart) {
        if (charts[s.id]) { charts[s.id].destroy(); }
        charts[s.id] = new window.Chart($("c-" + s.id), s.chart(rows));
      }
    });
  }

  function options(stacked, horizontal) {
    return {
      responsive: true, maintainAspectRatio: false, animation: false, indexAxis: horizontal ? "y" : "x",
      scales: { x: { stacked: stacked, beginAtZero: true }, y: { stacked: stacked, beginAtZero: true } },
      plugins: { legend: { display: stacked } }
    };
  }

  function bars(rows, key, value, label, horizontal) {
    return { type: "bar", options: options(false, horizontal), data: {
      labels: rows.map(function (r) { return String(r[key]); }),
      datasets: [{ label: label, data: rows.map(function (r) { return r[value]; }), backgroundColor: COLORS[0] }] } };
  }

  function chartPerDay(rows) {
    var days = [], channels = [];
    rows.forEach(function (r) {
      if (days.indexOf(r.dia) < 0) { days.push(r.dia); }
      if (channels.indexOf(r.canal) < 0) { channels.push(r.canal); }
    });
    days.sort();
    return { type: "bar", options: options(true, false), data: { labels: days, datasets: channels.map(function (ch, i) {
      return { label: "Mensajes · " + ch, backgroundColor: COLORS[i % COLORS.length], data: days.map(function (d) {
        var row = rows.filter(function (r) { return r.dia === d && r.canal === ch; })[0];
        return row ? row.mensajes : 0;
      }) };
    }) } };
  }

  function chartCases(rows) {
    var statuses = Object.keys(STATUS);
    return { type: "bar", options: options(true, false), data: { labels: rows.map(function (r) { return r.area; }),
      datasets: statuses.map(function (s, i) {
        return { label: STATUS[s], backgroundColor: COLORS[i % COLORS.length], data: rows.map(function (r) { return r[s]; }) };
      }) } };
  }

  function fillOptions(opts) {
    function fill(select, items) {
      var keep = select.value;
      while (select.options.length > 1) { select.remove(1); }
      items.forEach(function (it) { select.appendChild(el("option", { value: it[0] }, it[1])); });
      select.value = keep;
    }
    fill($("f-canal"), opts.canales.map(function (c) { return [c, c]; }));
    fill($("f-area"), opts.areas.map(function (a) { return [a.codigo, a.codigo + " — " + a.nombre]; }));
    fill($("f-etc"), opts.etc.map(function (e) { return [e.codigo, e.nombre || e.codigo]; }));
  }

  function load() {
    fail("");
    var started = performance.now();
    return C.api("GET", "/tablero?" + params()).then(function (data) {
      fillOptions(data.opciones);
      render(data);
      say("Tablero actualizado (" + data.filtros.desde + " a " + data.filtros.hasta + ", " +
        Math.round(performance.now() - started) + " ms).");
    }).catch(function (error) { fail(error.message); });
  }

  function iso(d) { return d.toISOString().slice(0, 10); }

  document.addEventListener("DOMContentLoaded", function () {
    $("logout").addEventListener("click", C.logout);
    var today = new Date();
    $("f-hasta").value = iso(today);
    $("f-desde").value = iso(new Date(today.getTime() - 29 * 86400000));
    $("filters").addEventListener("submit", function (event) { event.preventDefault(); load(); });
    C.start(["coordinador", "admin"]).then(function () {
      $("work-view").hidden = false;
      build();
      return load();
    }).catch(function (error) {
      fail(error.message);
      if (error.status === 401) { $("login-hint").hidden = false; }
    });
  });
}());
