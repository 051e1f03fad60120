// The web chat page: renders the conversation, posts what the reader types or presses, and
// listens for new messages (Server-Sent Events; polling where EventSource is missing).
(function () {
  "use strict";
  var root = document.getElementById("chat");
  var base = root.getAttribute("data-base");
  var ui = JSON.parse(document.getElementById("ui").textContent);
  var log = document.getElementById("log");
  var form = document.getElementById("form");
  var input = document.getElementById("text");
  var status = document.getElementById("status");
  var menu = document.getElementById("menu");
  var last = 0;
  var seen = {};
  var busy = false;

  function applyUi(next) {
    ui = next;
    document.documentElement.lang = ui.lang;
    document.documentElement.dir = ui.dir;
    document.getElementById("tagline").textContent = ui.tagline;
    document.getElementById("text-label").textContent = ui.message;
    document.getElementById("menu-label").textContent = ui.menu;
    document.getElementById("send").textContent = ui.send;
    status.textContent = ui.offline;
    input.placeholder = ui.message;
    var list = document.getElementById("commands");
    list.textContent = "";
    ui.commands.forEach(function (pair) {
      var item = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.setAttribute("data-command", pair[0]);
      button.textContent = pair[1];
      item.appendChild(button);
      list.appendChild(item);
    });
  }

  // Text with its web addresses as links; everything else stays text (never HTML).
  function paragraph(text, className) {
    var p = document.createElement("p");
    if (className) { p.className = className; }
    var pattern = /https?:\/\/[^\s<>"]+[^\s<>".,;:!?)\]]/g;
    var at = 0;
    var match;
    while ((match = pattern.exec(text)) !== null) {
      p.appendChild(document.createTextNode(text.slice(at, match.index)));
      var a = document.createElement("a");
      a.href = match[0];
      a.textContent = match[0];
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      p.appendChild(a);
      at = match.index + match[0].length;
    }
    p.appendChild(document.createTextNode(text.slice(at)));
    return p;
  }

  function bubble(m) {
    var div = document.createElement("div");
    div.className = "msg " + (m.id === 0 && m.from === "bot" && !m.buttons.length && !m.title ? "notice" : m.from);
    div.setAttribute("data-id", String(m.id));
    if (m.from === "user") {
      var who = document.createElement("span");
      who.className = "sr";
      who.textContent = ui.you + ": ";
      div.appendChild(who);
    }
    if (m.title) { div.appendChild(paragraph(m.title, "title")); }
    div.appendChild(paragraph(m.body || ""));
    if (m.file && m.id) {
      var link = document.createElement("a");
      link.className = "file";
      link.href = base + "/api/file/" + m.id;
      link.setAttribute("download", m.file);
      // The file name keeps its own direction inside a right-to-left sentence.
      var parts = ui.download.split("{file}");
      var name = document.createElement("bdi");
      name.dir = "ltr";
      name.textContent = m.file;
      link.appendChild(document.createTextNode(parts[0] || ""));
      link.appendChild(name);
      link.appendChild(document.createTextNode(parts[1] || ""));
      div.appendChild(link);
    }
    if (m.buttons && m.buttons.length) {
      var options = document.createElement("div");
      options.className = "options";
      options.style.gridTemplateColumns = "repeat(" + Math.max(1, m.columns || 1) + ", minmax(0, 1fr))";
      m.buttons.forEach(function (pair) {
        var button = document.createElement("button");
        button.type = "button";
        button.textContent = pair[0];
        button.setAttribute("data-press", pair[1]);
        options.appendChild(button);
      });
      div.appendChild(options);
    }
    return div;
  }

  function add(m) {
    if (m.id && seen[m.id]) { return; }
    var div = bubble(m);
    if (m.id) {
      seen[m.id] = true;
      last = Math.max(last, m.id);
      // Keep the order of the transcript, whichever way a message arrived first.
      var later = null;
      var items = log.querySelectorAll(".msg[data-id]");
      for (var i = 0; i < items.length; i++) {
        if (Number(items[i].getAttribute("data-id")) > m.id) { later = items[i]; break; }
      }
      log.insertBefore(div, later);
    } else {
      log.appendChild(div);
    }
    tidy();
    log.scrollTop = log.scrollHeight;
  }

  // Choices of earlier steps would only bring the current step back: they are folded away.
  // Buttons under reminders ("stop these") stay.
  function tidy() {
    var groups = log.querySelectorAll(".options");
    var newest = -1;
    var versions = [];
    groups.forEach(function (group, i) {
      var first = group.querySelector("button[data-press]");
      var version = first ? parseInt(first.getAttribute("data-press").split(":")[0], 10) : NaN;
      versions[i] = version;
      if (!isNaN(version)) { newest = Math.max(newest, version); }
    });
    groups.forEach(function (group, i) {
      group.hidden = !isNaN(versions[i]) && versions[i] < newest;
    });
  }

  function offline(on) { status.hidden = !on; }

  function post(payload, pending) {
    busy = true;
    return fetch(base + "/api/send", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(payload)
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (result) {
      offline(false);
      if (pending) { pending.remove(); }
      if (result.body.ui) { applyUi(result.body.ui); }
      (result.body.messages || []).forEach(add);
      return result.ok && !result.body.retry;
    }).catch(function () {
      if (pending) { pending.remove(); }
      offline(true);
      return false;
    }).then(function (done) {
      busy = false;
      return done;
    });
  }

  function sendText(text) {
    if (!text || busy) { return; }
    if (text.length > input.maxLength) {
      add({ id: 0, from: "bot", title: null, body: ui.too_long, buttons: [], file: null });
      return;
    }
    var pending = bubble({ id: 0, from: "user", body: text, buttons: [] });
    pending.className += " pending";
    log.appendChild(pending);
    log.scrollTop = log.scrollHeight;
    input.value = "";
    grow();
    post({ text: text }, pending).then(function (done) {
      if (!done && !input.value) { input.value = text; grow(); }  // nothing is lost
    });
  }

  function grow() {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight + 2, 128) + "px";
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    sendText(input.value.trim());
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      sendText(input.value.trim());
    }
  });
  input.addEventListener("input", grow);
  log.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button[data-press]") : null;
    if (!button || busy) { return; }
    var group = button.parentNode.querySelectorAll("button");
    group.forEach(function (b) { b.disabled = true; });
    post({ press: button.getAttribute("data-press"), label: button.textContent }).then(function () {
      group.forEach(function (b) { b.disabled = false; });
    });
  });
  menu.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button[data-command]") : null;
    if (!button) { return; }
    menu.open = false;
    sendText(button.getAttribute("data-command"));
  });

  function poll() {
    fetch(base + "/api/messages?after=" + last, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (body) { offline(false); body.messages.forEach(add); })
      .catch(function () { offline(true); })
      .then(function () { setTimeout(poll, 5000); });
  }

  function listen() {
    if (!window.EventSource) { setTimeout(poll, 5000); return; }
    var source = new EventSource(base + "/api/events?after=" + last);
    source.onopen = function () { offline(false); };
    source.onmessage = function (event) { add(JSON.parse(event.data)); };
    source.onerror = function () { offline(source.readyState !== EventSource.OPEN); };
  }

  fetch(base + "/api/messages", { credentials: "same-origin" })
    .then(function (r) { return r.json(); })
    .then(function (body) {
      applyUi(body.ui);
      body.messages.forEach(add);
      body.prompt.forEach(add);
      root.setAttribute("data-ready", "1");
      listen();
    })
    .catch(function () { offline(true); setTimeout(function () { location.reload(); }, 5000); });
})();
