// Cairn web app behaviour: keyboard shortcuts, the help dialog, and
// reordering and moving by keyboard and by drag. Every action here also
// has a plain form that works without script; this file only makes it
// quicker. No inline script anywhere (the CSP forbids it).
(function () {
  "use strict";

  var csrf = function () { return document.body ? document.body.dataset.csrf || "" : ""; };

  function announce(msg) {
    var live = document.getElementById("live");
    if (!live) {
      live = document.createElement("div");
      live.id = "live";
      live.className = "visually-hidden";
      live.setAttribute("aria-live", "polite");
      live.setAttribute("role", "status");
      document.body.appendChild(live);
    }
    live.textContent = msg;
  }

  function showError(msg) {
    var box = document.getElementById("flash");
    if (!box) {
      box = document.createElement("p");
      box.id = "flash";
      box.className = "error flash";
      box.setAttribute("role", "alert");
      var main = document.getElementById("main");
      (main || document.body).insertBefore(box, main ? main.firstChild : null);
    }
    box.textContent = msg;
  }

  function api(method, path, version, body) {
    var headers = { "Content-Type": "application/json", "X-CSRF-Token": csrf() };
    if (version !== undefined && version !== null) headers["If-Match"] = '"' + version + '"';
    return fetch("/api/v1" + path, {
      method: method,
      headers: headers,
      credentials: "same-origin",
      body: body ? JSON.stringify(body) : undefined
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (!r.ok) {
          var m = (j && j.error && j.error.message) || ("The server said " + r.status);
          throw new Error(m);
        }
        return j;
      });
    });
  }

  // ---- selection for j / k ----------------------------------------------
  var selected = null;
  function navItems() { return Array.prototype.slice.call(document.querySelectorAll("[data-nav]")); }
  function select(el) {
    if (selected) selected.classList.remove("selected");
    selected = el;
    if (el) {
      el.classList.add("selected");
      el.focus({ preventScroll: false });
      el.scrollIntoView({ block: "nearest" });
    }
  }
  function step(d) {
    var items = navItems();
    if (!items.length) return;
    var i = selected ? items.indexOf(selected) : -1;
    var next = i < 0 ? (d > 0 ? 0 : items.length - 1) : Math.min(items.length - 1, Math.max(0, i + d));
    select(items[next]);
  }

  // ---- backlog reorder ----------------------------------------------------
  function reorder(row, dir) {
    var table = row.closest("table[data-reorder]");
    if (!table) return;
    var other = dir < 0 ? row.previousElementSibling : row.nextElementSibling;
    if (!other) { announce("Already at the " + (dir < 0 ? "top" : "bottom") + " of this page"); return; }
    var body = dir < 0 ? { before: other.dataset.key } : { after: other.dataset.key };
    api("POST", "/items/" + row.dataset.key + "/move", row.dataset.version, body).then(function (item) {
      row.dataset.version = item.version;
      if (dir < 0) row.parentNode.insertBefore(row, other);
      else row.parentNode.insertBefore(other, row);
      renumber(table);
      select(row);
      announce(row.dataset.key + " moved " + (dir < 0 ? "up" : "down"));
    }).catch(function (e) { showError(e.message); });
  }
  function renumber(table) {
    var rows = table.querySelectorAll("tbody tr");
    var first = rows.length ? parseInt(rows[0].querySelector("td").textContent, 10) : 1;
    var base = isNaN(first) ? 1 : first;
    var min = base;
    rows.forEach(function (r) { var n = parseInt(r.querySelector("td").textContent, 10); if (!isNaN(n) && n < min) min = n; });
    rows.forEach(function (r, i) { r.querySelector("td").textContent = String(min + i); });
  }

  // ---- keyboard -----------------------------------------------------------
  var pendingG = false;
  document.addEventListener("keydown", function (e) {
    var t = e.target;
    var typing = t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
    var help = document.getElementById("help");
    if (e.key === "Escape" && help && help.open) { help.close(); return; }
    if (typing) return;
    if (e.altKey && (e.key === "ArrowUp" || e.key === "ArrowDown")) {
      var row = selected && selected.tagName === "TR" ? selected : (t && t.closest && t.closest("tr[data-key]"));
      if (row) { e.preventDefault(); reorder(row, e.key === "ArrowUp" ? -1 : 1); }
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (pendingG) {
      pendingG = false;
      var product = new URLSearchParams(location.search).get("product");
      var q = product ? "?product=" + encodeURIComponent(product) : "";
      if (e.key === "b") { location.href = "/backlog" + q; return; }
      if (e.key === "o") { location.href = "/board" + q; return; }
      if (e.key === "p") { location.href = "/plan" + q; return; }
    }
    switch (e.key) {
      case "j": e.preventDefault(); step(1); break;
      case "k": e.preventDefault(); step(-1); break;
      case "Enter":
        if (selected && selected.dataset.href && t === selected) { location.href = selected.dataset.href; }
        break;
      case "c": {
        var p = new URLSearchParams(location.search).get("product");
        location.href = "/items/new" + (p ? "?product=" + encodeURIComponent(p) : "");
        break;
      }
      case "/": {
        var s = document.querySelector("[data-search]");
        if (s) { e.preventDefault(); s.focus(); s.select(); }
        break;
      }
      case "?":
        if (help) { e.preventDefault(); help.showModal(); }
        break;
      case "g": pendingG = true; setTimeout(function () { pendingG = false; }, 1000); break;
    }
  });

  // ---- drag and drop ------------------------------------------------------
  var dragged = null;
  document.addEventListener("dragstart", function (e) {
    var el = e.target.closest && e.target.closest("[draggable=true][data-key]");
    if (!el) return;
    dragged = el;
    el.classList.add("dragging");
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", el.dataset.key);
  });
  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
  });
  document.addEventListener("dragover", function (e) {
    if (!dragged) return;
    var row = e.target.closest && e.target.closest("tr[data-key]");
    var col = e.target.closest && e.target.closest("[data-drop]");
    if ((row && dragged.tagName === "TR") || (col && dragged.tagName === "LI")) e.preventDefault();
  });
  document.addEventListener("drop", function (e) {
    if (!dragged) return;
    var el = dragged;
    var row = e.target.closest && e.target.closest("tr[data-key]");
    if (row && el.tagName === "TR" && row !== el) {
      e.preventDefault();
      var rect = row.getBoundingClientRect();
      var above = e.clientY < rect.top + rect.height / 2;
      var body = above ? { before: row.dataset.key } : { after: row.dataset.key };
      api("POST", "/items/" + el.dataset.key + "/move", el.dataset.version, body).then(function (item) {
        el.dataset.version = item.version;
        row.parentNode.insertBefore(el, above ? row : row.nextSibling);
        renumber(row.closest("table"));
        announce(el.dataset.key + " moved");
      }).catch(function (err) { showError(err.message); });
      return;
    }
    var col = e.target.closest && e.target.closest("[data-drop]");
    if (col && el.tagName === "LI") {
      e.preventDefault();
      var state = col.dataset.drop;
      api("PATCH", "/items/" + el.dataset.key, el.dataset.version, { state: state }).then(function (item) {
        el.dataset.version = item.version;
        var from = el.closest("[data-drop]");
        col.insertBefore(el, col.firstChild);
        var sel = el.querySelector("select[name=state]");
        if (sel) sel.value = state;
        var ver = el.querySelector("input[name=version]");
        if (ver) ver.value = item.version;
        [from, col].forEach(function (c) {
          if (!c) return;
          var n = c.parentNode.querySelector(".count");
          if (n) n.textContent = String(parseInt(n.textContent, 10) + (c === col ? 1 : -1));
        });
        announce(el.dataset.key + " moved to " + state);
      }).catch(function (err) { showError(err.message); });
    }
  });

  // ---- small things -------------------------------------------------------
  document.addEventListener("change", function (e) {
    if (e.target.matches && e.target.matches("[data-autosubmit]")) e.target.form.submit();
  });
  document.addEventListener("click", function (e) {
    var b = e.target.closest && e.target.closest(".help-open");
    if (b) { var h = document.getElementById("help"); if (h) h.showModal(); }
    var row = e.target.closest && e.target.closest("[data-nav]");
    if (row && !e.target.closest("a,button,select,input,form")) select(row);
  });
})();
