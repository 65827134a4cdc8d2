// Progressive enhancement of the chat feature (owned by its app; every page works without it).
//
// One websocket per tab (/ws/) carries every room on the page and the user's notifications.
// Frames (version 1): subscribe {room, since}, send {room, client_id, body}, typing {room},
// read {room, upto} → message, ack, history, typing, presence, notification, error.
// On reconnect (with backoff) every room resubscribes with the last id it saw and gets what it
// missed; unacknowledged sends are sent again with the same client_id (the server keeps one).
(function () {
  "use strict";

  var VERSION = 1;
  var MAX_LENGTH = 2000;
  var strings = {};
  var rooms = {};
  var pending = {}; // client_id -> {room, body, sent}
  var socket = null;
  var isOpen = false;
  var everOpened = false;
  var backoff = 500;
  var retryTimer = null;
  var connectingTimer = null;

  function format(template, values) {
    return String(template || "").replace(/%\((\w+)\)s/g, function (_m, name) {
      return values[name] === undefined ? "" : values[name];
    });
  }

  function newClientId() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }

  function fromHTML(html) {
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content.firstElementChild;
  }

  // --- connection -------------------------------------------------------------------------

  function send(frame) {
    if (!socket || !isOpen) return false;
    frame.v = VERSION;
    socket.send(JSON.stringify(frame));
    return true;
  }

  function setConnection(text) {
    Object.keys(rooms).forEach(function (key) {
      var el = rooms[key].connection;
      if (el) {
        el.textContent = text;
        el.classList.toggle("is-visible", !!text);
      }
      rooms[key].el.classList.toggle("chat-disconnected", !!text);
    });
  }

  function connect() {
    clearTimeout(retryTimer);
    if (socket) return;
    var url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/";
    try {
      socket = new WebSocket(url);
    } catch (error) {
      socket = null;
      scheduleReconnect();
      return;
    }
    clearTimeout(connectingTimer);
    connectingTimer = setTimeout(function () {
      if (!isOpen) setConnection(everOpened ? strings.reconnecting : strings.connecting);
    }, everOpened ? 0 : 1500);
    socket.onopen = function () {
      isOpen = true;
      everOpened = true;
      backoff = 500;
      clearTimeout(connectingTimer);
      setConnection("");
      Object.keys(rooms).forEach(function (key) {
        var room = rooms[key];
        send({type: "subscribe", room: key, since: room.lastId});
      });
    };
    socket.onmessage = function (event) {
      var frame;
      try { frame = JSON.parse(event.data); } catch (error) { return; }
      handle(frame);
    };
    socket.onclose = function () {
      socket = null;
      isOpen = false;
      Object.keys(rooms).forEach(function (key) {
        rooms[key].live = false;
        if (rooms[key].presence) rooms[key].presence.textContent = "";
      });
      setConnection(strings.reconnecting);
      scheduleReconnect();
    };
  }

  function scheduleReconnect() {
    clearTimeout(retryTimer);
    if (navigator.onLine === false) return; // the "online" event reconnects
    var delay = Math.min(backoff, 15000) * (0.75 + Math.random() * 0.5);
    backoff = Math.min(backoff * 2, 15000);
    retryTimer = setTimeout(connect, delay);
  }

  window.addEventListener("online", function () {
    backoff = 500;
    if (!socket) connect();
  });
  window.addEventListener("offline", function () {
    setConnection(strings.reconnecting);
    if (socket) socket.close();
  });

  // --- frames in ----------------------------------------------------------------------------

  function handle(frame) {
    var room = frame.room ? rooms[frame.room] : null;
    switch (frame.type) {
      case "history":
        if (!room) return;
        if (frame.reset) {
          room.log.innerHTML = "";
          room.seen = {};
        }
        (frame.messages || []).forEach(function (message) { addMessage(room, message); });
        if (!frame.more) {
          room.live = true;
          if (frame.last_id > room.lastId) room.lastId = frame.last_id;
          setWritable(room, frame.can_write, frame.code);
          resendPending(room);
          scheduleRead(room);
        }
        break;
      case "message":
        if (!room) return;
        if (frame.change === "removed") {
          var gone = document.getElementById("chat-message-" + frame.message.id);
          if (gone) gone.remove();
        } else if (frame.change) {
          replaceMessage(room, frame.message);
        } else {
          addMessage(room, frame.message);
          scheduleRead(room);
        }
        break;
      case "ack":
        if (pending[frame.client_id]) pending[frame.client_id].acked = frame.id;
        var item = room && room.log.querySelector('[data-client-id="' + frame.client_id + '"]');
        if (item && !item.dataset.id) item.classList.remove("chat-failed");
        delete pending[frame.client_id];
        break;
      case "error":
        handleError(room, frame);
        break;
      case "typing":
        if (!room || !frame.user || frame.user.username === room.me) return;
        room.typing.textContent = format(strings.typing, {name: frame.user.name});
        clearTimeout(room.typingTimer);
        room.typingTimer = setTimeout(function () { room.typing.textContent = ""; }, 4000);
        break;
      case "presence":
        if (!room) return;
        room.presence.textContent = presenceText(frame.online);
        break;
      case "notification":
        handleNotification(frame);
        break;
      default:
        break;
    }
  }

  function presenceText(count) {
    var forms = strings.presence || {};
    var category = "other";
    try { category = new Intl.PluralRules(document.documentElement.lang || "ru").select(count); } catch (e) { /* old browser */ }
    return format(forms[category] || forms.other || "%(count)s", {count: count});
  }

  function handleError(room, frame) {
    var entry = frame.client_id && pending[frame.client_id];
    if (entry) {
      delete pending[frame.client_id];
      var item = entry.room.log.querySelector('[data-client-id="' + frame.client_id + '"]');
      if (item) {
        item.classList.add("chat-failed");
        var status = item.querySelector(".chat-pending-status");
        if (status) status.textContent = strings.failed + ": " + frame.detail;
      }
      if (entry.room.textarea && !entry.room.textarea.value) entry.room.textarea.value = entry.body;
      showError(entry.room, frame.detail);
      return;
    }
    if (room) showError(room, frame.detail);
  }

  function showError(room, text) {
    if (!room.error) return;
    room.error.textContent = text || "";
    clearTimeout(room.errorTimer);
    room.errorTimer = setTimeout(function () { room.error.textContent = ""; }, 8000);
  }

  function handleNotification(frame) {
    if (frame.kind === "notification" && typeof frame.notifications_unread === "number") {
      // The header bell (community.notifications): its count follows every new notification.
      document.querySelectorAll("[data-notifications-unread]").forEach(function (badge) {
        var count = badge.querySelector("[data-notifications-unread-count]");
        if (count) count.textContent = frame.notifications_unread;
        badge.hidden = frame.notifications_unread <= 0;
      });
      var bell = document.querySelector("[data-notifications-bell]");
      if (bell && frame.text) bell.title = frame.text;
      return;
    }
    if (typeof frame.unread === "number") {
      document.querySelectorAll("[data-chat-unread]").forEach(function (badge) {
        var count = badge.querySelector("[data-chat-unread-count]");
        if (count) count.textContent = frame.unread;
        badge.hidden = frame.unread <= 0;
      });
    }
    if (frame.kind === "ticket" && rooms[frame.room]) {
      var status = document.querySelector("[data-chat-ticket-status]");
      if (status) {
        status.textContent = frame.status_label;
        status.className = status.className.replace(/chat-ticket-\w+/g, "").trim() + " chat-ticket-" + frame.status;
      }
      var assignee = document.querySelector("[data-chat-ticket-assignee]");
      if (assignee && frame.assignee) assignee.textContent = frame.assignee;
      var room = rooms[frame.room];
      if (frame.status === "closed") {
        setWritable(room, false, "ticket_closed", strings.closed);
      } else if (!room.form && room.wasClosed) {
        location.reload();
      } else {
        setWritable(room, true);
      }
    }
  }

  // --- messages -----------------------------------------------------------------------------

  function addMessage(room, message) {
    if (room.seen[message.id]) return;
    room.seen[message.id] = true;
    if (message.id > room.lastId) room.lastId = message.id;
    var item = fromHTML(message.html);
    if (!item) return;
    decorate(room, item, message);
    var placeholder = message.client_id && room.log.querySelector('[data-client-id="' + message.client_id + '"]:not([data-id])');
    var nearBottom = room.log.scrollHeight - room.log.scrollTop - room.log.clientHeight < 80;
    if (placeholder) {
      placeholder.replaceWith(item);
      delete pending[message.client_id];
    } else {
      insertInOrder(room.log, item, message.id);
    }
    if (room.empty) room.empty.hidden = true;
    if (nearBottom || message.author === room.me) room.log.scrollTop = room.log.scrollHeight;
  }

  function replaceMessage(room, message) {
    var existing = document.getElementById("chat-message-" + message.id);
    var item = fromHTML(message.html);
    if (!item) return;
    decorate(room, item, message);
    if (existing) {
      existing.replaceWith(item);
    } else if (message.id <= room.lastId) {
      room.seen[message.id] = true;
      insertInOrder(room.log, item, message.id);
    }
  }

  // Messages stay in id order; pending ones (sent, not yet stored: no id) stay at the end.
  function insertInOrder(log, item, id) {
    var children = log.children;
    for (var i = children.length - 1; i >= 0; i--) {
      var otherId = parseInt(children[i].dataset.id || "0", 10);
      if (otherId && otherId < id) {
        children[i].after(item);
        return;
      }
    }
    log.prepend(item);
  }

  function decorate(room, item, message) {
    if (!room.ownActions || message.author !== room.me) return;
    var actions = room.ownActions.content.firstElementChild.cloneNode(true);
    actions.querySelectorAll("a[href], form[action]").forEach(function (el) {
      var attr = el.tagName === "FORM" ? "action" : "href";
      el.setAttribute(attr, el.getAttribute(attr).replace("/0/", "/" + message.id + "/"));
    });
    item.appendChild(actions);
  }

  function setWritable(room, writable, code, text) {
    if (code === "ticket_closed") room.wasClosed = true;
    if (!room.form) return;
    room.form.querySelectorAll("textarea, button").forEach(function (el) { el.disabled = !writable; });
    if (!writable && text) showError(room, text);
  }

  // --- sending ------------------------------------------------------------------------------

  function submit(room) {
    var body = room.textarea.value.trim();
    if (!body) return;
    if (body.length > MAX_LENGTH) {
      showError(room, room.textarea.validationMessage || ("≤ " + MAX_LENGTH));
      return;
    }
    var clientId = newClientId();
    pending[clientId] = {room: room, body: body};
    var item = document.createElement("li");
    item.className = "chat-message chat-pending";
    item.dataset.clientId = clientId;
    var text = document.createElement("div");
    text.className = "chat-message-body";
    text.textContent = body;
    var status = document.createElement("span");
    status.className = "chat-pending-status muted";
    status.textContent = strings.sending;
    item.appendChild(status);
    item.appendChild(text);
    room.log.appendChild(item);
    if (room.empty) room.empty.hidden = true;
    room.log.scrollTop = room.log.scrollHeight;
    room.textarea.value = "";
    if (room.live) send({type: "send", room: room.key, client_id: clientId, body: body});
  }

  function resendPending(room) {
    Object.keys(pending).forEach(function (clientId) {
      var entry = pending[clientId];
      var waiting = room.log.querySelector('[data-client-id="' + clientId + '"]:not([data-id])');
      if (entry.room !== room) return;
      if (!waiting) {
        delete pending[clientId];
        return;
      }
      // The same client_id again: if the first send was stored, the server answers with it.
      send({type: "send", room: room.key, client_id: clientId, body: entry.body});
    });
  }

  var readTimers = {};

  function scheduleRead(room) {
    if (room.key.indexOf("room:") !== 0 || !room.me) return;
    clearTimeout(readTimers[room.key]);
    readTimers[room.key] = setTimeout(function () {
      if (document.visibilityState === "visible" && room.lastId > room.readUpto) {
        if (send({type: "read", room: room.key, upto: room.lastId})) room.readUpto = room.lastId;
      }
    }, 800);
  }

  document.addEventListener("visibilitychange", function () {
    Object.keys(rooms).forEach(function (key) { scheduleRead(rooms[key]); });
  });

  // --- older messages over HTTP -----------------------------------------------------------------

  function loadOlder(room, link) {
    var before = link.dataset.before;
    var url = room.historyUrl + "?room=" + encodeURIComponent(room.key) + "&before=" + encodeURIComponent(before);
    link.setAttribute("aria-busy", "true");
    fetch(url, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (response) { return response.json(); })
      .then(function (data) {
        var height = room.log.scrollHeight;
        var messages = data.messages || [];
        for (var i = messages.length - 1; i >= 0; i--) {
          if (room.seen[messages[i].id]) continue;
          room.seen[messages[i].id] = true;
          var item = fromHTML(messages[i].html);
          decorate(room, item, messages[i]);
          room.log.prepend(item);
        }
        room.log.scrollTop += room.log.scrollHeight - height;
        if (data.older && messages.length) {
          link.dataset.before = messages[0].id;
        } else {
          link.parentElement.remove();
        }
      })
      .catch(function () { window.location.href = link.href; })
      .finally(function () { link.removeAttribute("aria-busy"); });
  }

  // --- set-up -------------------------------------------------------------------------------

  function setupRoom(el) {
    var key = el.dataset.chatRoom;
    var room = {
      key: key,
      el: el,
      log: el.querySelector("[data-chat-log]"),
      empty: el.querySelector("[data-chat-empty]"),
      form: el.querySelector("[data-chat-form]"),
      textarea: el.querySelector("[data-chat-form] textarea"),
      error: el.querySelector("[data-chat-error]"),
      connection: el.querySelector("[data-chat-connection]"),
      presence: el.querySelector("[data-chat-presence]"),
      typing: el.querySelector("[data-chat-typing]"),
      ownActions: el.querySelector("template[data-chat-own-actions]"),
      historyUrl: el.dataset.historyUrl,
      me: el.dataset.me || "",
      lastId: parseInt(el.dataset.lastId || "0", 10),
      readUpto: 0,
      seen: {},
      live: false,
      typingSent: 0,
    };
    room.log.querySelectorAll("[data-id]").forEach(function (item) { room.seen[item.dataset.id] = true; });
    room.log.scrollTop = room.log.scrollHeight;
    rooms[key] = room;
    if (room.form) {
      room.form.addEventListener("submit", function (event) {
        if (!everOpened) return; // the websocket never worked here: the form posts as without JS
        event.preventDefault();
        submit(room);
      });
      room.textarea.addEventListener("keydown", function (event) {
        if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
          event.preventDefault();
          if (everOpened) submit(room); else room.form.requestSubmit();
        }
      });
      room.textarea.addEventListener("input", function () {
        var now = Date.now();
        if (room.live && now - room.typingSent > 2500) {
          room.typingSent = now;
          send({type: "typing", room: key});
        }
      });
    }
    var older = el.querySelector("[data-chat-older]");
    if (older) {
      older.addEventListener("click", function (event) {
        event.preventDefault();
        loadOlder(room, older);
      });
    }
  }

  function init() {
    var stringsElement = document.getElementById("chat-strings");
    if (stringsElement) {
      try { strings = JSON.parse(stringsElement.textContent); } catch (e) { strings = {}; }
    }
    document.querySelectorAll("[data-chat-room]").forEach(function (el) {
      if (el.dataset.chatRoom) setupRoom(el);
    });
    if (Object.keys(rooms).length || document.querySelector("[data-chat-unread], [data-notifications-unread]")) connect();
  }

  if (!("WebSocket" in window)) return;
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
