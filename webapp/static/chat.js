/*
 * Web chat of the assistant, connected to Rasa's socket.io channel
 * (credentials: user_message_evt user_uttered, bot_message_evt bot_uttered, session_persistence true).
 *
 * - The session id is issued by the server (POST /chat/sesion, signed) and kept in localStorage with
 *   the conversation, so a reload shows the history
 *   and continues the same Rasa conversation ("Nueva conversación" clears both).
 * - Every bot or user text is inserted with textContent / text nodes, never as HTML.
 * - Links open in a new tab with rel="noopener noreferrer", and only http(s) URLs become links or images.
 * - A notice of the MEN (an agent's reply, an encuentro notice) arrives with "aviso": <token> on its
 *   last message; once shown, the page acknowledges it (POST /api/avisos/acuse), so the agent sees it
 *   delivered. The token is never shown or stored.
 */
(function () {
  "use strict";

  var STORE_KEY = "asistente-escuela.chat.v1";
  var MAX_MESSAGES = 200;
  var MAX_AGE_MS = 24 * 60 * 60 * 1000;
  var TYPING_TIMEOUT_MS = 30000;
  var ACK_URL = "/api/avisos/acuse";
  var TEXT = {
    connecting: "Conectando…",
    connected: "Conectado.",
    offline: "Sin conexión con el asistente. Reintentando…",
    unavailable: "No fue posible cargar el chat. Recargue la página.",
    typing: "El asistente está escribiendo",
    noAnswer: "El asistente no respondió a tiempo. Intente de nuevo.",
    reset: "Se inició una nueva conversación.",
    you: "Usted: ",
    bot: "Asistente: ",
    options: "Opciones de respuesta",
    newTab: " (se abre en una pestaña nueva)",
    image: "Imagen enviada por el asistente"
  };

  var els = {};
  var state = { sessionId: null, messages: [], updatedAt: 0 };
  var socket = null;
  var ready = false;
  var pending = [];
  var typingTimer = null;

  // ---------- storage ----------
  function loadState() {
    try {
      var saved = JSON.parse(window.localStorage.getItem(STORE_KEY) || "null");
      if (saved && Array.isArray(saved.messages) && Date.now() - (saved.updatedAt || 0) < MAX_AGE_MS) {
        return { sessionId: saved.sessionId || null, messages: saved.messages, updatedAt: saved.updatedAt };
      }
    } catch (e) { /* unreadable storage: start afresh */ }
    return { sessionId: null, messages: [], updatedAt: 0 };
  }

  function saveState() {
    state.updatedAt = Date.now();
    if (state.messages.length > MAX_MESSAGES) {
      state.messages = state.messages.slice(-MAX_MESSAGES);
    }
    try {
      window.localStorage.setItem(STORE_KEY, JSON.stringify(state));
    } catch (e) { /* storage full or blocked: the chat still works without persistence */ }
  }

  // ---------- safe content ----------
  function safeUrl(value) {
    if (typeof value !== "string" || !value) { return null; }
    try {
      var url = new URL(value, window.location.href);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  function makeLink(href, label) {
    var a = document.createElement("a");
    a.href = href;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    a.textContent = label;
    var hint = document.createElement("span");
    hint.className = "visually-hidden";
    hint.textContent = TEXT.newTab;
    a.appendChild(hint);
    return a;
  }

  // Markdown links [label](http...) and bare http(s) URLs become links; everything else is text.
  var LINK_RE = /\[([^\]\n]{1,300})\]\((https?:\/\/[^\s)]+)\)|(https?:\/\/[^\s<>"']+)/g;
  var TRAILING_PUNCT = /[.,;:!?)\]»"']+$/;

  function appendRichText(parent, text) {
    var last = 0;
    var match;
    LINK_RE.lastIndex = 0;
    while ((match = LINK_RE.exec(text)) !== null) {
      var label = match[1];
      var raw = match[2] || match[3];
      var tail = "";
      if (!label) {
        var trimmed = raw.replace(TRAILING_PUNCT, "");
        tail = raw.slice(trimmed.length);
        raw = trimmed;
      }
      var href = safeUrl(raw);
      parent.appendChild(document.createTextNode(text.slice(last, match.index)));
      if (href) {
        parent.appendChild(makeLink(href, label || raw));
      } else {
        parent.appendChild(document.createTextNode(match[0]));
        tail = "";
      }
      if (tail) { parent.appendChild(document.createTextNode(tail)); }
      last = match.index + match[0].length;
    }
    parent.appendChild(document.createTextNode(text.slice(last)));
  }

  // ---------- Rasa messages -> stored messages ----------
  function normalizeButtons(list) {
    if (!Array.isArray(list)) { return []; }
    return list
      .filter(function (b) { return b && (typeof b.title === "string" || typeof b.payload === "string"); })
      .map(function (b) {
        var title = typeof b.title === "string" && b.title ? b.title : b.payload;
        var payload = typeof b.payload === "string" && b.payload ? b.payload : title;
        return { title: title, payload: payload };
      });
  }

  function fromRasa(data) {
    if (typeof data === "string") { data = { text: data }; }
    if (!data || typeof data !== "object") { return null; }
    var msg = { from: "bot" };
    if (typeof data.text === "string" && data.text) { msg.text = data.text; }
    var buttons = normalizeButtons(data.quick_replies || data.buttons);
    if (buttons.length) { msg.buttons = buttons; }
    var image = null;
    var alt = "";
    if (typeof data.image === "string") { image = data.image; }
    var att = data.attachment;
    if (att && typeof att === "object" && att.type === "image" && att.payload) {
      image = att.payload.src || att.payload.url || image;
      alt = att.payload.alt || att.payload.title || "";
    }
    if (image && safeUrl(image)) {
      msg.image = image;
      if (typeof alt === "string" && alt) { msg.alt = alt; }
    }
    return msg.text || msg.buttons || msg.image ? msg : null;
  }

  // ---------- rendering ----------
  function scrollToEnd() {
    els.log.scrollTop = els.log.scrollHeight;
  }

  function renderMessage(msg) {
    var li = document.createElement("li");
    li.className = "msg " + (msg.from === "user" ? "msg-user" : "msg-bot");
    var who = document.createElement("span");
    who.className = "visually-hidden";
    who.textContent = msg.from === "user" ? TEXT.you : TEXT.bot;
    li.appendChild(who);

    if (msg.text) {
      var p = document.createElement("p");
      p.className = "msg-text";
      appendRichText(p, msg.text);
      li.appendChild(p);
    }
    var src = safeUrl(msg.image);
    if (src) {
      var figure = document.createElement("div");
      figure.className = "msg-image";
      var link = makeLink(src, "");
      var img = document.createElement("img");
      img.src = src;
      img.alt = msg.alt || TEXT.image;
      img.loading = "lazy";
      img.addEventListener("load", scrollToEnd);
      link.insertBefore(img, link.firstChild);
      figure.appendChild(link);
      li.appendChild(figure);
    }
    if (msg.buttons && msg.buttons.length) {
      var group = document.createElement("div");
      group.className = "msg-buttons";
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", TEXT.options);
      msg.buttons.forEach(function (b) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "quick-reply";
        button.textContent = b.title;
        button.addEventListener("click", function () {
          sendMessage(b.payload, b.title);
          els.input.focus();
        });
        group.appendChild(button);
      });
      li.appendChild(group);
    }
    els.list.appendChild(li);
    scrollToEnd();
  }

  function addMessage(msg) {
    state.messages.push(msg);
    saveState();
    renderMessage(msg);
  }

  // ---------- status ----------
  function setConnection(text, offline) {
    els.connection.textContent = text;
    els.connection.classList.toggle("is-offline", !!offline);
  }

  function showTyping() {
    els.typing.textContent = "";
    var span = document.createElement("span");
    span.className = "typing-dots";
    span.textContent = TEXT.typing;
    els.typing.appendChild(span);
    clearTimeout(typingTimer);
    typingTimer = setTimeout(function () { els.typing.textContent = TEXT.noAnswer; }, TYPING_TIMEOUT_MS);
  }

  function hideTyping() {
    clearTimeout(typingTimer);
    els.typing.textContent = "";
  }

  // ---------- socket ----------
  function emitUser(payload) {
    socket.emit("user_uttered", { message: payload, session_id: state.sessionId });
  }

  function sendMessage(payload, shown) {
    var text = (payload || "").trim();
    if (!text) { return; }
    addMessage({ from: "user", text: shown || text });
    showTyping();
    if (socket && ready) {
      emitUser(text);
    } else {
      pending.push(text);
    }
  }

  function onSessionConfirm(data) {
    var id = typeof data === "string" ? data : data && data.session_id;
    if (!id) { return; }
    if (state.sessionId !== id) {
      state.sessionId = id;
      saveState();
    }
    ready = true;
    setConnection(TEXT.connected, false);
    var queued = pending;
    pending = [];
    queued.forEach(emitUser);
  }

  // ---------- acknowledgement of the MEN's notices ----------
  function acknowledge(token, attempt) {
    if (typeof token !== "string" || !token || typeof window.fetch !== "function") { return; }
    window.fetch(ACK_URL, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ aviso: token }),
      credentials: "same-origin",
      keepalive: true
    }).then(function (response) {
      if (!response.ok && response.status >= 500 && attempt < 3) {
        setTimeout(function () { acknowledge(token, attempt + 1); }, 2000 * (attempt + 1));
      }
    }).catch(function () {
      if (attempt < 3) { setTimeout(function () { acknowledge(token, attempt + 1); }, 2000 * (attempt + 1)); }
    });
  }

  function onBotMessage(data) {
    hideTyping();
    var msg = fromRasa(data);
    if (msg) { addMessage(msg); }
    if (data && typeof data === "object" && data.aviso) { acknowledge(data.aviso, 0); }
  }

  // The session id is issued by the server (web app's POST /chat/sesion, signed); Rasa's socket
  // refuses ids it did not sign and confirms the one to use.
  function requestSession() {
    if (state.sessionId) {
      socket.emit("session_request", { session_id: state.sessionId });
      return;
    }
    window.fetch("/chat/sesion", { method: "POST", credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : {}; })
      .catch(function () { return {}; })
      .then(function (data) {
        socket.emit("session_request", { session_id: (data && typeof data.sesion === "string") ? data.sesion : null });
      });
  }

  function connect() {
    var url = document.querySelector('meta[name="chat-socket-url"]').content || undefined;
    var path = document.querySelector('meta[name="chat-socket-path"]').content || "/socket.io";
    // WebSocket first: with several Rasa replicas it needs no sticky sessions; long-polling as fallback.
    socket = window.io(url, { path: path, transports: ["websocket", "polling"], tryAllTransports: true });
    socket.on("connect", function () {
      ready = false;
      requestSession();
    });
    socket.on("session_confirm", onSessionConfirm);
    socket.on("bot_uttered", onBotMessage);
    socket.on("disconnect", function () {
      ready = false;
      setConnection(TEXT.offline, true);
    });
    socket.on("connect_error", function () {
      ready = false;
      setConnection(TEXT.offline, true);
    });
  }

  function resetConversation() {
    state = { sessionId: null, messages: [], updatedAt: 0 };
    pending = [];
    try { window.localStorage.removeItem(STORE_KEY); } catch (e) { /* ignore */ }
    els.list.textContent = "";
    hideTyping();
    els.typing.textContent = TEXT.reset;
    if (socket) {
      ready = false;
      socket.disconnect();
      socket.connect();
    }
    els.input.focus();
  }

  function init() {
    els.log = document.getElementById("chat-log");
    els.list = document.getElementById("chat-messages");
    els.form = document.getElementById("chat-form");
    els.input = document.getElementById("chat-input");
    els.connection = document.getElementById("chat-connection");
    els.typing = document.getElementById("chat-typing");

    state = loadState();
    state.messages.forEach(renderMessage);
    // Announce only the messages that arrive from now on, not the restored history.
    els.log.setAttribute("aria-live", "polite");

    els.form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = els.input.value;
      els.input.value = "";
      sendMessage(text);
    });
    document.getElementById("chat-reset").addEventListener("click", resetConversation);

    if (typeof window.io !== "function") {
      setConnection(TEXT.unavailable, true);
      return;
    }
    setConnection(TEXT.connecting, false);
    connect();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}());
