// Progressive enhancements of the staff portal. Every page works without this script; it
// only adds, below each Markdown field of the editing form, the rendered text and the
// readability hints while typing, and on an image's page lets a click on the image set the
// focal point. The server does the former (POST /staff/assist), so the preview shows
// exactly what the portal will render.
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

  // The two number fields stay the source of the focal point: a click on the image fills
  // them in, and the marker follows whatever they hold. The marker is placed through custom
  // properties, which the content security policy allows where style attributes are not.
  function enableFocalPoint() {
    var frame = document.querySelector("[data-focal-point]");
    if (!frame) {
      return;
    }
    var image = frame.querySelector("img");
    var marker = frame.querySelector(".staff-focus__marker");
    var across = document.getElementById(frame.getAttribute("data-focal-x"));
    var down = document.getElementById(frame.getAttribute("data-focal-y"));
    var hint = document.getElementById("media-focal-click");
    if (!image || !marker || !across || !down) {
      return;
    }

    function percent(field) {
      var value = parseFloat(String(field.value).replace(",", "."));
      return isNaN(value) ? 50 : Math.min(100, Math.max(0, value));
    }
    function place() {
      frame.style.setProperty("--staff-focal-x", percent(across) + "%");
      frame.style.setProperty("--staff-focal-y", percent(down) + "%");
      marker.hidden = false;
    }
    function share(offset, size) {
      return Math.min(100, Math.max(0, Math.round((offset / size) * 100)));
    }

    image.addEventListener("click", function (event) {
      var box = image.getBoundingClientRect();
      if (box.width === 0 || box.height === 0) {
        return;
      }
      across.value = share(event.clientX - box.left, box.width);
      down.value = share(event.clientY - box.top, box.height);
      place();
    });
    across.addEventListener("input", place);
    down.addEventListener("input", place);
    frame.classList.add("staff-focus--active");
    if (hint) {
      hint.hidden = false;
    }
    place();
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
    enableFocalPoint();
  });
})();
