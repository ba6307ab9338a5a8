// The live counter of an SMS body (<form data-sms-compose>: the compose page, and the reply box of a
// conversation, whose recipient is fixed: data-sms-to): characters, encoding, segments and price as the text
// is typed, and Send switched off while the text is longer than the longest body. Counting is the same as the
// server's (sms_segments.js mirrors messaging/segments.py). The price is not computed here: the counter's
// quote asks the server (htmx), which prices it with the service that charges it. The server recounts,
// checks and charges on send. A form htmx swaps in is wired when it lands.
(function () {
  function wire(form) {
    var body = form.querySelector("[data-sms-body]");
    var counter = form.querySelector("[data-sms-counter]");
    var send = form.querySelector("button[type=submit]");
    if (!body || !counter || !window.DidfarmSms || form.hasAttribute("data-sms-wired")) return;
    form.setAttribute("data-sms-wired", "");
    var max = parseInt(counter.getAttribute("data-max"), 10) || 1600;
    function part(name) { return counter.querySelector('[data-part="' + name + '"]'); }
    function update() {
      var result = window.DidfarmSms.segment(body.value);
      part("chars").textContent = result.characters;
      part("encoding").textContent = result.encoding;
      part("encoding").classList.toggle("ucs", result.encoding !== "GSM-7");
      part("segments").textContent = result.segments;
      part("per").textContent = result.perSegment;
      part("left").textContent = result.remaining;
      part("hint").hidden = result.encoding === "GSM-7";
      var tooLong = result.characters > max;
      part("too-long").hidden = !tooLong;
      if (send) send.disabled = tooLong;
    }
    body.addEventListener("input", update);
    update();
  }

  function wireWithin(root) {
    if (root.matches && root.matches("form[data-sms-compose]")) wire(root);
    if (root.querySelectorAll) root.querySelectorAll("form[data-sms-compose]").forEach(wire);
  }
  function init() { wireWithin(document); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
  document.addEventListener("htmx:load", function (event) { wireWithin(event.detail.elt); });
})();
