/* Utilidades comunes de las páginas de la consola de agentes (casos, revisión y tablero). Sin dependencias.
 * Usa la misma sesión que la consola (/agentes): el token vive en sessionStorage. */
(function () {
  "use strict";

  var API = "/api/agentes";
  var TOKEN_KEY = "consola-agentes.token";
  var ROLE_LABELS = { agente: "Agente", coordinador: "Coordinador(a)", admin: "Administrador(a)", curador: "Curador(a)" };
  var ERROR_LABELS = {
    sin_sesion: "Inicie sesión para continuar.",
    sesion_invalida: "Su sesión terminó. Inicie sesión de nuevo.",
    rol_sin_permiso: "Su rol no permite ver esta página.",
    no_encontrado: "No existe o no pertenece a sus áreas.",
    intencion_desconocida: "Elija una intención válida.",
    texto_con_datos_personales: "El texto aún tiene datos enmascarados. Reescríbalo sin datos personales antes de aceptarlo.",
    texto_vacio: "Escriba el texto del ejemplo.",
    texto_largo: "El texto es demasiado largo (máximo 500 caracteres).",
    entidad_invalida: "Revise las entidades marcadas.",
    entidades_superpuestas: "Dos entidades marcadas se superponen.",
    ya_exportado: "Ya se exportó; no se puede cambiar.",
    area_desconocida: "Elija un área válida.",
    rango_invalido: "Revise el rango de fechas (máximo un año)."
  };

  function $(id) { return document.getElementById(id); }

  function el(tag, attrs) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "className") { node.className = attrs[key]; } else { node.setAttribute(key, attrs[key]); }
    });
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined) { continue; }
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }
  function token() { return sessionStorage.getItem(TOKEN_KEY); }

  function errorText(body, status) {
    var reason = body && body.detail && body.detail.motivo;
    if (reason && ERROR_LABELS[reason]) { return ERROR_LABELS[reason]; }
    if (status === 422) { return "Revise los datos ingresados."; }
    return "No se pudo completar la acción (código " + status + ").";
  }

  function request(method, path, body, raw) {
    var headers = { "Accept": raw ? "text/csv" : "application/json" };
    var t = token();
    if (t) { headers.Authorization = "Bearer " + t; }
    if (body !== undefined) { headers["Content-Type"] = "application/json"; }
    return fetch(API + path, {
      method: method, headers: headers, body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit", cache: "no-store"
    }).then(function (response) {
      if (response.ok && raw) { return response.blob(); }
      return response.json().catch(function () { return null; }).then(function (data) {
        if (response.ok) { return data; }
        if (response.status === 401) { sessionStorage.removeItem(TOKEN_KEY); }
        var error = new Error(errorText(data, response.status));
        error.status = response.status;
        throw error;
      });
    });
  }

  /* Muestra el nombre, los enlaces que el rol permite y devuelve el agente; sin sesión, lo dice. */
  function start(allowedRoles) {
    if (!token()) { return Promise.reject(noSession()); }
    return request("GET", "/yo").then(function (me) {
      $("session-name").textContent = me.nombre + " · " + (ROLE_LABELS[me.rol] || me.rol);
      $("session-box").hidden = false;
      document.querySelectorAll("[data-roles]").forEach(function (link) {
        link.hidden = link.getAttribute("data-roles").split(" ").indexOf(me.rol) < 0;
      });
      if (allowedRoles.indexOf(me.rol) < 0) {
        var error = new Error(ERROR_LABELS.rol_sin_permiso);
        error.status = 403;
        throw error;
      }
      return me;
    }, function (error) { if (error.status === 401) { throw noSession(); } throw error; });
  }

  function noSession() {
    var error = new Error("Inicie sesión en la consola de agentes para usar esta página.");
    error.status = 401;
    return error;
  }

  function download(path, filename) {
    return request("GET", path, undefined, true).then(function (blob) {
      var url = URL.createObjectURL(blob);
      var link = el("a", { href: url, download: filename });
      document.body.appendChild(link);
      link.click();
      document.body.removeChild(link);
      setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
    });
  }

  function logout() {
    return request("DELETE", "/sesion").catch(function () { return null; }).then(function () {
      sessionStorage.removeItem(TOKEN_KEY);
      window.location.href = "/agentes";
    });
  }

  var number = new Intl.NumberFormat("es-CO");
  var dateFormat = new Intl.DateTimeFormat("es-CO", {
    timeZone: "America/Bogota", day: "numeric", month: "short", year: "numeric", hour: "numeric", minute: "2-digit"
  });

  window.Comun = {
    $: $, el: el, clear: clear, api: request, start: start, download: download, logout: logout,
    fmtNumber: function (n) { return n === null || n === undefined ? "—" : number.format(n); },
    fmtDate: function (v) { return v ? dateFormat.format(new Date(v)) : "—"; }
  };
}());
