/* Bandeja de revisión (coordinador, curador). Todo texto del servidor se inserta con textContent. */
(function () {
  "use strict";

  var C = window.Comun;
  var $ = C.$, el = C.el;
  var PAGE = 25;
  var REASONS = {
    fallback: "No entendido", quiso_decir: "«¿Quiso decir…?»", no_me_sirvio: "«No me sirvió»",
    oferta_caso: "Se ofreció un caso", baja_confianza: "Confianza baja"
  };
  var STATUS = { pendiente: "Pendiente", aceptado: "Aceptado", fuera_de_alcance: "Fuera de alcance", descartado: "Descartado" };
  var ENTITY = { lugar: "Lugar", indicador: "Indicador", anio: "Año" };
  var state = { offset: 0, total: 0, intents: [], labels: {}, group: null, entities: [], areas: [] };

  function say(text) { $("status").textContent = text || ""; }
  function fail(text) { $("error").textContent = text || ""; }
  function label(intent) { return intent ? (state.labels[intent] || intent) : "—"; }

  function query() {
    var p = new URLSearchParams();
    p.append("estado", $("g-estado").value);
    if ($("g-motivo").value) { p.append("motivo", $("g-motivo").value); }
    if ($("g-texto").value.trim()) { p.append("texto", $("g-texto").value.trim()); }
    p.append("orden", $("g-orden").value);
    p.append("limite", String(PAGE));
    p.append("desde", String(state.offset));
    return p.toString();
  }

  function loadGroups(focusId) {
    fail("");
    return C.api("GET", "/revision/grupos?" + query()).then(function (page) {
      state.total = page.total;
      var body = $("groups-body");
      C.clear(body);
      $("groups-count").textContent = page.total === 1 ? "1 grupo." : C.fmtNumber(page.total) + " grupos.";
      page.grupos.forEach(function (g) {
        var open = el("button", { type: "button", className: "link-button", "data-grupo": String(g.id) }, g.texto);
        open.addEventListener("click", function () { openGroup(g.id); });
        var reasons = Object.keys(g.motivos).map(function (k) { return (REASONS[k] || k) + " (" + g.motivos[k] + ")"; });
        body.appendChild(el("tr", {},
          el("th", { scope: "row", className: "user-text summary" }, open),
          el("td", {}, C.fmtNumber(g.mensajes)),
          el("td", {}, reasons.join(", ")),
          el("td", {}, label(g.intencion_predicha) + (g.confianza !== null ? " (" + Math.round(g.confianza * 100) + " %)" : "")),
          el("td", {}, (STATUS[g.estado] || g.estado) + (g.intencion ? ": " + label(g.intencion) : ""))));
      });
      var pages = Math.max(1, Math.ceil(page.total / PAGE));
      $("groups-page").textContent = "Página " + (Math.floor(state.offset / PAGE) + 1) + " de " + pages;
      $("groups-prev").disabled = state.offset === 0;
      $("groups-next").disabled = state.offset + PAGE >= page.total;
      if (focusId) {
        var button = body.querySelector('button[data-grupo="' + focusId + '"]');
        if (button) { button.focus(); }
      }
    }).catch(function (error) { fail(error.message); });
  }

  function page(delta, button) {
    state.offset = Math.max(0, state.offset + delta * PAGE);
    loadGroups().then(function () {
      (button.disabled ? (delta > 0 ? $("groups-prev") : $("groups-next")) : button).focus();
      say($("groups-page").textContent + ".");
    });
  }

  /* ------------------------------------------------------------ one group */
  function openGroup(id) {
    fail("");
    return C.api("GET", "/revision/grupos/" + id).then(function (detail) {
      var g = detail.grupo;
      state.group = g;
      state.entities = (g.entidades || []).slice();
      $("group-title").textContent = "Revisar: «" + g.texto + "»";
      $("group-summary").textContent = C.fmtNumber(g.mensajes) + " mensaje(s). Intención predicha: " +
        label(g.intencion_predicha) + ". Estado: " + (STATUS[g.estado] || g.estado) + (g.revisor ? " (" + g.revisor + ")" : "") + ".";
      $("d-texto").value = g.texto_ejemplo || g.texto;
      var select = $("d-intencion");
      select.value = g.intencion || g.intencion_predicha || "";
      var pending = g.estado === "pendiente";
      var exported = !!g.exportado;
      ["d-confirmar", "d-corregir", "d-fuera", "d-descartar"].forEach(function (id2) { $(id2).hidden = !pending; });
      $("d-reabrir").hidden = pending || exported;
      renderEntities();
      renderItems(detail.mensajes);
      $("group-view").hidden = false;
      $("group-title").focus();
    }).catch(function (error) { fail(error.message); });
  }

  function renderItems(items) {
    var list = $("group-items");
    C.clear(list);
    items.forEach(function (m) {
      var turns = el("ol", { className: "context", "aria-label": "Conversación" });
      m.antes.forEach(function (t) { turns.appendChild(turn(t, false)); });
      turns.appendChild(turn({ de: "usuario", texto: m.texto }, true));
      m.despues.forEach(function (t) { turns.appendChild(turn(t, false)); });
      var tags = "Predicha: " + label(m.intencion) + (m.confianza !== null ? " (" + Math.round(m.confianza * 100) + " %)" : "") +
        " · Motivos: " + m.motivos.map(function (r) { return REASONS[r] || r; }).join(", ") +
        (m.intencion_elegida ? " · El usuario eligió: " + label(m.intencion_elegida) : "") +
        (m.entidades.length ? " · Entidades: " + m.entidades.map(function (e) { return e.entity + "=" + e.value; }).join(", ") : "") +
        " · " + (m.canal || "—") + " · " + C.fmtDate(m.fecha);
      list.appendChild(el("li", {}, turns, el("p", { className: "tags" }, tags)));
    });
  }

  function turn(t, focus) {
    var who = t.de === "usuario" ? "Usuario" : "Asistente";
    return el("li", { className: focus ? "focus-turn" : "" }, (focus ? "▶ " : "") + who + ": ",
      el("span", { className: "user-text" }, t.texto));
  }

  function renderEntities() {
    var list = $("entities");
    C.clear(list);
    var text = $("d-texto").value;
    if (!state.entities.length) { list.appendChild(el("li", {}, "Ninguna.")); return; }
    state.entities.forEach(function (e, i) {
      var remove = el("button", { type: "button", className: "link-button" }, "Quitar");
      remove.setAttribute("aria-label", "Quitar " + (ENTITY[e.entity] || e.entity) + " «" + text.slice(e.start, e.end) + "»");
      remove.addEventListener("click", function () {
        state.entities.splice(i, 1);
        renderEntities();
        say("Entidad quitada.");
        $("d-texto").focus();
      });
      list.appendChild(el("li", {}, (ENTITY[e.entity] || e.entity) + ": «" + text.slice(e.start, e.end) + "» ", remove));
    });
  }

  function markEntity(entity) {
    var box = $("d-texto");
    var start = box.selectionStart, end = box.selectionEnd;
    var text = box.value;
    while (start < end && /\s/.test(text.charAt(start))) { start++; }
    while (end > start && /\s/.test(text.charAt(end - 1))) { end--; }
    if (start >= end) { fail("Primero seleccione en el texto el fragmento que quiere marcar."); box.focus(); return; }
    var overlaps = state.entities.some(function (e) { return start < e.end && e.start < end; });
    if (overlaps) { fail("Ese fragmento se superpone con otra entidad marcada."); return; }
    fail("");
    state.entities.push({ start: start, end: end, entity: entity });
    state.entities.sort(function (a, b) { return a.start - b.start; });
    renderEntities();
    say((ENTITY[entity] || entity) + " marcado: «" + text.slice(start, end) + "».");
  }

  function decide(decision) {
    fail("");
    var g = state.group;
    var body = { decision: decision, texto: $("d-texto").value, entidades: state.entities };
    if (decision === "corregir") { body.intencion = $("d-intencion").value; }
    if (decision === "descartar" || decision === "reabrir") { body = { decision: decision }; }
    return C.api("POST", "/revision/grupos/" + g.id + "/decision", body).then(function (result) {
      var done = { confirmar: "Intención confirmada.", corregir: "Corrección guardada.", fuera_de_alcance: "Marcado fuera de alcance.",
        descartar: "Mensaje descartado.", reabrir: "Volvió a pendiente." }[decision];
      say(done + " Se exportará con «Exportar correcciones aceptadas».");
      closeGroup(result.id);
    }).catch(function (error) { fail(error.message); });
  }

  function closeGroup(focusId) {
    $("group-view").hidden = true;
    state.group = null;
    loadGroups(focusId).then(function () {
      if (!document.activeElement || document.activeElement === document.body) { $("g-estado").focus(); }
    });
  }

  /* ------------------------------------------------------------ routing */
  function loadRouting() {
    return C.api("GET", "/revision/enrutamiento?estado=pendiente&limite=50").then(function (page) {
      var body = $("routing-body");
      C.clear(body);
      $("routing-count").textContent = page.total === 1 ? "1 caso transferido por revisar." : C.fmtNumber(page.total) + " casos transferidos por revisar.";
      page.ejemplos.forEach(function (r) {
        var id = "r-area-" + r.id;
        var select = el("select", { id: id });
        state.areas.forEach(function (a) {
          var option = el("option", { value: a.codigo }, a.codigo + " — " + a.nombre);
          if (a.codigo === r.area) { option.selected = true; }
          select.appendChild(option);
        });
        var accept = el("button", { type: "button", className: "button-primary" }, "Aceptar");
        accept.setAttribute("aria-label", "Aceptar el ejemplo " + r.id);
        accept.addEventListener("click", function () { decideRouting(r.id, "aceptar", select.value); });
        var discard = el("button", { type: "button", className: "button-secondary" }, "Descartar");
        discard.setAttribute("aria-label", "Descartar el ejemplo " + r.id);
        discard.addEventListener("click", function () { decideRouting(r.id, "descartar"); });
        body.appendChild(el("tr", {},
          el("th", { scope: "row", className: "user-text summary" }, r.texto),
          el("td", {}, r.area_origen || "—"),
          el("td", {}, el("label", { "for": id, className: "visually-hidden" }, "Área final del ejemplo " + r.id), select),
          el("td", {}, el("div", { className: "button-row" }, accept, discard))));
      });
    }).catch(function (error) { fail(error.message); });
  }

  function decideRouting(id, decision, area) {
    fail("");
    C.api("POST", "/revision/enrutamiento/" + id + "/decision", { decision: decision, area: area || null })
      .then(function () { say(decision === "aceptar" ? "Ejemplo aceptado." : "Ejemplo descartado."); return loadRouting(); })
      .then(function () { $("routing-title").focus(); })
      .catch(function (error) { fail(error.message); });
  }

  /* ------------------------------------------------------------ start */
  function bind() {
    $("logout").addEventListener("click", C.logout);
    $("group-filters").addEventListener("submit", function (event) { event.preventDefault(); state.offset = 0; loadGroups(); });
    $("groups-prev").addEventListener("click", function () { page(-1, $("groups-prev")); });
    $("groups-next").addEventListener("click", function () { page(1, $("groups-next")); });
    $("ingest").addEventListener("click", function () {
      fail("");
      C.api("POST", "/revision/ingerir").then(function (r) {
        say("Conversaciones leídas: " + C.fmtNumber(r.mensajes) + " mensajes nuevos, " + C.fmtNumber(r.a_revision) + " para revisar.");
        return Promise.all([loadGroups(), loadRouting()]);
      }).catch(function (error) { fail(error.message); });
    });
    $("export").addEventListener("click", function () {
      fail("");
      C.api("POST", "/revision/exportar").then(function (r) {
        var files = Object.keys(r.archivos);
        var written = files.reduce(function (n, f) { return n + r.archivos[f]; }, 0);
        say("Ejemplos exportados: " + written + (files.length ? " (" + files.join(", ") + ")" : "") +
          ". Repetidos omitidos: " + r.repetidos + ". Parecidos a la evaluación omitidos: " + r.parecidos_a_evaluacion +
          (written ? ". Vuelva a entrenar el modelo para que los aprenda." : "."));
      }).catch(function (error) { fail(error.message); });
    });
    document.querySelectorAll("[data-entity]").forEach(function (button) {
      button.addEventListener("mousedown", function (event) { event.preventDefault(); }); // keep the selection
      button.addEventListener("click", function () { markEntity(button.getAttribute("data-entity")); });
    });
    $("d-texto").addEventListener("input", function () {
      if (state.entities.length) { state.entities = []; renderEntities(); say("El texto cambió: vuelva a marcar las entidades."); }
    });
    $("decision-form").addEventListener("submit", function (event) { event.preventDefault(); decide("corregir"); });
    $("d-confirmar").addEventListener("click", function () { decide("confirmar"); });
    $("d-fuera").addEventListener("click", function () { decide("fuera_de_alcance"); });
    $("d-descartar").addEventListener("click", function () { decide("descartar"); });
    $("d-reabrir").addEventListener("click", function () { decide("reabrir"); });
    $("d-cerrar").addEventListener("click", function () { closeGroup(state.group && state.group.id); });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && !$("group-view").hidden) { closeGroup(state.group && state.group.id); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    bind();
    C.start(["coordinador", "curador"]).then(function () {
      $("work-view").hidden = false;
      return Promise.all([C.api("GET", "/revision/intenciones"), C.api("GET", "/areas")]);
    }).then(function (results) {
      var select = $("d-intencion");
      results[0].forEach(function (i) {
        state.labels[i.nombre] = i.etiqueta;
        select.appendChild(el("option", { value: i.nombre }, i.etiqueta + " (" + i.nombre + ")"));
      });
      state.areas = results[1];
      return Promise.all([loadGroups(), loadRouting()]);
    }).catch(function (error) {
      fail(error.message);
      if (error.status === 401) { $("login-hint").hidden = false; }
    });
  });
}());
