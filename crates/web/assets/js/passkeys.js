// Passkey ceremonies on the account pages: adding a passkey (security page) and signing in
// with one (sign-in page). Both need the browser's WebAuthn API, which only a script can call;
// without this script, or in a browser without WebAuthn, the page keeps saying so and
// everything else on it still works.
//
// Each ceremony element ([data-passkey]) names the JSON endpoints that begin and finish the
// ceremony, carries the page's form token and the messages in the page's language, and has a
// live region ([data-passkey-status]) where progress and errors are announced.
(function () {
  "use strict";

  function fromBase64Url(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) {
      base64 += "=";
    }
    var binary = atob(base64);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i += 1) {
      bytes[i] = binary.charCodeAt(i);
    }
    return bytes.buffer;
  }

  function toBase64Url(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i += 1) {
      binary += String.fromCharCode(bytes[i]);
    }
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  // The server writes absent options as null; the browser wants them left out.
  function withoutNulls(value) {
    if (Array.isArray(value)) {
      return value.map(withoutNulls);
    }
    if (value && typeof value === "object") {
      var copy = {};
      Object.keys(value).forEach(function (key) {
        if (value[key] !== null) {
          copy[key] = withoutNulls(value[key]);
        }
      });
      return copy;
    }
    return value;
  }

  function decodeIds(list) {
    return (list || []).map(function (credential) {
      var copy = Object.assign({}, credential);
      copy.id = fromBase64Url(credential.id);
      return copy;
    });
  }

  function creationOptions(options) {
    var publicKey = withoutNulls(options.publicKey);
    publicKey.challenge = fromBase64Url(publicKey.challenge);
    publicKey.user.id = fromBase64Url(publicKey.user.id);
    publicKey.excludeCredentials = decodeIds(publicKey.excludeCredentials);
    return { publicKey: publicKey };
  }

  function requestOptions(options) {
    var publicKey = withoutNulls(options.publicKey);
    publicKey.challenge = fromBase64Url(publicKey.challenge);
    publicKey.allowCredentials = decodeIds(publicKey.allowCredentials);
    return { publicKey: publicKey };
  }

  function registrationAnswer(credential) {
    var response = credential.response;
    return {
      id: credential.id,
      rawId: toBase64Url(credential.rawId),
      type: credential.type,
      response: {
        attestationObject: toBase64Url(response.attestationObject),
        clientDataJSON: toBase64Url(response.clientDataJSON),
        transports: typeof response.getTransports === "function" ? response.getTransports() : undefined,
      },
      extensions: credential.getClientExtensionResults(),
    };
  }

  function assertionAnswer(credential) {
    var response = credential.response;
    return {
      id: credential.id,
      rawId: toBase64Url(credential.rawId),
      type: credential.type,
      response: {
        authenticatorData: toBase64Url(response.authenticatorData),
        clientDataJSON: toBase64Url(response.clientDataJSON),
        signature: toBase64Url(response.signature),
        userHandle: response.userHandle ? toBase64Url(response.userHandle) : null,
      },
      extensions: credential.getClientExtensionResults(),
    };
  }

  // Posts JSON with the page's form token; resolves with the parsed answer, rejects with the
  // server's message when there is one.
  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body),
    }).then(function (response) {
      return response.json().then(
        function (answer) {
          if (!response.ok || answer.error) {
            var error = new Error(answer.error || "");
            error.fromServer = Boolean(answer.error);
            throw error;
          }
          return answer;
        },
        function () {
          throw new Error("");
        }
      );
    });
  }

  function setUp(element) {
    var status = element.querySelector("[data-passkey-status]");
    var controls = element.querySelector("[data-passkey-controls]");
    var fallback = element.querySelector("[data-passkey-fallback]");
    var button = element.querySelector("[data-passkey-start]");
    var nameInput = element.querySelector("[data-passkey-name]");
    var registering = element.getAttribute("data-passkey") === "register";
    var token = element.getAttribute("data-token");

    if (!window.PublicKeyCredential || !navigator.credentials || !window.fetch) {
      fallback.textContent = element.getAttribute("data-message-unsupported");
      return;
    }
    fallback.hidden = true;
    controls.hidden = false;

    function say(message) {
      status.textContent = message;
    }

    function explain(error) {
      // The browser reports a cancelled or timed-out ceremony, and a passkey it does not
      // have, as NotAllowedError.
      if (error && error.name === "NotAllowedError") {
        return element.getAttribute("data-message-cancelled");
      }
      if (error && error.fromServer) {
        return error.message;
      }
      return element.getAttribute("data-message-failed");
    }

    button.addEventListener("click", function () {
      button.disabled = true;
      say(element.getAttribute("data-message-working"));
      post(element.getAttribute("data-begin"), { token: token })
        .then(function (begun) {
          var ceremony = registering
            ? navigator.credentials.create(creationOptions(begun.options))
            : navigator.credentials.get(requestOptions(begun.options));
          return ceremony.then(function (credential) {
            var body = {
              token: token,
              ceremony: begun.ceremony,
              credential: registering ? registrationAnswer(credential) : assertionAnswer(credential),
            };
            if (registering) {
              body.name = nameInput ? nameInput.value : "";
            } else {
              body.next = element.getAttribute("data-next") || "";
            }
            return post(element.getAttribute("data-finish"), body);
          });
        })
        .then(function (finished) {
          window.location.assign(finished.redirect);
        })
        .catch(function (error) {
          say(explain(error));
          button.disabled = false;
        });
    });
  }

  function start() {
    var elements = document.querySelectorAll("[data-passkey]");
    for (var i = 0; i < elements.length; i += 1) {
      setUp(elements[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
