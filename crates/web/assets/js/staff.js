// Progressive enhancements of the staff portal. Every page works without this script; it
// only adds, below each Markdown field of the editing form, the rendered text and the
// readability hints while typing. The server does both (POST /staff/assist), so the preview
// shows exactly what the portal will render.
(function () {
  "use strict";

  var DELAY_MS = 600;

  function assistFor(field, form, token) {
    var box = form.querySelector('[data-assist-for="' + field.id + '"]');
    if (!box) {
      return;
    }
    var timer = null;
    var scores = document.createElement("p");
    scores.className = "kern-body";
    scores.setAttribute("aria-live", "polite");
    var hints = document.createElement("ul");
    hints.className = "kern-list";
    var heading = document.createElement("p");
    heading.className = "kern-label kern-label--small";
    heading.textContent = "Vorschau";
    var preview = document.createElement("div");
    preview.className = "staff-assist__preview";
    preview.lang = field.lang;
    box.append(scores, hints, heading, preview);

    function update() {
      var body = new URLSearchParams();
      body.set("token", token);
      body.set("text", field.value);
      body.set("variant", field.getAttribute("data-assist") === "de-x-ls" ? "ls" : (field.lang === "en" ? "en" : "de"));
      fetch(form.getAttribute("data-assist-url"), {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: body.toString()
      }).then(function (response) {
        return response.ok ? response.json() : null;
      }).then(function (answer) {
        if (!answer) {
          return;
        }
        box.hidden = field.value.trim() === "";
        scores.textContent = answer.flesch
          ? "Flesch-Amstad " + answer.flesch + (answer.band ? " (" + answer.band + ")" : "") +
            ", Wiener Sachtextformel " + answer.wiener
          : "";
        hints.replaceChildren();
        answer.findings.slice(0, 8).forEach(function (finding) {
          var item = document.createElement("li");
          item.textContent = finding.explanation + ": „" + finding.excerpt + "“";
          hints.append(item);
        });
        // The server's Markdown renderer escapes everything it does not produce itself.
        preview.innerHTML = answer.html;
      }).catch(function () {
        box.hidden = true;
      });
    }

    field.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(update, DELAY_MS);
    });
    if (field.value.trim() !== "") {
      update();
    }
  }

  function enableAssist() {
    var form = document.querySelector("form[data-assist-url]");
    if (!form || !window.fetch) {
      return;
    }
    var token = form.querySelector("input[name=_token]").value;
    form.querySelectorAll("textarea[data-assist]").forEach(function (field) {
      assistFor(field, form, token);
    });
  }

  function focusErrors() {
    var summary = document.getElementById("error-summary");
    if (summary) {
      summary.focus();
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    focusErrors();
    enableAssist();
  });
})();
