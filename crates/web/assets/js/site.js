// Progressive enhancements. Every page works without this script; it only adds:
// - search suggestions as you type (an ARIA combobox over the plain search field),
// - "use my location" on the office finder,
// - focus on the error summary after a form comes back with errors.
(function () {
  "use strict";

  function focusErrorSummary() {
    var summary = document.querySelector("[data-focus-on-load]");
    if (summary) {
      summary.focus();
    }
  }

  function enableGeolocation() {
    var button = document.querySelector("[data-geolocate]");
    if (!button || !("geolocation" in navigator)) {
      return;
    }
    var form = button.closest("form");
    button.closest(".geolocate").hidden = false;
    button.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (position) {
        var url = new URL(form.action, window.location.href);
        var service = form.querySelector("input[name=service]");
        if (service) {
          url.searchParams.set("service", service.value);
        }
        url.searchParams.set("lat", position.coords.latitude.toFixed(5));
        url.searchParams.set("lon", position.coords.longitude.toFixed(5));
        window.location.assign(url.toString());
      });
    });
  }

  function enableSuggestions() {
    var input = document.querySelector("input[data-suggest]");
    if (!input || !window.fetch) {
      return;
    }
    var list = document.createElement("ul");
    list.id = "site-search-suggestions";
    list.className = "suggestions";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    input.parentNode.parentNode.appendChild(list);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-expanded", "false");

    var active = -1;
    var timer = null;

    function close() {
      list.hidden = true;
      list.innerHTML = "";
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function choose(text) {
      input.value = text;
      close();
      input.form.submit();
    }

    function show(items) {
      list.innerHTML = "";
      items.forEach(function (text, index) {
        var option = document.createElement("li");
        option.id = "suggestion-" + index;
        option.setAttribute("role", "option");
        option.textContent = text;
        option.addEventListener("mousedown", function (event) {
          event.preventDefault();
          choose(text);
        });
        list.appendChild(option);
      });
      list.hidden = items.length === 0;
      input.setAttribute("aria-expanded", items.length ? "true" : "false");
    }

    function highlight(index) {
      var options = list.querySelectorAll("[role=option]");
      options.forEach(function (option, i) {
        option.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      active = index;
      if (options[index]) {
        input.setAttribute("aria-activedescendant", options[index].id);
      }
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      var text = input.value.trim();
      if (text.length < 2) {
        close();
        return;
      }
      timer = setTimeout(function () {
        fetch(input.dataset.suggest + "&limit=6&q=" + encodeURIComponent(text))
          .then(function (response) { return response.ok ? response.json() : []; })
          .then(show)
          .catch(close);
      }, 150);
    });

    input.addEventListener("keydown", function (event) {
      var count = list.querySelectorAll("[role=option]").length;
      if (event.key === "ArrowDown" && count) {
        event.preventDefault();
        highlight((active + 1) % count);
      } else if (event.key === "ArrowUp" && count) {
        event.preventDefault();
        highlight((active - 1 + count) % count);
      } else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        choose(list.querySelectorAll("[role=option]")[active].textContent);
      } else if (event.key === "Escape") {
        close();
      }
    });
    input.addEventListener("blur", close);
  }

  focusErrorSummary();
  enableGeolocation();
  enableSuggestions();
})();
