/* Consola de agentes del MEN. Sin dependencias externas (usa comun.js, cargado antes).
 * Todo texto que venga del servidor se inserta con textContent (nunca como HTML).
 * La sesión (token) vive en sessionStorage: se pierde al cerrar la pestaña. */
(function () {
  "use strict";

  var API = "/api/agentes";
  var TOKEN_KEY = "consola-agentes.token";

  var STATUS_LABELS = {
    nuevo: "Nuevo", asignado: "Asignado", en_curso: "En curso",
    esperando_respuesta: "Esperando respuesta", resuelto: "Resuelto", cerrado: "Cerrado"
  };
  var PRIORITY_LABELS = { alta: "Alta", media: "Media", baja: "Baja" };
  var ROLE_LABELS = { agente: "Agente", coordinador: "Coordinador(a)", admin: "Administrador(a)", curador: "Curador(a)" };
  var EVENT_LABELS = {
    creado: "Caso creado", cambio_estado: "Cambio de estado", respuesta_agente: "Respuesta al solicitante",
    solicitud_informacion: "Solicitud de información", mensaje_usuario: "Mensaje del solicitante",
    nota_interna: "Nota interna", consulta_estado: "Consulta de estado desde el chat",
    datos_depurados: "Datos personales depurados", asignacion: "Caso tomado", reasignacion: "Reasignación",
    transferencia: "Transferencia de área", calificacion: "Calificación del solicitante",
    aviso_entregado: "Aviso entregado en el chat", aviso_fallido: "Aviso NO entregado (reintentos agotados)",
    aviso_correo: "Aviso por correo: hay una respuesta"
  };
  var NOTICE_KINDS = { respuesta: "Respuesta", solicitud_informacion: "Solicitud de información", resuelto: "Resolución" };
  var NOTICE_STATES = {
    pendiente: "Pendiente", enviando: "Enviando", enviado: "Enviado", entregado: "Entregado", leido: "Leído",
    fallido: "Fallido", cancelado: "Cancelado"
  };
  var FALLBACKS = {
    correo: "el chat estaba cerrado: se avisó por correo",
    plantilla: "fuera de las 24 horas de WhatsApp: se envió la plantilla aprobada",
    sin_correo: "el chat estaba cerrado y no hay correo para avisar"
  };
  var ERROR_LABELS = {
    credenciales_invalidas: "Correo o clave incorrectos.",
    sin_sesion: "Inicie sesión para continuar.",
    sesion_invalida: "Su sesión terminó. Inicie sesión de nuevo.",
    no_encontrado: "El caso no existe o no pertenece a sus áreas.",
    ya_asignado: "Otra persona ya tomó este caso.",
    sin_asignar: "Primero debe tomar el caso.",
    asignado_a_otro: "El caso está asignado a otra persona.",
    estado_no_permite: "El estado actual del caso no permite esa acción.",
    rol_sin_permiso: "Su rol no permite esa acción.",
    texto_vacio: "Escriba un mensaje.",
    texto_largo: "El mensaje es demasiado largo (máximo 5.000 caracteres).",
    motivo_vacio: "Escriba el motivo.",
    motivo_largo: "El motivo es demasiado largo.",
    misma_area: "El caso ya está en esa área.",
    area_desconocida: "Elija un área válida.",
    agente_no_valido: "Esa persona no puede atender casos de esta área.",
    mismo_agente: "El caso ya está asignado a esa persona.",
    datos_depurados: "Los datos de este caso ya fueron depurados; no se puede reabrir.",
    demasiados_intentos: "Demasiados intentos fallidos desde este equipo. Espere unos minutos e intente de nuevo.",
    demasiadas_solicitudes: "Demasiadas solicitudes seguidas. Espere un momento e intente de nuevo.",
    solicitud_demasiado_grande: "El contenido enviado es demasiado grande.",
    busqueda_larga: "La búsqueda es demasiado larga (máximo 120 caracteres).",
    orden_invalido: "No se puede ordenar por esa columna."
  };
  var PAGE = 50;

  /* page: índice de la página mostrada; cursors[i]: `despues` de la página i (el `siguiente` de la i-1). */
  var state = { token: null, me: null, areas: [], current: null, page: 0, cursors: [null], total: 0, sort: "", desc: false };

  /* $, el (crea un elemento; los hijos de tipo texto se agregan como nodos de texto), clear y fmtDate
   * vienen de comun.js, el mismo de las páginas de revisión y tablero. */
  var C = window.Comun;
  var $ = C.$, el = C.el, clear = C.clear, fmtDate = C.fmtDate;
  function say(text) { $("status").textContent = text || ""; }
  function fail(text) { $("error").textContent = text || ""; }

  function errorText(body, status) {
    var reason = body && body.detail && body.detail.motivo;
    if (reason && ERROR_LABELS[reason]) { return ERROR_LABELS[reason]; }
    if (status === 422) { return "Revise los datos ingresados."; }
    return "No se pudo completar la acción (código " + status + ").";
  }

  function api(method, path, body) {
    var headers = { "Accept": "application/json" };
    if (state.token) { headers.Authorization = "Bearer " + state.token; }
    if (body !== undefined) { headers["Content-Type"] = "application/json"; }
    return fetch(API + path, {
      method: method, headers: headers, body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit", cache: "no-store"
    }).then(function (response) {
      if (response.status === 204) { return null; }
      return response.json().catch(function () { return null; }).then(function (data) {
        if (response.ok) { return data; }
        if (response.status === 401 && state.token) { endSession(); }
        var error = new Error(errorText(data, response.status));
        error.status = response.status;
        throw error;
      });
    });
  }

  /* ---------------------------------------------------------------- session */
  function startSession(token, me) {
    state.token = token;
    state.me = me;
    sessionStorage.setItem(TOKEN_KEY, token);
    $("session-name").textContent = me.nombre + " · " + (ROLE_LABELS[me.rol] || me.rol);
    $("session-box").hidden = false;
    $("login-view").hidden = true;
    $("work-view").hidden = false;
    $("publish-view").hidden = me.rol !== "coordinador";
    $("console-nav").hidden = false;
    document.querySelectorAll("#console-nav [data-roles]").forEach(function (link) {
      link.hidden = link.getAttribute("data-roles").split(" ").indexOf(me.rol) < 0;
    });
    var worksTickets = me.rol === "agente" || me.rol === "coordinador";
    $("role-note").hidden = worksTickets;
    $("queue-view").hidden = !worksTickets;
    if (!worksTickets) { return Promise.resolve(); }
    return api("GET", "/areas").then(function (areas) {
      state.areas = areas;
      var select = $("f-area");
      while (select.options.length > 1) { select.remove(1); }
      areas.filter(function (a) { return a.propia; }).forEach(function (a) {
        select.appendChild(el("option", { value: a.codigo }, a.codigo + " — " + a.nombre));
      });
      return loadQueue();
    });
  }

  function endSession() {
    state.token = null;
    state.me = null;
    state.current = null;
    sessionStorage.removeItem(TOKEN_KEY);
    $("session-box").hidden = true;
    $("console-nav").hidden = true;
    $("work-view").hidden = true;
    $("ticket-view").hidden = true;
    $("queue-view").hidden = false;
    clear($("queue-body"));
    $("login-view").hidden = false;
    $("login-email").focus();
  }

  function onLogin(event) {
    event.preventDefault();
    fail("");
    var email = $("login-email").value.trim();
    var clave = $("login-password").value;
    if (!email || !clave) { fail("Escriba su correo y su clave."); return; }
    api("POST", "/sesion", { email: email, clave: clave }).then(function (data) {
      $("login-password").value = "";
      say("Bienvenido(a), " + data.agente.nombre + ".");
      return startSession(data.token, data.agente);
    }).then(function () {
      var first = $("queue-body").querySelector("button");
      (first || $("f-area")).focus();
    }).catch(function (error) { fail(error.message); $("login-password").focus(); });
  }

  function onLogout() {
    api("DELETE", "/sesion").catch(function () { return null; }).then(function () {
      endSession();
      say("Sesión cerrada.");
    });
  }

  /* ---------------------------------------------------------------- queue */
  function queueQuery(keepTotal) {
    var params = new URLSearchParams();
    var area = $("f-area").value;
    var estado = $("f-estado").value;
    var prioridad = $("f-prioridad").value;
    var edad = $("f-edad").value;
    if (area) { params.append("area", area); }
    if (estado) { params.append("estado", estado); }
    if (prioridad) { params.append("prioridad", prioridad); }
    if (edad) { params.append("edad_min_horas", edad); }
    params.append("asignacion", $("f-asignacion").value);
    if ($("f-vencidos").checked) { params.append("vencidos", "true"); }
    ["codigo", "correo", "etc", "texto"].forEach(function (name) {
      var value = $("f-" + name).value.trim();
      if (value) { params.append(name, value); }
    });
    if (state.sort) { params.append("orden", state.sort); params.append("sentido", state.desc ? "desc" : "asc"); }
    params.append("limite", String(PAGE));
    if (state.cursors[state.page]) { params.append("despues", state.cursors[state.page]); }
    if (keepTotal) { params.append("contar", "false"); }
    return params.toString();
  }

  function firstPage() {
    state.page = 0;
    state.cursors = [null];
  }

  /* keepTotal: cambio de página; queda el total de la primera (el servidor no vuelve a contar). */
  function loadQueue(keepTotal) {
    fail("");
    loadFailed();
    return api("GET", "/casos?" + queueQuery(keepTotal)).then(renderQueue).catch(function (error) { fail(error.message); });
  }

  function loadFailed() {
    return api("GET", "/avisos/fallidos").then(function (items) {
      var list = $("failed-list");
      clear(list);
      items.forEach(function (f) {
        var open = el("button", { type: "button", className: "link-button" }, f.codigo);
        open.addEventListener("click", function () { openTicket(f.codigo); });
        list.appendChild(el("li", {}, open, " · " + (NOTICE_KINDS[f.aviso.tipo] || f.aviso.tipo) + " · " +
          fmtDate(f.aviso.fallido) + " · " + (f.aviso.ultimo_error || "")));
      });
      $("failed-notices").hidden = items.length === 0;
    }).catch(function () { return null; });
  }

  function renderPager(page) {
    if (page.total !== null && page.total !== undefined) { state.total = page.total; }
    var pages = Math.max(1, Math.ceil(state.total / PAGE), state.page + 1);
    state.cursors[state.page + 1] = page.siguiente || null;
    $("queue-page").textContent = "Página " + (state.page + 1) + " de " + pages;
    $("queue-prev").disabled = state.page === 0;
    $("queue-next").disabled = !page.siguiente;
    document.querySelectorAll("#queue th[data-sort]").forEach(function (th) {
      var key = th.getAttribute("data-sort");
      if (key === state.sort) { th.setAttribute("aria-sort", state.desc ? "descending" : "ascending"); } else { th.removeAttribute("aria-sort"); }
    });
  }

  /* Cambia de página y deja el foco en el botón pulsado (o en el otro, si este quedó desactivado). */
  function turnPage(delta, button) {
    state.page = Math.max(0, state.page + delta);
    return loadQueue(true).then(function () {
      (button.disabled ? (delta > 0 ? $("queue-prev") : $("queue-next")) : button).focus();
      say($("queue-page").textContent + ".");
    });
  }

  function sortBy(th) {
    var key = th.getAttribute("data-sort");
    state.desc = state.sort === key ? !state.desc : false;
    state.sort = key;
    firstPage();
    return loadQueue().then(function () {
      th.querySelector("button").focus();
      say("Ordenado por " + th.textContent.trim() + (state.desc ? ", descendente." : ", ascendente."));
    });
  }

  function renderQueue(page) {
    var body = $("queue-body");
    clear(body);
    renderPager(page);
    $("queue-count").textContent = state.total === 1 ? "1 caso." : state.total + " casos.";
    page.casos.forEach(function (c) {
      var open = el("button", { type: "button", className: "link-button", "data-codigo": c.codigo }, c.codigo);
      open.addEventListener("click", function () { openTicket(c.codigo); });
      var due = el("td", {}, fmtDate(c.vence));
      if (c.vencido) { due.appendChild(el("span", { className: "badge badge-overdue" }, "Vencido")); }
      var row = el("tr", { className: c.vencido ? "overdue" : "" },
        el("th", { scope: "row" }, open),
        el("td", {}, STATUS_LABELS[c.estado] || c.estado),
        el("td", { title: c.area_nombre }, c.area),
        el("td", {}, PRIORITY_LABELS[c.prioridad] || c.prioridad),
        due,
        el("td", {}, c.asignado_a ? c.asignado_a.nombre : "Sin asignar"),
        el("td", { className: "user-text summary" }, c.resumen)
      );
      body.appendChild(row);
    });
  }

  /* ---------------------------------------------------------------- ticket */
  function openTicket(code) {
    fail("");
    return api("GET", "/casos/" + encodeURIComponent(code)).then(function (ticket) {
      renderTicket(ticket);
      $("queue-view").hidden = true;
      $("ticket-view").hidden = false;
      $("ticket-title").focus();
    }).catch(function (error) { fail(error.message); });
  }

  function dataRow(list, term, value) {
    list.appendChild(el("dt", {}, term));
    list.appendChild(el("dd", { className: "user-text" }, value === null || value === undefined || value === "" ? "—" : String(value)));
  }

  function renderTicket(t) {
    state.current = t;
    $("ticket-title").textContent = "Caso " + t.codigo;
    var data = $("ticket-data");
    clear(data);
    dataRow(data, "Estado", STATUS_LABELS[t.estado] || t.estado);
    dataRow(data, "Área", t.area + " — " + t.area_nombre);
    dataRow(data, "Prioridad", (PRIORITY_LABELS[t.prioridad] || t.prioridad) + (t.triaje ? " (requiere triaje)" : ""));
    dataRow(data, "Creado", fmtDate(t.creado));
    dataRow(data, "Vence", fmtDate(t.vence) + (t.vencido ? " (vencido)" : ""));
    dataRow(data, "Asignado a", t.asignado_a ? t.asignado_a.nombre : "Sin asignar");
    dataRow(data, "Solicitante", t.solicitante.nombre);
    dataRow(data, "Cargo", t.solicitante.cargo);
    dataRow(data, "Entidad territorial", t.solicitante.etc);
    dataRow(data, "Correo", t.solicitante.email);
    dataRow(data, "Teléfono", t.solicitante.telefono);
    dataRow(data, "Canal", t.canal);
    dataRow(data, "Calificación", t.calificacion ? t.calificacion + " de 5" : null);
    dataRow(data, "Avisos por entregar en el chat", t.avisos_pendientes);
    $("ticket-description").textContent = t.descripcion || "—";

    var notices = $("ticket-notices");
    clear(notices);
    if (!t.avisos.length) { notices.appendChild(el("li", {}, "Sin avisos.")); }
    t.avisos.forEach(function (a) {
      var item = el("li", { className: "notice notice-" + a.estado, "data-aviso": String(a.id), "data-estado": a.estado },
        el("span", { className: "event-when" }, fmtDate(a.creado)), " · ",
        el("strong", {}, NOTICE_KINDS[a.tipo] || a.tipo), " · ",
        el("span", { className: "notice-state" }, NOTICE_STATES[a.estado] || a.estado));
      if (a.respaldo) { item.appendChild(el("span", {}, " (" + (FALLBACKS[a.respaldo] || a.respaldo) + ")")); }
      if (a.estado === "fallido") {
        item.appendChild(el("span", { className: "badge badge-overdue" }, "No llegó"));
        item.appendChild(el("span", {}, " tras " + a.intentos + " intentos (" + (a.ultimo_error || "error") + ")"));
      } else if (a.estado === "pendiente" && a.intentos) {
        item.appendChild(el("span", {}, " · intento " + a.intentos + ", próximo " + fmtDate(a.proximo_intento)));
      }
      notices.appendChild(item);
    });

    var transcript = $("ticket-transcript");
    clear(transcript);
    if (!t.transcripcion.length) { transcript.appendChild(el("li", {}, "Sin transcripción.")); }
    t.transcripcion.forEach(function (turn) {
      var who = turn.de === "usuario" ? "Solicitante" : "Asistente";
      transcript.appendChild(el("li", { className: "turn turn-" + (turn.de === "usuario" ? "user" : "bot") },
        el("span", { className: "who" }, who + (turn.fecha ? " · " + fmtDate(turn.fecha) : "") + ": "),
        el("span", { className: "user-text" }, turn.texto)));
    });

    var events = $("ticket-events");
    clear(events);
    t.eventos.forEach(function (e) {
      var actor = e.actor === "agente" ? (e.actor_nombre || "Agente") : (e.actor === "usuario" ? "Solicitante" : "Sistema");
      var line = el("li", { className: "event" },
        el("span", { className: "event-when" }, fmtDate(e.fecha)),
        " · ", el("strong", {}, EVENT_LABELS[e.tipo] || e.tipo), " · ", el("span", {}, actor));
      if (e.de_estado || e.a_estado) {
        line.appendChild(el("span", { className: "event-status" },
          " (" + (STATUS_LABELS[e.de_estado] || e.de_estado || "—") + " → " + (STATUS_LABELS[e.a_estado] || e.a_estado || "—") + ")"));
      }
      if (e.tipo === "transferencia" && e.datos) {
        line.appendChild(el("span", {}, " " + e.datos.de + " → " + e.datos.a));
      }
      if (e.tipo === "calificacion" && e.datos) {
        line.appendChild(el("span", {}, " " + e.datos.calificacion + " de 5"));
      }
      if (e.texto) { line.appendChild(el("p", { className: "user-text event-text" }, e.texto)); }
      events.appendChild(line);
    });
    renderActions(t);
  }

  function renderActions(t) {
    var can = {};
    t.acciones.forEach(function (a) { can[a] = true; });
    $("act-claim").hidden = !can.tomar;
    $("reply-form").hidden = !can.responder;
    $("transfer-form").hidden = !can.transferir;
    $("reassign-form").hidden = !can.reasignar;
    $("reopen-form").hidden = !can.reabrir;
    var areaSelect = $("transfer-area");
    clear(areaSelect);
    areaSelect.appendChild(el("option", { value: "" }, "Elija un área"));
    state.areas.filter(function (a) { return a.codigo !== t.area; }).forEach(function (a) {
      areaSelect.appendChild(el("option", { value: a.codigo }, a.codigo + " — " + a.nombre));
    });
    if (can.reasignar) {
      api("GET", "/equipo?area=" + encodeURIComponent(t.area)).then(function (team) {
        var select = $("reassign-agent");
        clear(select);
        team.forEach(function (m) {
          select.appendChild(el("option", { value: String(m.id) }, m.nombre + " (" + (ROLE_LABELS[m.rol] || m.rol) + ")"));
        });
      }).catch(function (error) { fail(error.message); });
    }
  }

  function publishEvent(event) {
    event.preventDefault();
    fail("");
    var body = { titulo: $("p-titulo").value, tipo: $("p-tipo").value, modalidad: $("p-modalidad").value,
      inicio: $("p-inicio").value, lugar: $("p-lugar").value || null,
      enlace_inscripcion: $("p-enlace").value || null };
    return api("POST", "/encuentros", body).then(function (result) {
      say("Encuentro publicado. Avisos puestos en cola: " + result.avisos + ".");
      $("publish-form").reset();
    }).catch(function (error) { fail(error.message); });
  }

  function operate(path, body, done) {
    fail("");
    var code = state.current.codigo;
    return api("POST", "/casos/" + encodeURIComponent(code) + path, body).then(function (result) {
      say(done);
      if (result.caso) {
        renderTicket(result.caso);
        $("ticket-title").focus();
      } else {
        backToQueue();
      }
    }).catch(function (error) { fail(error.message); });
  }

  function replyText() { return $("reply-text").value; }

  function backToQueue() {
    var code = state.current && state.current.codigo;
    state.current = null;
    $("ticket-view").hidden = true;
    $("queue-view").hidden = false;
    return loadQueue().then(function () {
      var button = code && $("queue-body").querySelector('button[data-codigo="' + CSS.escape(code) + '"]');
      (button || $("f-area")).focus();
    });
  }

  function bind() {
    $("login-form").addEventListener("submit", onLogin);
    $("logout").addEventListener("click", onLogout);
    $("filters").addEventListener("submit", function (event) { event.preventDefault(); firstPage(); loadQueue(); });
    $("publish-form").addEventListener("submit", publishEvent);
    $("queue-prev").addEventListener("click", function () { turnPage(-1, $("queue-prev")); });
    $("queue-next").addEventListener("click", function () { turnPage(1, $("queue-next")); });
    document.querySelectorAll("#queue th[data-sort]").forEach(function (th) {
      th.querySelector("button").addEventListener("click", function () { sortBy(th); });
    });
    $("back-to-queue").addEventListener("click", backToQueue);
    $("act-claim").addEventListener("click", function () { operate("/tomar", undefined, "Caso tomado."); });
    $("reply-form").addEventListener("submit", function (event) {
      event.preventDefault();
      operate("/responder", { texto: replyText() }, "Respuesta registrada; se enviará al chat del solicitante.")
        .then(function () { if (!$("error").textContent) { $("reply-text").value = ""; } });
    });
    $("act-ask").addEventListener("click", function () {
      operate("/solicitar-informacion", { texto: replyText() }, "Solicitud de información enviada.")
        .then(function () { if (!$("error").textContent) { $("reply-text").value = ""; } });
    });
    $("act-resolve").addEventListener("click", function () {
      operate("/resolver", { texto: replyText() || null }, "Caso resuelto; se pidió la calificación al solicitante.")
        .then(function () { if (!$("error").textContent) { $("reply-text").value = ""; } });
    });
    $("transfer-form").addEventListener("submit", function (event) {
      event.preventDefault();
      operate("/transferir", { area: $("transfer-area").value, motivo: $("transfer-reason").value }, "Caso transferido.");
    });
    $("reassign-form").addEventListener("submit", function (event) {
      event.preventDefault();
      operate("/reasignar", { agente_id: Number($("reassign-agent").value) }, "Caso reasignado.");
    });
    $("reopen-form").addEventListener("submit", function (event) {
      event.preventDefault();
      operate("/reabrir", { motivo: $("reopen-reason").value }, "Caso reabierto.");
    });
    document.addEventListener("keydown", function (event) {
      var typing = /^(INPUT|TEXTAREA|SELECT)$/.test(event.target.tagName);
      if (event.key === "Escape" && !typing && !$("ticket-view").hidden) { backToQueue(); }
    });
  }

  function resume() {
    var token = sessionStorage.getItem(TOKEN_KEY);
    if (!token) { $("login-email").focus(); return; }
    state.token = token;
    api("GET", "/yo").then(function (me) { return startSession(token, me); }).catch(function () { endSession(); });
  }

  document.addEventListener("DOMContentLoaded", function () { bind(); resume(); });
}());
